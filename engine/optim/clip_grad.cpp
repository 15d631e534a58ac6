#include "engine/optim/clip_grad.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/optim/sum_squares.h"
#include "kernels/elementwise.h"
#include "kernels/optim.h"

namespace acl {

double grad_norm(const std::vector<Tensor>& params) {
  std::vector<SquareSumTerm> terms;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (g.defined()) terms.push_back({g, Tensor(), 0.0});
  }
  double total = 0.0;
  for (double s : sums_of_squares(terms)) total += s;  // parameter order, as a serial loop adds
  return std::sqrt(total);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  if (!(max_norm >= 0)) {
    throw std::invalid_argument("clip_grad_norm: max_norm must be >= 0, got " +
                                std::to_string(max_norm));
  }
  NoGradGuard no_grad;
  const double total = grad_norm(params);
  if (!std::isfinite(total)) return total;
  const double coef = max_norm / (total + 1e-6);
  if (coef >= 1.0) return total;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    route_kernel(
        "clip_grad_norm", g,
        [&](auto t) {
          using T = decltype(t);
          kernels::scale_cpu<T>(g.data<T>(), g.data<T>(), static_cast<T>(coef), g.numel());
        },
        [&](auto stream) {
          kernels::scale_cuda(g.data<float>(), g.data<float>(), static_cast<float>(coef), g.numel(),
                              stream);
        });
  }
  return total;
}

double clip_grad_norm(const Optimizer& opt, double max_norm) {
  std::vector<Tensor> params;
  for (size_t i = 0; i < opt.num_params(); ++i) params.push_back(opt.param(i));
  return clip_grad_norm(params, max_norm);
}

}  // namespace acl
