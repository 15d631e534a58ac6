// Block copies on the CPU (see kernels/indexing.h): memcpy per slab or row; gather_rows_backward
// zeroes grad_x and adds the rows of grad_out in index order. Checks and index arithmetic:
// kernels/indexing_shared.h.
#include "kernels/indexing.h"

#include <cstring>

#include "kernels/indexing_shared.h"

namespace acl::kernels {

using namespace indexing_detail;

namespace {
void check_index(const char* op, const int32_t* index, int64_t M, int64_t N) {
  for (int64_t m = 0; m < M; ++m) {
    if (!index_in_range(index[m], N)) fail_bad_index(op, m, index[m], N);
  }
}
}  // namespace

template <typename T>
void copy_slab_cpu(T* dst, const T* src, int64_t outer, int64_t inner, int64_t dst_n,
                   int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count) {
  check_copy_slab(dst, src, outer, inner, dst_n, dst_start, src_n, src_start, count);
  const size_t bytes = static_cast<size_t>(count * inner) * sizeof(T);
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + slab_base(o, dst_n, dst_start, inner),
                src + slab_base(o, src_n, src_start, inner), bytes);
  }
}

template <typename T>
void gather_rows_cpu(T* out, const T* x, const int32_t* index, int64_t M, int64_t N, int64_t row) {
  const char* op = "gather_rows";
  check_gather_rows(out, x, index, M, N, row);
  check_index(op, index, M, N);
  for (int64_t m = 0; m < M; ++m)
    std::memcpy(out + m * row, x + static_cast<int64_t>(index[m]) * row, row * sizeof(T));
}

template <typename T>
void gather_rows_backward_cpu(T* grad_x, const T* grad_out, const int32_t* index, int64_t M,
                              int64_t N, int64_t row) {
  const char* op = "gather_rows_backward";
  check_gather_rows_backward(grad_x, grad_out, index, M, N, row);
  check_index(op, index, M, N);
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
