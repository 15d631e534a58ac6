#include "engine/optim/sgd.h"

#include <stdexcept>

#include "engine/kernel_route.h"
#include "engine/tensor_checks.h"
#include "kernels/optim.h"

namespace acl {
namespace {

std::vector<std::string> sgd_buffers(const SgdOptions& o) {
  if (o.momentum != 0) return {"momentum_buffer"};
  return {};
}

}  // namespace

Sgd::Sgd(std::vector<ParamGroup> groups, SgdOptions options)
    : Optimizer("sgd", std::move(groups), options.lr, sgd_buffers(options)), options_(options) {
  if (!(options_.momentum >= 0) || !(options_.weight_decay >= 0)) {
    throw std::invalid_argument("sgd: momentum and weight_decay must be >= 0, got momentum " +
                                std::to_string(options_.momentum) + ", weight_decay " +
                                std::to_string(options_.weight_decay));
  }
  if (options_.nesterov && options_.momentum == 0) {
    throw std::invalid_argument("sgd: nesterov needs momentum > 0");
  }
}

void Sgd::update(size_t i, Tensor& p, const Tensor& g, bool first_update) {
  checks::check_compatible("sgd", "param", p, "grad", g, true);
  const double wd = excluded(i) ? 0.0 : options_.weight_decay;
  const SgdOptions& o = options_;
  const bool has_buffer = o.momentum != 0;
  route_kernel(
      "sgd", p,
      [&](auto t) {
        using T = decltype(t);
        T* buf = has_buffer ? buffers(i)[0].data<T>() : nullptr;
        kernels::sgd_step_cpu<T>(p.data<T>(), g.data<T>(), buf, p.numel(), lr(), o.momentum, wd,
                                 o.nesterov, first_update);
      },
      [&](auto stream) {
        float* buf = has_buffer ? buffers(i)[0].data<float>() : nullptr;
        kernels::sgd_step_cuda(p.data<float>(), g.data<float>(), buf, p.numel(), lr(), o.momentum,
                               wd, o.nesterov, first_update, stream);
      });
}

}  // namespace acl
