// What the CPU and CUDA twins of the pooling kernels (kernels/pooling.h) share: the entry-point
// argument checks (same conditions and messages on both devices, each throwing
// std::invalid_argument("<op>: ...")) and the window arithmetic, written once as ACL_HOST_DEVICE
// functions.
//   window lo covers input positions [lo*stride - pad, lo*stride - pad + K), clipped to [0, L);
//   the max of a window is its first NaN if any, else its first largest element.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "kernels/runtime/host_device.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels::pooling_detail {

// ---- window arithmetic --------------------------------------------------------------------------

// In-range input positions [*lb, *le) of window lo.
ACL_HOST_DEVICE inline void window_bounds(int lo, int K, int stride, int pad, int L, int* lb,
                                          int* le) {
  const int start = lo * stride - pad;
  *lb = start > 0 ? start : 0;
  *le = start + K < L ? start + K : L;
}

// Windows containing input position l: lo in [*first, *last] (empty when first > last).
ACL_HOST_DEVICE inline void windows_of(int l, int K, int stride, int pad, int Lout, int* first,
                                       int* last) {
  const int hi = l + pad;  // lo*stride <= l + pad
  const int lo_hi = hi / stride;
  *first = hi - K < 0 ? 0 : (hi - K) / stride + 1;  // lo*stride > l + pad - K
  *last = lo_hi < Lout - 1 ? lo_hi : Lout - 1;
}

// Index of the max of x[lb, le) (lb < le): the first NaN, else the first largest element.
template <typename T>
ACL_HOST_DEVICE inline int window_argmax(const T* x, int lb, int le) {
  int best_i = lb;
  T best = x[lb];
  for (int i = lb + 1; i < le && best == best; ++i) {  // stop once best is NaN
    const T v = x[i];
    if (v > best || v != v) {
      best = v;
      best_i = i;
    }
  }
  return best_i;
}

// Sum of x[lb, le) accumulated in Acc, in increasing position.
template <typename Acc, typename T>
ACL_HOST_DEVICE inline Acc window_sum(const T* x, int lb, int le) {
  Acc s = Acc(0);
  for (int i = lb; i < le; ++i) s += static_cast<Acc>(x[i]);
  return s;
}

// ---- argument checks ----------------------------------------------------------------------------

inline void check_bc(const char* op, int B, int C, int L) {
  if (B < 0 || C < 0 || L < 1) {
    fail(op, "invalid shape B=" + std::to_string(B) + " C=" + std::to_string(C) +
                 " L=" + std::to_string(L) + " (need B >= 0, C >= 0, L >= 1)");
  }
}

// floor((L + 2*pad - K) / stride) + 1, with the geometry checked; errors name `op`.
inline int out_length(const char* op, int L, int K, int stride, int pad) {
  const std::string geom = "L=" + std::to_string(L) + " K=" + std::to_string(K) +
                           " stride=" + std::to_string(stride) + " pad=" + std::to_string(pad);
  if (K < 1 || stride < 1 || pad < 0 || L < 0) {
    fail(op, "invalid geometry " + geom + " (need K >= 1, stride >= 1, pad >= 0)");
  }
  if (pad > K / 2) {
    fail(op, "pad=" + std::to_string(pad) +
                 " exceeds half the kernel K/2=" + std::to_string(K / 2) + " (" + geom + ")");
  }
  const int64_t padded = static_cast<int64_t>(L) + 2 * static_cast<int64_t>(pad);
  if (padded < K)
    fail(op, "output length < 1: L + 2*pad is shorter than the kernel (" + geom + ")");
  return static_cast<int>((padded - K) / stride + 1);
}

// Shape and geometry of a windowed op, then its buffers of (B, C, Lout) elements (`out_side`)
// and of (B, C, L) elements (`in_side`); returns Lout.
inline int check_windowed(const char* op, int B, int C, int L, int K, int stride, int pad,
                          std::initializer_list<NamedBuffer> out_side,
                          std::initializer_list<NamedBuffer> in_side) {
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  check_ptrs(op, rows * Lout, out_side);
  check_ptrs(op, rows * L, in_side);
  return Lout;
}

// Each returns the output length Lout of its op.
inline int check_max_pool1d_forward(const void* out, const void* argmax, const void* in, int B,
                                    int C, int L, int K, int stride, int pad) {
  return check_windowed("max_pool1d", B, C, L, K, stride, pad, {{"out", out}, {"argmax", argmax}},
                        {{"in", in}});
}
inline int check_avg_pool1d_forward(const void* out, const void* in, int B, int C, int L, int K,
                                    int stride, int pad) {
  return check_windowed("avg_pool1d", B, C, L, K, stride, pad, {{"out", out}}, {{"in", in}});
}
inline int check_avg_pool1d_backward(const void* grad_in, const void* grad_out, int B, int C, int L,
                                     int K, int stride, int pad) {
  return check_windowed("avg_pool1d_backward", B, C, L, K, stride, pad, {{"grad_out", grad_out}},
                        {{"grad_in", grad_in}});
}

inline void check_max_pool1d_backward(const void* grad_in, const void* grad_out, const void* argmax,
                                      int B, int C, int L, int Lout) {
  const char* op = "max_pool1d_backward";
  check_bc(op, B, C, L);
  if (Lout < 1) fail(op, "Lout=" + std::to_string(Lout) + " must be >= 1");
  const int64_t rows = static_cast<int64_t>(B) * C;
  check_ptr(op, "grad_in", grad_in, rows * L);
  check_ptrs(op, rows * Lout, {{"grad_out", grad_out}, {"argmax", argmax}});
}

// global_avg_pool1d: `row_side` holds rows elements, `elem_side` rows * L.
inline void check_global(const char* op, int rows, int L,
                         std::initializer_list<NamedBuffer> row_side,
                         std::initializer_list<NamedBuffer> elem_side) {
  if (rows < 0 || L < 1) {
    fail(op, "invalid shape rows=" + std::to_string(rows) + " L=" + std::to_string(L) +
                 " (need rows >= 0, L >= 1)");
  }
  check_ptrs(op, rows, row_side);
  check_ptrs(op, static_cast<int64_t>(rows) * L, elem_side);
}
inline void check_global_avg_pool1d_forward(const void* out, const void* in, int rows, int L) {
  check_global("global_avg_pool1d", rows, L, {{"out", out}}, {{"in", in}});
}
inline void check_global_avg_pool1d_backward(const void* grad_in, const void* grad_out, int rows,
                                             int L) {
  check_global("global_avg_pool1d_backward", rows, L, {{"grad_out", grad_out}},
               {{"grad_in", grad_in}});
}

}  // namespace acl::kernels::pooling_detail
