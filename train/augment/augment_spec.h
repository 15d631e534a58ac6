// The kernels' view of an AugmentConfig (kernels/augment_params.h: AugmentSpec). make_view uses
// it; tests use it with augment_draw_params to know the parameters a view was made with.
#pragma once

#include <cstdint>

#include "kernels/augment_params.h"
#include "train/augment/augment.h"

namespace acl::augment {

// The config (assumed valid) for views of out_length samples: probabilities and sigma rounded to
// float, the time-shift bound round(max_fraction * out_length) in view samples.
kernels::AugmentSpec to_kernel_spec(const AugmentConfig& config, int64_t out_length);

}  // namespace acl::augment
