#include "kernels/normalize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace acl::kernels {

template <typename T>
void l2_normalize_forward_cpu(T* out, T* norms, const T* x, int N, int D, double eps) {
  for (int i = 0; i < N; ++i) {
    const T* row = x + static_cast<int64_t>(i) * D;
    double ss = 0.0;
    for (int d = 0; d < D; ++d) ss += static_cast<double>(row[d]) * row[d];
    double n = std::max(std::sqrt(ss), eps);
    norms[i] = static_cast<T>(n);
    for (int d = 0; d < D; ++d) out[static_cast<int64_t>(i) * D + d] = static_cast<T>(row[d] / n);
  }
}

template <typename T>
void l2_normalize_backward_cpu(T* grad_in, const T* grad_out, const T* out, const T* norms, int N,
                               int D, double eps) {
  for (int i = 0; i < N; ++i) {
    int64_t base = static_cast<int64_t>(i) * D;
    double n = norms[i];
    bool clamped = !(n > eps);
    double dot = 0.0;
    if (!clamped)
      for (int d = 0; d < D; ++d) dot += static_cast<double>(out[base + d]) * grad_out[base + d];
    for (int d = 0; d < D; ++d)
      grad_in[base + d] = static_cast<T>((grad_out[base + d] - out[base + d] * dot) / n);
  }
}

#define ACL_INSTANTIATE(T)                                                       \
  template void l2_normalize_forward_cpu<T>(T*, T*, const T*, int, int, double); \
  template void l2_normalize_backward_cpu<T>(T*, const T*, const T*, const T*, int, int, double);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
