#include "engine/optim/lars.h"

#include <cmath>
#include <stdexcept>

#include "engine/kernel_route.h"
#include "engine/optim/sum_squares.h"
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

void Lars::step() {
  // The norms of every adapted parameter with a gradient, read from the device at once.
  std::vector<SquareSumTerm> terms;
  std::vector<size_t> owner;
  for (size_t i = 0; i < num_params(); ++i) {
    const Tensor& p = param(i);
    Tensor g = p.grad();
    if (!g.defined() || excluded(i)) continue;
    checks::check_compatible("lars", "param", p, "grad", g, true);
    const bool simclr = options_.trust_ratio == LarsTrustRatio::kSimclr;
    terms.push_back({p.detach(), Tensor(), 0.0});
    terms.push_back({g, simclr ? p.detach() : Tensor(), simclr ? options_.weight_decay : 0.0});
    owner.push_back(i);
  }
  const std::vector<double> sums = sums_of_squares(terms);
  w_norm_.assign(num_params(), 0.0);
  g_norm_.assign(num_params(), 0.0);
  for (size_t k = 0; k < owner.size(); ++k) {
    w_norm_[owner[k]] = std::sqrt(sums[2 * k]);
    g_norm_[owner[k]] = std::sqrt(sums[2 * k + 1]);
  }
  Optimizer::step();
}

void Lars::update(size_t i, Tensor& p, const Tensor& g, bool /*first_update*/) {
  checks::check_compatible("lars", "param", p, "grad", g, true);
  const bool exclude = excluded(i);
  const double wd = exclude ? 0.0 : options_.weight_decay;
  const LarsOptions& o = options_;
  const int64_t n = p.numel();
  double trust = 1.0;
  if (!exclude) {
    const double w_norm = w_norm_.at(i);
    // kSimclr: ||g + wd * p||; kPaper: ||g|| + wd * ||p||
    const double denom =
        o.trust_ratio == LarsTrustRatio::kSimclr ? g_norm_.at(i) : g_norm_.at(i) + wd * w_norm;
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
