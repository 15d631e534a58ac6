// Row-wise L2 normalisation on CUDA (see kernels/normalize.h):
//   forward:  n = max(||x_row||_2, eps), out (N, D) = x / n, norms (N) = n        (written)
//   backward: where n > eps, grad_in = (grad_out - out * <out, grad_out>) / n;
//             where clamped, grad_in = grad_out / eps                              (written)
// One warp per row (8 rows per 256-thread block, grid-stride over rows), lanes striding over D;
// the sum of squares and the dot product accumulate in float and merge through a fixed butterfly
// (deterministic). eps is rounded to float once.
#include "kernels/cuda/common.cuh"
#include "kernels/normalize.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kRowBlock = 256;
constexpr int kRowsPerBlock = kRowBlock / kWarpSize;

static __global__ void l2_normalize_forward_kernel(float* out, float* norms, const float* x, int N,
                                                   int D, float eps) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float* xr = x + row * D;
    float ss = 0.0f;
    for (int d = lane; d < D; d += kWarpSize) ss += xr[d] * xr[d];
    ss = warp_sum(ss);
    const float root = hd_sqrt(ss);
    const float n = root > eps ? root : eps;
    if (lane == 0) norms[row] = n;
    for (int d = lane; d < D; d += kWarpSize) out[row * D + d] = xr[d] / n;
  }
}

static __global__ void l2_normalize_backward_kernel(float* grad_in, const float* grad_out,
                                                    const float* out, const float* norms, int N,
                                                    int D, float eps) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t base = row * D;
    const float n = norms[row];
    const bool clamped = !(n > eps);  // uniform across the warp
    float dot = 0.0f;
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

void l2_normalize_forward_cuda(float* out, float* norms, const float* x, int N, int D, double eps,
                               cudaStream_t stream) {
  const char* op = "l2_normalize_forward_cuda";
  check_args(op, N, D, eps);
  const int64_t n = static_cast<int64_t>(N) * D;
  check_ptrs(op, n, {{"out", out}, {"x", x}});
  check_ptr(op, "norms", norms, N);
  if (N == 0) return;
  l2_normalize_forward_kernel<<<grid_for(N, kRowsPerBlock), kRowBlock, 0, stream>>>(
      out, norms, x, N, D, static_cast<float>(eps));
  CUDA_CHECK(cudaGetLastError());
}

void l2_normalize_backward_cuda(float* grad_in, const float* grad_out, const float* out,
                                const float* norms, int N, int D, double eps, cudaStream_t stream) {
  const char* op = "l2_normalize_backward_cuda";
  check_args(op, N, D, eps);
  const int64_t n = static_cast<int64_t>(N) * D;
  check_ptrs(op, n, {{"grad_in", grad_in}, {"grad_out", grad_out}, {"out", out}});
  check_ptr(op, "norms", norms, N);
  if (N == 0) return;
  l2_normalize_backward_kernel<<<grid_for(N, kRowsPerBlock), kRowBlock, 0, stream>>>(
      grad_in, grad_out, out, norms, N, D, static_cast<float>(eps));
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
