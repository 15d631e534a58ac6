#include "engine/optim/adamw.h"

#include <stdexcept>

#include "engine/kernel_route.h"
#include "engine/tensor_checks.h"
#include "kernels/optim.h"

namespace acl {

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions options)
    : Optimizer("adamw", std::move(groups), options.lr, {"exp_avg", "exp_avg_sq"}),
      options_(options) {
  const AdamWOptions& o = options_;
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1)) {
    throw std::invalid_argument("adamw: betas must lie in [0, 1), got (" + std::to_string(o.beta1) +
                                ", " + std::to_string(o.beta2) + ")");
  }
  if (!(o.eps >= 0) || !(o.weight_decay >= 0)) {
    throw std::invalid_argument("adamw: eps and weight_decay must be >= 0, got eps " +
                                std::to_string(o.eps) + ", weight_decay " +
                                std::to_string(o.weight_decay));
  }
}

void AdamW::update(size_t i, Tensor& p, const Tensor& g, bool /*first_update*/) {
  checks::check_compatible("adamw", "param", p, "grad", g, true);
  const double wd = excluded(i) ? 0.0 : options_.weight_decay;
  const AdamWOptions& o = options_;
  const int64_t step = static_cast<int64_t>(param_step(i));
  route_kernel(
      "adamw", p,
      [&](auto t) {
        using T = decltype(t);
        kernels::adamw_step_cpu<T>(p.data<T>(), g.data<T>(), buffers(i)[0].data<T>(),
                                   buffers(i)[1].data<T>(), p.numel(), lr(), o.beta1, o.beta2,
                                   o.eps, wd, step);
      },
      [&](auto stream) {
        kernels::adamw_step_cuda(p.data<float>(), g.data<float>(), buffers(i)[0].data<float>(),
                                 buffers(i)[1].data<float>(), p.numel(), lr(), o.beta1, o.beta2,
                                 o.eps, wd, step, stream);
      });
}

}  // namespace acl
