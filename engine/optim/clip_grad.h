// Gradient clipping by global norm, like torch.nn.utils.clip_grad_norm_ (norm_type 2):
//   total = sqrt(sum over parameters with a grad of ||grad||^2)    (accumulated in double)
//   coef  = max_norm / (total + 1e-6);  if coef < 1, every grad *= coef (in its dtype)
// Returns `total`, the norm before clipping. Parameters without a grad are skipped. When total is
// not finite the gradients are left untouched (PyTorch would scale them by NaN) so the caller can
// see the returned value and skip the step. The per-parameter sums of squares are gathered with
// sums_of_squares (one read of the device per call).
#pragma once

#include <vector>

#include "engine/optim/optimizer.h"
#include "engine/tensor.h"

namespace acl {

// The global 2-norm of the defined gradients of `params`, accumulated in double.
double grad_norm(const std::vector<Tensor>& params);

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);
// All parameters of the optimizer.
double clip_grad_norm(const Optimizer& opt, double max_norm);

}  // namespace acl
