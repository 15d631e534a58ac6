#include "engine/optim/lars.h"

#include <cmath>
#include <stdexcept>

#include "engine/op_checks.h"
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
  detail::check_compatible("lars", "param", p, "grad", g, true);
  const bool exclude = excluded(i);
  const double wd = exclude ? 0.0 : options_.weight_decay;
  detail::dispatch("lars", p, [&](auto t) {
    using T = decltype(t);
    const int64_t n = p.numel();
    const T* pd = p.data<T>();
    const T* gd = g.data<T>();
    double trust = 1.0;
    if (!exclude) {
      const double w_norm = std::sqrt(ACL_KERNEL_VALUE(p.device(), sum_squares, pd, n));
      double denom;
      if (options_.trust_ratio == LarsTrustRatio::kSimclr) {
        denom = std::sqrt(ACL_KERNEL_VALUE(p.device(), decayed_sum_squares, gd, pd, n, wd));
      } else {
        denom = std::sqrt(ACL_KERNEL_VALUE(p.device(), sum_squares, gd, n)) + wd * w_norm;
      }
      if (w_norm > 0 && denom > 0) trust = options_.eta * w_norm / denom;
    }
    last_trust_[i] = trust;
    ACL_KERNEL(p.device(), lars_step, p.data<T>(), gd, buffers(i)[0].data<T>(), n, lr() * trust,
               options_.momentum, wd, options_.nesterov);
  });
}

}  // namespace acl
