// Stochastic gradient descent with optional momentum, Nesterov momentum and (coupled) weight
// decay, PyTorch's torch.optim.SGD update:
//   g = grad + weight_decay * p
//   v = momentum * v + g            (v = g on the first step)
//   p -= lr * (nesterov ? g + momentum * v : v)      (momentum = 0: p -= lr * g)
// Parameters whose grad is undefined are left unchanged.
#pragma once

#include <vector>

#include "engine/tensor.h"

namespace acl {

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
};

class Sgd {
 public:
  Sgd(std::vector<Tensor> params, SgdOptions options);
  void step();
  void zero_grad();
  const SgdOptions& options() const { return options_; }
  void set_lr(double lr) { options_.lr = lr; }

 private:
  std::vector<Tensor> params_;
  std::vector<Tensor> velocity_;  // undefined until the first step of a parameter
  SgdOptions options_;
};

}  // namespace acl
