// Row-wise L2 normalisation on CUDA (see kernels/normalize.h):
//   forward:  n = max(||x_row||_2, eps), out (N, D) = x / n, norms (N) = n        (written)
//   backward: where n > eps, grad_in = (grad_out - out * <out, grad_out>) / n;
//             where clamped, grad_in = grad_out / eps                              (written)
// One warp per row (8 rows per 256-thread block, grid-stride over rows), lanes striding over D;
// the sum of squares and the dot product accumulate in T and merge through a fixed butterfly
// (deterministic). eps is rounded to T once.
#include "kernels/cuda/common.cuh"
#include "kernels/normalize.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kRowBlock = 256;
constexpr int kRowsPerBlock = kRowBlock / kWarpSize;

template <typename T>
static __global__ void l2_normalize_forward_kernel(T* out, T* norms, const T* x, int N, int D,
                                                   T eps) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const T* xr = x + row * D;
    T ss = T(0);
    for (int d = lane; d < D; d += kWarpSize) ss += xr[d] * xr[d];
    ss = warp_sum(ss);
    const T root = d_sqrt(ss);
    const T n = root > eps ? root : eps;
    if (lane == 0) norms[row] = n;
    for (int d = lane; d < D; d += kWarpSize) out[row * D + d] = xr[d] / n;
  }
}

template <typename T>
static __global__ void l2_normalize_backward_kernel(T* grad_in, const T* grad_out, const T* out,
                                                    const T* norms, int N, int D, T eps) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t base = row * D;
    const T n = norms[row];
    const bool clamped = !(n > eps);  // uniform across the warp
    T dot = T(0);
    if (!clamped) {
      for (int d = lane; d < D; d += kWarpSize) dot += out[base + d] * grad_out[base + d];
      dot = warp_sum(dot);
    }
    for (int d = lane; d < D; d += kWarpSize) {
      grad_in[base + d] = (grad_out[base + d] - out[base + d] * dot) / n;
    }
  }
}

void check_args(const char* op, int N, int D, double eps) {
  check_count(op, "N", N);
  check_count(op, "D", D);
  if (!(eps >= 0.0)) fail(op, "eps = " + std::to_string(eps) + " must be >= 0");
}

}  // namespace

template <typename T>
void l2_normalize_forward_cuda(T* out, T* norms, const T* x, int N, int D, double eps,
                               cudaStream_t stream) {
  const char* op = "l2_normalize_forward_cuda";
  check_args(op, N, D, eps);
  const int64_t n = static_cast<int64_t>(N) * D;
  check_ptr(op, "out", out, n);
  check_ptr(op, "norms", norms, N);
  check_ptr(op, "x", x, n);
  if (N == 0) return;
  l2_normalize_forward_kernel<<<grid_for(N, kRowsPerBlock), kRowBlock, 0, stream>>>(
      out, norms, x, N, D, static_cast<T>(eps));
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void l2_normalize_backward_cuda(T* grad_in, const T* grad_out, const T* out, const T* norms, int N,
                                int D, double eps, cudaStream_t stream) {
  const char* op = "l2_normalize_backward_cuda";
  check_args(op, N, D, eps);
  const int64_t n = static_cast<int64_t>(N) * D;
  check_ptr(op, "grad_in", grad_in, n);
  check_ptr(op, "grad_out", grad_out, n);
  check_ptr(op, "out", out, n);
  check_ptr(op, "norms", norms, N);
  if (N == 0) return;
  l2_normalize_backward_kernel<<<grid_for(N, kRowsPerBlock), kRowBlock, 0, stream>>>(
      grad_in, grad_out, out, norms, N, D, static_cast<T>(eps));
  CUDA_CHECK(cudaGetLastError());
}

#define ACL_INSTANTIATE(T)                                                                        \
  template void l2_normalize_forward_cuda<T>(T*, T*, const T*, int, int, double, cudaStream_t);   \
  template void l2_normalize_backward_cuda<T>(T*, const T*, const T*, const T*, int, int, double, \
                                              cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
