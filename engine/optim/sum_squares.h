// Sums of squares of many tensors with one read of the device: the norms behind gradient clipping
// and LARS. Each term is sum x^2, or sum (x + weight_decay * decay_with)^2 when decay_with is
// defined and weight_decay != 0 (rounded as lars_step forms the decayed gradient), accumulated in
// double. CPU terms are summed in place; the CUDA terms are queued on the compute stream into one
// device buffer that is copied to the host once (one host wait per call, whatever the count).
#pragma once

#include <vector>

#include "engine/tensor.h"

namespace acl {

struct SquareSumTerm {
  Tensor x;
  Tensor decay_with;  // undefined: sum x^2
  double weight_decay = 0.0;
};

// One sum per term, in order. x and decay_with share shape, dtype and device (checked).
std::vector<double> sums_of_squares(const std::vector<SquareSumTerm>& terms);

}  // namespace acl
