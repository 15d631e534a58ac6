#include "kernels/indexing.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace acl::kernels {
namespace {
void check_index(const int32_t* index, int64_t M, int64_t N) {
  for (int64_t m = 0; m < M; ++m) {
    if (index[m] < 0 || index[m] >= N) {
      throw std::invalid_argument("gather_rows: index[" + std::to_string(m) +
                                  "] = " + std::to_string(index[m]) + " is outside [0, " +
                                  std::to_string(N) + ")");
    }
  }
}
}  // namespace

template <typename T>
void copy_slab_cpu(T* dst, const T* src, int64_t outer, int64_t inner, int64_t dst_n,
                   int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count) {
  size_t bytes = static_cast<size_t>(count * inner) * sizeof(T);
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + (o * dst_n + dst_start) * inner, src + (o * src_n + src_start) * inner,
                bytes);
  }
}

template <typename T>
void gather_rows_cpu(T* out, const T* x, const int32_t* index, int64_t M, int64_t N, int64_t row) {
  check_index(index, M, N);
  for (int64_t m = 0; m < M; ++m)
    std::memcpy(out + m * row, x + static_cast<int64_t>(index[m]) * row, row * sizeof(T));
}

template <typename T>
void gather_rows_backward_cpu(T* grad_x, const T* grad_out, const int32_t* index, int64_t M,
                              int64_t N, int64_t row) {
  check_index(index, M, N);
  std::memset(grad_x, 0, static_cast<size_t>(N * row) * sizeof(T));
  for (int64_t m = 0; m < M; ++m) {
    T* dst = grad_x + static_cast<int64_t>(index[m]) * row;
    const T* src = grad_out + m * row;
    for (int64_t i = 0; i < row; ++i) dst[i] += src[i];
  }
}

#define ACL_INSTANTIATE(T)                                                                   \
  template void copy_slab_cpu<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t, int64_t,  \
                                 int64_t, int64_t);                                          \
  template void gather_rows_cpu<T>(T*, const T*, const int32_t*, int64_t, int64_t, int64_t); \
  template void gather_rows_backward_cpu<T>(T*, const T*, const int32_t*, int64_t, int64_t,  \
                                            int64_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
ACL_INSTANTIATE(int32_t)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
