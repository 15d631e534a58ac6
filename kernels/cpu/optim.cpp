// Optimizer updates on the CPU (see kernels/optim.h for the formulas): one pass over the n
// elements; the scalar factors and the update of one element come from kernels/optim_shared.h,
// shared with the CUDA twin. The sums of squares accumulate in double.
#include "kernels/optim.h"

#include "kernels/optim_shared.h"

namespace acl::kernels {

using namespace optim_detail;

template <typename T>
void sgd_step_cpu(T* p, const T* g, T* buf, int64_t n, double lr, double momentum,
                  double weight_decay, bool nesterov, bool first) {
  check_sgd(p, g, n);
  const SgdFactors<T> k = sgd_factors<T>(lr, momentum, weight_decay, nesterov, first);
  for (int64_t i = 0; i < n; ++i) p[i] = sgd_element(p[i], g[i], buf ? buf + i : nullptr, k);
}

template <typename T>
void adamw_step_cpu(T* p, const T* g, T* m, T* v, int64_t n, double lr, double beta1, double beta2,
                    double eps, double weight_decay, int64_t step) {
  check_adamw(p, g, m, v, n);
  const AdamWFactors<T> k = adamw_factors<T>(lr, beta1, beta2, eps, weight_decay, step);
  for (int64_t i = 0; i < n; ++i) adamw_element(p + i, m + i, v + i, g[i], k);
}

template <typename T>
void lars_step_cpu(T* p, const T* g, T* v, int64_t n, double scaled_lr, double momentum,
                   double weight_decay, bool nesterov) {
  check_lars(p, g, v, n);
  const LarsFactors<T> k = lars_factors<T>(scaled_lr, momentum, weight_decay, nesterov);
  for (int64_t i = 0; i < n; ++i) lars_element(p + i, v + i, g[i], k);
}

template <typename T>
double sum_squares_cpu(const T* x, int64_t n) {
  check_sum_squares("sum_squares", x, n);
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return s;
}

template <typename T>
double decayed_sum_squares_cpu(const T* g, const T* p, int64_t n, double weight_decay) {
  check_decayed_sum_squares(g, p, n, weight_decay);
  const T wd = static_cast<T>(weight_decay);
  const bool decay = weight_decay != 0;
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double gi = decayed_grad(g[i], decay ? p[i] : T(0), wd, decay);
    s += gi * gi;
  }
  return s;
}

template <typename T>
void sum_squares_to_cpu(const T* g, const T* p, int64_t n, double weight_decay, double* out) {
  check_ptr("sum_squares_to", "out", out, 1);
  *out = p != nullptr && weight_decay != 0 ? decayed_sum_squares_cpu<T>(g, p, n, weight_decay)
                                           : sum_squares_cpu<T>(g, n);
}

#define ACL_INSTANTIATE(T)                                                                       \
  template void sgd_step_cpu<T>(T*, const T*, T*, int64_t, double, double, double, bool, bool);  \
  template void adamw_step_cpu<T>(T*, const T*, T*, T*, int64_t, double, double, double, double, \
                                  double, int64_t);                                              \
  template void lars_step_cpu<T>(T*, const T*, T*, int64_t, double, double, double, bool);       \
  template double sum_squares_cpu<T>(const T*, int64_t);                                         \
  template double decayed_sum_squares_cpu<T>(const T*, const T*, int64_t, double);               \
  template void sum_squares_to_cpu<T>(const T*, const T*, int64_t, double, double*);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
