#include "kernels/reduce.h"

#include <algorithm>
#include <vector>

namespace acl::kernels {

template <typename T>
void sum_dim_cpu(T* out, const T* in, int64_t outer, int64_t n, int64_t inner) {
  std::vector<double> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const T* src = in + o * n * inner;
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) acc[i] += static_cast<double>(src[j * inner + i]);
    for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<T>(acc[i]);
  }
}

template <typename T>
void broadcast_dim_cpu(T* out, const T* in, int64_t outer, int64_t n, int64_t inner, T s) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) out[(o * n + j) * inner + i] = s * in[o * inner + i];
}

#define ACL_INSTANTIATE(T)                                               \
  template void sum_dim_cpu<T>(T*, const T*, int64_t, int64_t, int64_t); \
  template void broadcast_dim_cpu<T>(T*, const T*, int64_t, int64_t, int64_t, T);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
