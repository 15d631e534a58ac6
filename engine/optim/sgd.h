// Stochastic gradient descent with optional momentum, Nesterov momentum and (coupled) weight
// decay: PyTorch's torch.optim.SGD update (dampening 0), in the parameter's dtype:
//   g = grad + weight_decay * p                      (weight_decay 0 for excluded groups)
//   b = g on a parameter's first update, else b = momentum * b + g   (buffer "momentum_buffer")
//   p = p - lr * (nesterov ? g + momentum * b : b)   (momentum 0: p = p - lr * g, no buffer)
#pragma once

#include <vector>

#include "engine/optim/optimizer.h"

namespace acl {

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<ParamGroup> groups, SgdOptions options);
  Sgd(std::vector<Tensor> params, SgdOptions options)
      : Sgd(single_group(std::move(params)), options) {}
  const SgdOptions& options() const { return options_; }

 protected:
  void update(size_t i, Tensor& p, const Tensor& g, bool first_update) override;

 private:
  SgdOptions options_;
};

}  // namespace acl
