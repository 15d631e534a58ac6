#include "kernels/optim.h"

#include <cmath>

namespace acl::kernels {

template <typename T>
void sgd_step_cpu(T* p, const T* g, T* buf, int64_t n, double lr, double momentum,
                  double weight_decay, bool nesterov, bool first) {
  const T wd = static_cast<T>(weight_decay), mu = static_cast<T>(momentum);
  const T neg_lr = static_cast<T>(-lr);
  for (int64_t i = 0; i < n; ++i) {
    T gi = g[i];
    if (weight_decay != 0) gi = gi + wd * p[i];
    if (buf) {
      buf[i] = first ? gi : buf[i] * mu + gi;
      gi = nesterov ? gi + mu * buf[i] : buf[i];
    }
    p[i] = p[i] + neg_lr * gi;
  }
}

template <typename T>
void adamw_step_cpu(T* p, const T* g, T* m, T* v, int64_t n, double lr, double beta1, double beta2,
                    double eps, double weight_decay, int64_t step) {
  const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  const T decay = static_cast<T>(1.0 - lr * weight_decay);
  const T w1 = static_cast<T>(1.0 - beta1);
  const T b2 = static_cast<T>(beta2), w2 = static_cast<T>(1.0 - beta2);
  const T neg_step_size = static_cast<T>(-(lr / bias_correction1));
  const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T e = static_cast<T>(eps);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    T pi = p[i] * decay;
    const T mi = m[i] + w1 * (gi - m[i]);
    const T vi = v[i] * b2 + w2 * gi * gi;
    const T denom = std::sqrt(vi) / bc2_sqrt + e;
    pi = pi + neg_step_size * mi / denom;
    p[i] = pi;
    m[i] = mi;
    v[i] = vi;
  }
}

template <typename T>
void lars_step_cpu(T* p, const T* g, T* v, int64_t n, double scaled_lr, double momentum,
                   double weight_decay, bool nesterov) {
  const T wd = static_cast<T>(weight_decay), mu = static_cast<T>(momentum);
  const T lr = static_cast<T>(scaled_lr);
  for (int64_t i = 0; i < n; ++i) {
    T gi = g[i];
    if (weight_decay != 0) gi = gi + wd * p[i];
    const T vi = mu * v[i] + lr * gi;
    v[i] = vi;
    p[i] = p[i] - (nesterov ? mu * vi + lr * gi : vi);
  }
}

template <typename T>
double sum_squares_cpu(const T* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return s;
}

template <typename T>
double decayed_sum_squares_cpu(const T* g, const T* p, int64_t n, double weight_decay) {
  const T wd = static_cast<T>(weight_decay);
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double gi = static_cast<double>(weight_decay != 0 ? g[i] + wd * p[i] : g[i]);
    s += gi * gi;
  }
  return s;
}

#define ACL_INSTANTIATE(T)                                                                       \
  template void sgd_step_cpu<T>(T*, const T*, T*, int64_t, double, double, double, bool, bool);  \
  template void adamw_step_cpu<T>(T*, const T*, T*, T*, int64_t, double, double, double, double, \
                                  double, int64_t);                                              \
  template void lars_step_cpu<T>(T*, const T*, T*, int64_t, double, double, double, bool);       \
  template double sum_squares_cpu<T>(const T*, int64_t);                                         \
  template double decayed_sum_squares_cpu<T>(const T*, const T*, int64_t, double);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
