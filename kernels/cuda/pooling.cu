// 1-D pooling over the last axis of (B, C, L) on CUDA, floor mode (see kernels/pooling.h).
// Window lo covers input positions [lo*stride - pad, lo*stride - pad + K); rows = B*C.
//   max_pool1d forward:  out = window max (padding never wins; a NaN propagates, first NaN wins;
//                        ties keep the first index), argmax = its index in [0, L)    (written)
//   max_pool1d backward: grad_in[l] = sum over windows lo with argmax[lo] == l of grad_out[lo]
//   avg_pool1d forward:  out = window sum / K (count_include_pad=True)               (written)
//   avg_pool1d backward: grad_in[l] = sum over windows lo containing l of grad_out[lo] / K
//   global_avg_pool1d:   out (rows) = row mean; backward grad_in = grad_out / L      (written)
// Forward passes: one thread per output element (global average: one warp per row, fixed
// butterfly). avg_pool1d backward gathers: one thread per input element visits the windows that
// contain it in increasing lo. max_pool1d backward, which gets no window geometry, runs one
// thread per row scattering through argmax in increasing lo. Both follow the CPU twin's
// summation order, need no atomics and are deterministic. Sums accumulate in T.
#include "kernels/cuda/common.cuh"
#include "kernels/pooling.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kBlockSize = 256;
constexpr int kRowsPerBlock = kBlockSize / kWarpSize;

void check_bc(const char* op, int B, int C, int L) {
  if (B < 0 || C < 0 || L < 1) {
    fail(op, "invalid shape B=" + std::to_string(B) + " C=" + std::to_string(C) +
                 " L=" + std::to_string(L) + " (need B >= 0, C >= 0, L >= 1)");
  }
}

void check_global(const char* op, int rows, int L) {
  if (rows < 0 || L < 1) {
    fail(op, "invalid shape rows=" + std::to_string(rows) + " L=" + std::to_string(L) +
                 " (need rows >= 0, L >= 1)");
  }
}

// Output length with the CPU twin's rules and messages.
int out_length(const char* op, int L, int K, int stride, int pad) {
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

// Windows containing input position l: lo in [first, last] (empty when first > last).
__device__ inline void windows_of(int l, int K, int stride, int pad, int Lout, int* first,
                                  int* last) {
  const int hi = l + pad;  // lo*stride <= l + pad
  const int lo_hi = hi / stride;
  const int lo_lo = hi - K < 0 ? 0 : (hi - K) / stride + 1;  // lo*stride > l + pad - K
  *first = lo_lo;
  *last = lo_hi < Lout - 1 ? lo_hi : Lout - 1;
}

template <typename T>
static __global__ void max_pool1d_forward_kernel(T* out, int32_t* argmax, const T* in, int64_t rows,
                                                 int L, int Lout, int K, int stride, int pad) {
  const int64_t total = rows * Lout;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int lo = static_cast<int>(idx % Lout);
    const T* x = in + (idx / Lout) * L;
    const int start = lo * stride - pad;
    const int lb = start > 0 ? start : 0;
    const int le = start + K < L ? start + K : L;
    int best_i = lb;
    T best = x[lb];
    for (int i = lb + 1; i < le && best == best; ++i) {  // stop once best is NaN
      const T v = x[i];
      if (v > best || v != v) {
        best = v;
        best_i = i;
      }
    }
    out[idx] = best;
    argmax[idx] = best_i;
  }
}

// One thread per row: zero the row, then grad_in[argmax[lo]] += grad_out[lo] for lo in order,
// exactly the CPU twin's loop. The backward does not know the window geometry (its arguments
// are the CPU twin's), so it scatters within a row that only this thread touches: no atomics,
// deterministic. An argmax outside [0, L) (never produced by the forward) is skipped.
template <typename T>
static __global__ void max_pool1d_backward_kernel(T* grad_in, const T* grad_out,
                                                  const int32_t* argmax, int64_t rows, int L,
                                                  int Lout) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    T* dx = grad_in + r * L;
    const T* dy = grad_out + r * Lout;
    const int32_t* am = argmax + r * Lout;
    for (int l = 0; l < L; ++l) dx[l] = T(0);
    for (int lo = 0; lo < Lout; ++lo) {
      const int32_t i = am[lo];
      if (i >= 0 && i < L) dx[i] += dy[lo];
    }
  }
}

template <typename T>
static __global__ void avg_pool1d_forward_kernel(T* out, const T* in, int64_t rows, int L, int Lout,
                                                 int K, int stride, int pad) {
  const int64_t total = rows * Lout;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int lo = static_cast<int>(idx % Lout);
    const T* x = in + (idx / Lout) * L;
    const int start = lo * stride - pad;
    const int lb = start > 0 ? start : 0;
    const int le = start + K < L ? start + K : L;
    T acc = T(0);
    for (int i = lb; i < le; ++i) acc += x[i];
    out[idx] = acc / static_cast<T>(K);
  }
}

template <typename T>
static __global__ void avg_pool1d_backward_kernel(T* grad_in, const T* grad_out, int64_t rows,
                                                  int L, int Lout, int K, int stride, int pad,
                                                  T inv_k) {
  const int64_t total = rows * L;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int l = static_cast<int>(idx % L);
    const T* dy = grad_out + (idx / L) * Lout;
    int first, last;
    windows_of(l, K, stride, pad, Lout, &first, &last);
    T acc = T(0);
    for (int lo = first; lo <= last; ++lo) acc += dy[lo] * inv_k;
    grad_in[idx] = acc;
  }
}

// One warp per row.
template <typename T>
static __global__ void global_avg_pool1d_forward_kernel(T* out, const T* in, int rows, int L) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       r < rows; r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* x = in + r * L;
    T acc = T(0);
    for (int i = lane; i < L; i += kWarpSize) acc += x[i];
    acc = warp_sum(acc);
    if (lane == 0) out[r] = acc / static_cast<T>(L);
  }
}

template <typename T>
static __global__ void global_avg_pool1d_backward_kernel(T* grad_in, const T* grad_out, int rows,
                                                         int L) {
  const int64_t total = static_cast<int64_t>(rows) * L;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    grad_in[idx] = grad_out[idx / L] / static_cast<T>(L);
  }
}

}  // namespace

template <typename T>
void max_pool1d_forward_cuda(T* out, int32_t* argmax, const T* in, int B, int C, int L, int K,
                             int stride, int pad, cudaStream_t stream) {
  const char* op = "max_pool1d";
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C, total = rows * Lout;
  check_ptr(op, "out", out, total);
  check_ptr(op, "argmax", argmax, total);
  check_ptr(op, "in", in, rows * L);
  if (total == 0) return;
  max_pool1d_forward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      out, argmax, in, rows, L, Lout, K, stride, pad);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void max_pool1d_backward_cuda(T* grad_in, const T* grad_out, const int32_t* argmax, int B, int C,
                              int L, int Lout, cudaStream_t stream) {
  const char* op = "max_pool1d_backward";
  check_bc(op, B, C, L);
  if (Lout < 1) fail(op, "Lout=" + std::to_string(Lout) + " must be >= 1");
  const int64_t rows = static_cast<int64_t>(B) * C;
  check_ptr(op, "grad_in", grad_in, rows * L);
  check_ptr(op, "grad_out", grad_out, rows * Lout);
  check_ptr(op, "argmax", argmax, rows * Lout);
  if (rows == 0) return;
  max_pool1d_backward_kernel<<<grid_for(rows, kBlockSize), kBlockSize, 0, stream>>>(
      grad_in, grad_out, argmax, rows, L, Lout);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void avg_pool1d_forward_cuda(T* out, const T* in, int B, int C, int L, int K, int stride, int pad,
                             cudaStream_t stream) {
  const char* op = "avg_pool1d";
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C, total = rows * Lout;
  check_ptr(op, "out", out, total);
  check_ptr(op, "in", in, rows * L);
  if (total == 0) return;
  avg_pool1d_forward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      out, in, rows, L, Lout, K, stride, pad);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void avg_pool1d_backward_cuda(T* grad_in, const T* grad_out, int B, int C, int L, int K, int stride,
                              int pad, cudaStream_t stream) {
  const char* op = "avg_pool1d_backward";
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C, total = rows * L;
  check_ptr(op, "grad_in", grad_in, total);
  check_ptr(op, "grad_out", grad_out, rows * Lout);
  if (total == 0) return;
  avg_pool1d_backward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      grad_in, grad_out, rows, L, Lout, K, stride, pad, static_cast<T>(1.0 / K));
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void global_avg_pool1d_forward_cuda(T* out, const T* in, int rows, int L, cudaStream_t stream) {
  const char* op = "global_avg_pool1d";
  check_global(op, rows, L);
  check_ptr(op, "out", out, rows);
  check_ptr(op, "in", in, static_cast<int64_t>(rows) * L);
  if (rows == 0) return;
  global_avg_pool1d_forward_kernel<<<grid_for(rows, kRowsPerBlock), kBlockSize, 0, stream>>>(
      out, in, rows, L);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void global_avg_pool1d_backward_cuda(T* grad_in, const T* grad_out, int rows, int L,
                                     cudaStream_t stream) {
  const char* op = "global_avg_pool1d_backward";
  check_global(op, rows, L);
  const int64_t total = static_cast<int64_t>(rows) * L;
  check_ptr(op, "grad_in", grad_in, total);
  check_ptr(op, "grad_out", grad_out, rows);
  if (total == 0) return;
  global_avg_pool1d_backward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      grad_in, grad_out, rows, L);
  CUDA_CHECK(cudaGetLastError());
}

#define ACL_INSTANTIATE(T)                                                                       \
  template void max_pool1d_forward_cuda<T>(T*, int32_t*, const T*, int, int, int, int, int, int, \
                                           cudaStream_t);                                        \
  template void max_pool1d_backward_cuda<T>(T*, const T*, const int32_t*, int, int, int, int,    \
                                            cudaStream_t);                                       \
  template void avg_pool1d_forward_cuda<T>(T*, const T*, int, int, int, int, int, int,           \
                                           cudaStream_t);                                        \
  template void avg_pool1d_backward_cuda<T>(T*, const T*, int, int, int, int, int, int,          \
                                            cudaStream_t);                                       \
  template void global_avg_pool1d_forward_cuda<T>(T*, const T*, int, int, cudaStream_t);         \
  template void global_avg_pool1d_backward_cuda<T>(T*, const T*, int, int, cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
