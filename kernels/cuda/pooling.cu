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
// summation order, need no atomics and are deterministic. Sums accumulate in float.
#include "kernels/cuda/common.cuh"
#include "kernels/pooling.h"
#include "kernels/pooling_shared.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;
using namespace pooling_detail;

constexpr int kBlockSize = 256;
constexpr int kRowsPerBlock = kBlockSize / kWarpSize;

// One thread per output element: the window max and its index (kMax), or the window mean.
template <bool kMax>
static __global__ void pool1d_forward_kernel(float* out, int32_t* argmax, const float* in,
                                             int64_t rows, int L, int Lout, int K, int stride,
                                             int pad) {
  const int64_t total = rows * Lout;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const float* x = in + (idx / Lout) * L;
    int lb, le;
    window_bounds(static_cast<int>(idx % Lout), K, stride, pad, L, &lb, &le);
    if constexpr (kMax) {
      const int best_i = window_argmax(x, lb, le);
      out[idx] = x[best_i];
      argmax[idx] = best_i;
    } else {
      out[idx] = window_sum<float>(x, lb, le) / static_cast<float>(K);
    }
  }
}

// One thread per row: zero the row, then grad_in[argmax[lo]] += grad_out[lo] for lo in order,
// exactly the CPU twin's loop. The backward does not know the window geometry (its arguments
// are the CPU twin's), so it scatters within a row that only this thread touches: no atomics,
// deterministic. An argmax outside [0, L) (never produced by the forward) is skipped.
static __global__ void max_pool1d_backward_kernel(float* grad_in, const float* grad_out,
                                                  const int32_t* argmax, int64_t rows, int L,
                                                  int Lout) {
  for (int64_t r = grid_start(); r < rows; r += grid_step()) {
    float* dx = grad_in + r * L;
    const float* dy = grad_out + r * Lout;
    const int32_t* am = argmax + r * Lout;
    for (int l = 0; l < L; ++l) dx[l] = 0.0f;
    for (int lo = 0; lo < Lout; ++lo) {
      const int32_t i = am[lo];
      if (i >= 0 && i < L) dx[i] += dy[lo];
    }
  }
}

static __global__ void avg_pool1d_backward_kernel(float* grad_in, const float* grad_out,
                                                  int64_t rows, int L, int Lout, int K, int stride,
                                                  int pad, float inv_k) {
  const int64_t total = rows * L;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const float* dy = grad_out + (idx / L) * Lout;
    int first, last;
    windows_of(static_cast<int>(idx % L), K, stride, pad, Lout, &first, &last);
    float acc = 0.0f;
    for (int lo = first; lo <= last; ++lo) acc += dy[lo] * inv_k;
    grad_in[idx] = acc;
  }
}

// One warp per row.
static __global__ void global_avg_pool1d_forward_kernel(float* out, const float* in, int rows,
                                                        int L) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       r < rows; r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float* x = in + r * L;
    float acc = 0.0f;
    for (int i = lane; i < L; i += kWarpSize) acc += x[i];
    acc = warp_sum(acc);
    if (lane == 0) out[r] = acc / static_cast<float>(L);
  }
}

static __global__ void global_avg_pool1d_backward_kernel(float* grad_in, const float* grad_out,
                                                         int rows, int L) {
  const int64_t total = static_cast<int64_t>(rows) * L;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    grad_in[idx] = grad_out[idx / L] / static_cast<float>(L);
  }
}

}  // namespace

void max_pool1d_forward_cuda(float* out, int32_t* argmax, const float* in, int B, int C, int L,
                             int K, int stride, int pad, cudaStream_t stream) {
  const int Lout = check_max_pool1d_forward(out, argmax, in, B, C, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C, total = rows * Lout;
  if (total == 0) return;
  pool1d_forward_kernel<true><<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      out, argmax, in, rows, L, Lout, K, stride, pad);
  CUDA_CHECK(cudaGetLastError());
}

void max_pool1d_backward_cuda(float* grad_in, const float* grad_out, const int32_t* argmax, int B,
                              int C, int L, int Lout, cudaStream_t stream) {
  check_max_pool1d_backward(grad_in, grad_out, argmax, B, C, L, Lout);
  const int64_t rows = static_cast<int64_t>(B) * C;
  if (rows == 0) return;
  max_pool1d_backward_kernel<<<grid_for(rows, kBlockSize), kBlockSize, 0, stream>>>(
      grad_in, grad_out, argmax, rows, L, Lout);
  CUDA_CHECK(cudaGetLastError());
}

void avg_pool1d_forward_cuda(float* out, const float* in, int B, int C, int L, int K, int stride,
                             int pad, cudaStream_t stream) {
  const int Lout = check_avg_pool1d_forward(out, in, B, C, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C, total = rows * Lout;
  if (total == 0) return;
  pool1d_forward_kernel<false><<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      out, nullptr, in, rows, L, Lout, K, stride, pad);
  CUDA_CHECK(cudaGetLastError());
}

void avg_pool1d_backward_cuda(float* grad_in, const float* grad_out, int B, int C, int L, int K,
                              int stride, int pad, cudaStream_t stream) {
  const int Lout = check_avg_pool1d_backward(grad_in, grad_out, B, C, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C, total = rows * L;
  if (total == 0) return;
  avg_pool1d_backward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      grad_in, grad_out, rows, L, Lout, K, stride, pad, static_cast<float>(1.0 / K));
  CUDA_CHECK(cudaGetLastError());
}

void global_avg_pool1d_forward_cuda(float* out, const float* in, int rows, int L,
                                    cudaStream_t stream) {
  check_global_avg_pool1d_forward(out, in, rows, L);
  if (rows == 0) return;
  global_avg_pool1d_forward_kernel<<<grid_for(rows, kRowsPerBlock), kBlockSize, 0, stream>>>(
      out, in, rows, L);
  CUDA_CHECK(cudaGetLastError());
}

void global_avg_pool1d_backward_cuda(float* grad_in, const float* grad_out, int rows, int L,
                                     cudaStream_t stream) {
  check_global_avg_pool1d_backward(grad_in, grad_out, rows, L);
  const int64_t total = static_cast<int64_t>(rows) * L;
  if (total == 0) return;
  global_avg_pool1d_backward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      grad_in, grad_out, rows, L);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
