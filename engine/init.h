// Parameter initialisation matching PyTorch's defaults for conv and linear layers
// (kaiming_uniform with a = sqrt(5)): weights and biases uniform in (-1/sqrt(fan_in),
// 1/sqrt(fan_in)].
#pragma once

#include "engine/rng.h"
#include "engine/tensor.h"

namespace acl {

// A new leaf parameter (requires_grad) of `shape`, uniform in (-bound, bound], bound =
// 1/sqrt(fan_in).
Tensor init_uniform_fan_in(const Shape& shape, int64_t fan_in, Rng& rng, DType dtype = DType::f32);

}  // namespace acl
