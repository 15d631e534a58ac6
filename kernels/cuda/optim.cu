// Optimizer updates on CUDA (see kernels/optim.h for the formulas).
//   sgd/adamw/lars_step: one thread per element (grid-stride), p and buffers written in place;
//     the scalar factors are formed in double on the host and rounded to float once, as on the CPU,
//     and the per-element arithmetic follows the CPU twin's order (the compiler may fuse a
//     multiply-add, so results agree to a rounding, not bit for bit).
//   sum_squares / decayed_sum_squares: each block sums a grid-stride share in double with a fixed
//     tree (block_sum), a second one-block pass adds the partials in block order; deterministic for
//     a given n. sum_squares_to leaves the total in device memory; the others copy it to the host
//     (waits for the stream).
#include <algorithm>

#include "kernels/cuda/common.cuh"
#include "kernels/optim.h"
#include "kernels/optim_shared.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;
using namespace optim_detail;

constexpr int kBlockSize = 256;
constexpr int kReduceBlocks = 256;  // partial sums of the first pass

static __global__ void sgd_kernel(float* p, const float* g, float* buf, int64_t n,
                                  SgdFactors<float> k) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    p[i] = sgd_element(p[i], g[i], buf ? buf + i : nullptr, k);
  }
}

static __global__ void adamw_kernel(float* p, const float* g, float* m, float* v, int64_t n,
                                    AdamWFactors<float> k) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    adamw_element(p + i, m + i, v + i, g[i], k);
  }
}

static __global__ void lars_kernel(float* p, const float* g, float* v, int64_t n,
                                   LarsFactors<float> k) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    lars_element(p + i, v + i, g[i], k);
  }
}

// partial[block] = sum over the block's grid-stride share of (g + wd * p)^2 (p null: g^2), with
// g + wd * p rounded to float first, as decayed_sum_squares_cpu forms it.
static __global__ void sum_squares_partial_kernel(const float* g, const float* p, int64_t n,
                                                  float wd, double* partial) {
  double s = 0.0;
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    const double gi = decayed_grad(g[i], p ? p[i] : 0.0f, wd, p != nullptr);
    s += gi * gi;
  }
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

static __global__ void sum_partials_kernel(const double* partial, int count, double* out) {
  double s = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = s;
}

// Queues the sum of the squares of g (p null) or of g + wd * p, in double, into out[0] (device
// memory, which also holds no partials: they live in scratch). The caller has checked the
// arguments.
void sum_squares_enqueue(const float* g, const float* p, int64_t n, double weight_decay,
                         double* out, cudaStream_t stream) {
  if (n == 0) {
    CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(double), stream));
    return;
  }
  const unsigned blocks = std::min<unsigned>(grid_for(n, kBlockSize), kReduceBlocks);
  DeviceScratch<double> partial(kReduceBlocks, stream);
  sum_squares_partial_kernel<<<blocks, kBlockSize, 0, stream>>>(
      g, p, n, static_cast<float>(weight_decay), partial.get());
  CUDA_CHECK(cudaGetLastError());
  sum_partials_kernel<<<1, kBlockSize, 0, stream>>>(partial.get(), static_cast<int>(blocks), out);
  CUDA_CHECK(cudaGetLastError());
}

// The same sum returned to the host: waits for the stream (a counted host wait).
double sum_squares_impl(const float* g, const float* p, int64_t n, double weight_decay,
                        cudaStream_t stream) {
  if (n == 0) return 0.0;
  DeviceScratch<double> total(1, stream);
  sum_squares_enqueue(g, p, n, weight_decay, total.get(), stream);
  double host = 0.0;
  read_to_host(&host, total.get(), sizeof host, stream);
  return host;
}

}  // namespace

void sgd_step_cuda(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
                   double weight_decay, bool nesterov, bool first, cudaStream_t stream) {
  check_sgd(p, g, n);
  if (n == 0) return;
  sgd_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(
      p, g, buf, n, sgd_factors<float>(lr, momentum, weight_decay, nesterov, first));
  CUDA_CHECK(cudaGetLastError());
}

void adamw_step_cuda(float* p, const float* g, float* m, float* v, int64_t n, double lr,
                     double beta1, double beta2, double eps, double weight_decay, int64_t step,
                     cudaStream_t stream) {
  check_adamw(p, g, m, v, n);
  if (n == 0) return;
  adamw_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(
      p, g, m, v, n, adamw_factors<float>(lr, beta1, beta2, eps, weight_decay, step));
  CUDA_CHECK(cudaGetLastError());
}

void lars_step_cuda(float* p, const float* g, float* v, int64_t n, double scaled_lr,
                    double momentum, double weight_decay, bool nesterov, cudaStream_t stream) {
  check_lars(p, g, v, n);
  if (n == 0) return;
  lars_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(
      p, g, v, n, lars_factors<float>(scaled_lr, momentum, weight_decay, nesterov));
  CUDA_CHECK(cudaGetLastError());
}

double sum_squares_cuda(const float* x, int64_t n, cudaStream_t stream) {
  check_sum_squares("sum_squares", x, n);
  return sum_squares_impl(x, nullptr, n, 0.0, stream);
}

double decayed_sum_squares_cuda(const float* g, const float* p, int64_t n, double weight_decay,
                                cudaStream_t stream) {
  check_decayed_sum_squares(g, p, n, weight_decay);
  return sum_squares_impl(g, weight_decay != 0 ? p : nullptr, n, weight_decay, stream);
}

void sum_squares_to_cuda(const float* g, const float* p, int64_t n, double weight_decay,
                         double* out, cudaStream_t stream) {
  check_decayed_sum_squares(g, p, n, weight_decay);
  check_ptr("sum_squares_to", "out", out, 1);
  sum_squares_enqueue(g, weight_decay != 0 ? p : nullptr, n, weight_decay, out, stream);
}

}  // namespace acl::kernels
