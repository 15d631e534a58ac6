// What the CPU and CUDA twins of the optimizer updates (kernels/optim.h) share: the entry-point
// argument checks (same conditions and messages on both devices, each throwing
// std::invalid_argument("<op>: ...")), the scalar factors of each update (formed in double on
// the host, then rounded to T once, as PyTorch rounds Python scalars) and the update of one
// element, written once as ACL_HOST_DEVICE functions in T.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/runtime/host_device.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels::optim_detail {

// ---- scalar factors (host) ----------------------------------------------------------------------

template <typename T>
struct SgdFactors {
  T neg_lr, mu, wd;
  bool decay, nesterov, first;
};

template <typename T>
SgdFactors<T> sgd_factors(double lr, double momentum, double weight_decay, bool nesterov,
                          bool first) {
  return SgdFactors<T>{static_cast<T>(-lr),
                       static_cast<T>(momentum),
                       static_cast<T>(weight_decay),
                       weight_decay != 0,
                       nesterov,
                       first};
}

template <typename T>
struct AdamWFactors {
  T decay;          // 1 - lr * wd
  T w1, b2, w2;     // 1 - beta1, beta2, 1 - beta2
  T neg_step_size;  // -lr / (1 - beta1^t)
  T bc2_sqrt;       // sqrt(1 - beta2^t)
  T eps;
};

template <typename T>
AdamWFactors<T> adamw_factors(double lr, double beta1, double beta2, double eps,
                              double weight_decay, int64_t step) {
  const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  return AdamWFactors<T>{static_cast<T>(1.0 - lr * weight_decay),
                         static_cast<T>(1.0 - beta1),
                         static_cast<T>(beta2),
                         static_cast<T>(1.0 - beta2),
                         static_cast<T>(-(lr / bias_correction1)),
                         static_cast<T>(std::sqrt(bias_correction2)),
                         static_cast<T>(eps)};
}

template <typename T>
struct LarsFactors {
  T lr, mu, wd;
  bool decay, nesterov;
};

template <typename T>
LarsFactors<T> lars_factors(double scaled_lr, double momentum, double weight_decay, bool nesterov) {
  return LarsFactors<T>{static_cast<T>(scaled_lr), static_cast<T>(momentum),
                        static_cast<T>(weight_decay), weight_decay != 0, nesterov};
}

// ---- one element --------------------------------------------------------------------------------

// g' = g + wd * p; b = first ? g' : b * mu + g' (b null: no momentum);
// returns p - lr * (nesterov ? g' + mu * b : b).
template <typename T>
ACL_HOST_DEVICE inline T sgd_element(T p, T g, T* b, const SgdFactors<T>& k) {
  if (k.decay) g = g + k.wd * p;
  if (b) {
    *b = k.first ? g : *b * k.mu + g;
    g = k.nesterov ? g + k.mu * *b : *b;
  }
  return p + k.neg_lr * g;
}

template <typename T>
ACL_HOST_DEVICE inline void adamw_element(T* p, T* m, T* v, T g, const AdamWFactors<T>& k) {
  const T pi = *p * k.decay;
  const T mi = *m + k.w1 * (g - *m);
  const T vi = *v * k.b2 + k.w2 * g * g;
  const T denom = hd_sqrt(vi) / k.bc2_sqrt + k.eps;
  *p = pi + k.neg_step_size * mi / denom;
  *m = mi;
  *v = vi;
}

template <typename T>
ACL_HOST_DEVICE inline void lars_element(T* p, T* v, T g, const LarsFactors<T>& k) {
  if (k.decay) g = g + k.wd * *p;
  const T vi = k.mu * *v + k.lr * g;
  *v = vi;
  *p = *p - (k.nesterov ? k.mu * vi + k.lr * g : vi);
}

// g + wd * p rounded to T, as lars_step forms it (decay false: g).
template <typename T>
ACL_HOST_DEVICE inline double decayed_grad(T g, T p, T wd, bool decay) {
  return static_cast<double>(decay ? static_cast<T>(g + wd * p) : g);
}

// ---- argument checks ----------------------------------------------------------------------------

inline void check_sgd(const void* p, const void* g, int64_t n) {
  check_count("sgd_step", "n", n);
  check_ptrs("sgd_step", n, {{"p", p}, {"g", g}});
}

inline void check_adamw(const void* p, const void* g, const void* m, const void* v, int64_t n) {
  check_count("adamw_step", "n", n);
  check_ptrs("adamw_step", n, {{"p", p}, {"g", g}, {"m", m}, {"v", v}});
}

inline void check_lars(const void* p, const void* g, const void* v, int64_t n) {
  check_count("lars_step", "n", n);
  check_ptrs("lars_step", n, {{"p", p}, {"g", g}, {"v", v}});
}

inline void check_sum_squares(const char* op, const void* x, int64_t n) {
  check_count(op, "n", n);
  check_ptr(op, "x", x, n);
}

inline void check_decayed_sum_squares(const void* g, const void* p, int64_t n,
                                      double weight_decay) {
  const char* op = "decayed_sum_squares";
  check_sum_squares(op, g, n);
  if (weight_decay != 0) check_ptr(op, "p", p, n);
}

}  // namespace acl::kernels::optim_detail
