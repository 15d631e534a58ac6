// AdamW (decoupled weight decay), torch.optim.AdamW's single-tensor update (amsgrad off), in the
// parameter's dtype with the scalar factors formed in double. For parameter i at its t-th update:
//   p  = p * (1 - lr * weight_decay)                 (weight_decay 0 for excluded groups)
//   m  = m + (1 - beta1) * (g - m)                   (buffer "exp_avg", zeros before t = 1)
//   v  = v * beta2 + (1 - beta2) * g * g             (buffer "exp_avg_sq")
//   p  = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// t is the parameter's own counter (param.<i>.step), as PyTorch keeps state["step"] per parameter.
#pragma once

#include <vector>

#include "engine/optim/optimizer.h"

namespace acl {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, AdamWOptions options);
  AdamW(std::vector<Tensor> params, AdamWOptions options)
      : AdamW(single_group(std::move(params)), options) {}
  const AdamWOptions& options() const { return options_; }

 protected:
  void update(size_t i, Tensor& p, const Tensor& g, bool first_update) override;

 private:
  AdamWOptions options_;
};

}  // namespace acl
