#include "engine/optim/lars.h"

#include <cmath>
#include <stdexcept>

#include "engine/kernel_route.h"
#include "engine/tensor_checks.h"
#include "kernels/optim.h"

namespace acl {

Lars::Lars(std::vector<ParamGroup> groups, LarsOptions options)
    : Optimizer("lars", std::move(groups), options.lr, {"momentum"}), options_(options) {
  const LarsOptions& o = options_;
  if (!(o.momentum >= 0) || !(o.weight_decay >= 0) || !(o.eta > 0)) {
    throw std::invalid_argument("lars: need momentum >= 0, weight_decay >= 0, eta > 0; got " +
                                std::to_string(o.momentum) + ", " + std::to_string(o.weight_decay) +
                                ", " + std::to_string(o.eta));
  }
  if (o.nesterov && o.momentum == 0)
    throw std::invalid_argument("lars: nesterov needs momentum > 0");
  last_trust_.assign(num_params(), 0.0);
}

void Lars::update(size_t i, Tensor& p, const Tensor& g, bool /*first_update*/) {
  checks::check_compatible("lars", "param", p, "grad", g, true);
  const bool exclude = excluded(i);
  const double wd = exclude ? 0.0 : options_.weight_decay;
  const LarsOptions& o = options_;
  const int64_t n = p.numel();
  // sum x^2 over a tensor of p's shape, dtype and device (p or g)
  auto sum_squares = [&](const Tensor& x) {
    return route_kernel(
        "lars", x,
        [&](auto t) {
          using T = decltype(t);
          return kernels::sum_squares_cpu<T>(x.data<T>(), n);
        },
        [&](auto stream) { return kernels::sum_squares_cuda(x.data<float>(), n, stream); });
  };
  double trust = 1.0;
  if (!exclude) {
    const double w_norm = std::sqrt(sum_squares(p));
    double denom;
    if (o.trust_ratio == LarsTrustRatio::kSimclr) {
      denom = std::sqrt(route_kernel(
          "lars", p,
          [&](auto t) {
            using T = decltype(t);
            return kernels::decayed_sum_squares_cpu<T>(g.data<T>(), p.data<T>(), n, wd);
          },
          [&](auto stream) {
            return kernels::decayed_sum_squares_cuda(g.data<float>(), p.data<float>(), n, wd,
                                                     stream);
          }));
    } else {
      denom = std::sqrt(sum_squares(g)) + wd * w_norm;
    }
    if (w_norm > 0 && denom > 0) trust = o.eta * w_norm / denom;
  }
  last_trust_[i] = trust;
  route_kernel(
      "lars", p,
      [&](auto t) {
        using T = decltype(t);
        kernels::lars_step_cpu<T>(p.data<T>(), g.data<T>(), buffers(i)[0].data<T>(), n,
                                  lr() * trust, o.momentum, wd, o.nesterov);
      },
      [&](auto stream) {
        kernels::lars_step_cuda(p.data<float>(), g.data<float>(), buffers(i)[0].data<float>(), n,
                                lr() * trust, o.momentum, wd, o.nesterov, stream);
      });
}

}  // namespace acl
