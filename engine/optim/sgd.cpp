#include "engine/optim/sgd.h"

#include <stdexcept>

#include "engine/op_checks.h"
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
  detail::check_compatible("sgd", "param", p, "grad", g, true);
  const double wd = excluded(i) ? 0.0 : options_.weight_decay;
  detail::dispatch("sgd", p, [&](auto t) {
    using T = decltype(t);
    T* buf = options_.momentum != 0 ? buffers(i)[0].data<T>() : nullptr;
    ACL_KERNEL(p.device(), sgd_step, p.data<T>(), g.data<T>(), buf, p.numel(), lr(),
               options_.momentum, wd, options_.nesterov, first_update);
  });
}

}  // namespace acl
