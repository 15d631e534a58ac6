// What the CPU and CUDA twins of the block copies (kernels/indexing.h) share: the entry-point
// argument checks (same conditions and messages on both devices, each throwing
// std::invalid_argument("<op>: ...")) and the index arithmetic, written once as ACL_HOST_DEVICE
// functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "kernels/runtime/host_device.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels::indexing_detail {

// Offset of the first element of slab row `start` of outer block o in a tensor viewed as
// (outer, n, inner).
ACL_HOST_DEVICE inline int64_t slab_base(int64_t o, int64_t n, int64_t start, int64_t inner) {
  return (o * n + start) * inner;
}

ACL_HOST_DEVICE inline bool index_in_range(int32_t v, int64_t N) {
  return v >= 0 && v < N;
}

// Returns the number of elements copied, outer * count * inner.
inline int64_t check_copy_slab(const void* dst, const void* src, int64_t outer, int64_t inner,
                               int64_t dst_n, int64_t dst_start, int64_t src_n, int64_t src_start,
                               int64_t count) {
  const char* op = "copy_slab";
  check_count(op, "outer", outer);
  check_count(op, "inner", inner);
  check_count(op, "count", count);
  if (dst_start < 0 || src_start < 0 || dst_start + count > dst_n || src_start + count > src_n) {
    fail(op, "range of " + std::to_string(count) + " from src [" + std::to_string(src_start) +
                 ", of " + std::to_string(src_n) + ") to dst [" + std::to_string(dst_start) +
                 ", of " + std::to_string(dst_n) + ") is out of bounds");
  }
  const int64_t total = outer * count * inner;
  check_ptrs(op, total, {{"dst", dst}, {"src", src}});
  return total;
}

// The shapes of a row gather and its buffers: `m_side` holds M rows, `n_side` N rows of `row`
// elements, index M entries. The index values are checked where they live.
inline void check_gather(const char* op, int64_t M, int64_t N, int64_t row,
                         std::initializer_list<NamedBuffer> m_side,
                         std::initializer_list<NamedBuffer> n_side, const void* index) {
  check_count(op, "M", M);
  check_count(op, "N", N);
  check_count(op, "row", row);
  check_ptrs(op, M * row, m_side);
  check_ptrs(op, N * row, n_side);
  check_ptr(op, "index", index, M);
}
inline void check_gather_rows(const void* out, const void* x, const void* index, int64_t M,
                              int64_t N, int64_t row) {
  check_gather("gather_rows", M, N, row, {{"out", out}}, {{"x", x}}, index);
}
inline void check_gather_rows_backward(const void* grad_x, const void* grad_out, const void* index,
                                       int64_t M, int64_t N, int64_t row) {
  check_gather("gather_rows_backward", M, N, row, {{"grad_out", grad_out}}, {{"grad_x", grad_x}},
               index);
}

// The error for index[m] = value outside [0, N).
[[noreturn]] inline void fail_bad_index(const char* op, int64_t m, int32_t value, int64_t N) {
  fail(op, "index[" + std::to_string(m) + "] = " + std::to_string(value) + " is outside [0, " +
               std::to_string(N) + ")");
}

}  // namespace acl::kernels::indexing_detail
