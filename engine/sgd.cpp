#include "engine/sgd.h"

#include <stdexcept>
#include <string>

#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "kernels/elementwise.h"

namespace acl {

Sgd::Sgd(std::vector<Tensor> params, SgdOptions options)
    : params_(std::move(params)), velocity_(params_.size()), options_(options) {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined() || !params_[i].requires_grad() || !params_[i].is_leaf()) {
      throw std::invalid_argument("Sgd: parameter " + std::to_string(i) +
                                  " is not a leaf tensor requiring grad");
    }
  }
  if (options_.lr < 0 || options_.momentum < 0 || options_.weight_decay < 0) {
    throw std::invalid_argument("Sgd: lr, momentum and weight_decay must be >= 0");
  }
  if (options_.nesterov && options_.momentum == 0) {
    throw std::invalid_argument("Sgd: nesterov needs momentum > 0");
  }
}

void Sgd::step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor p = params_[i].detach();
    Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    Tensor g = grad.clone();
    detail::dispatch("Sgd::step", p, [&](auto t) {
      using T = decltype(t);
      int64_t n = p.numel();
      T* gd = g.data<T>();
      if (options_.weight_decay != 0)
        kernels::axpy_cpu<T>(gd, p.data<T>(), static_cast<T>(options_.weight_decay), n);
      const T* update = gd;
      if (options_.momentum != 0) {
        if (!velocity_[i].defined()) {
          velocity_[i] = g.clone();
        } else {
          T* v = velocity_[i].data<T>();
          kernels::scale_cpu<T>(v, v, static_cast<T>(options_.momentum), n);
          kernels::axpy_cpu<T>(v, gd, T(1), n);
        }
        if (options_.nesterov) {
          kernels::axpy_cpu<T>(gd, velocity_[i].data<T>(), static_cast<T>(options_.momentum), n);
        } else {
          update = velocity_[i].data<T>();
        }
      }
      kernels::axpy_cpu<T>(p.data<T>(), update, static_cast<T>(-options_.lr), n);
    });
  }
}

void Sgd::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

}  // namespace acl
