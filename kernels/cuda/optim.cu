// Optimizer updates on CUDA (see kernels/optim.h for the formulas).
//   sgd/adamw/lars_step: one thread per element (grid-stride), p and buffers written in place;
//     the scalar factors are formed in double on the host and rounded to T once, as on the CPU,
//     and the per-element arithmetic follows the CPU twin's order (the compiler may fuse a
//     multiply-add, so results agree to a rounding, not bit for bit).
//   sum_squares / decayed_sum_squares: each block sums a grid-stride share in double with a fixed
//     tree (block_sum), a second one-block pass adds the partials in block order; deterministic for
//     a given n. The result is copied to the host (waits for the stream).
#include <cmath>

#include "kernels/cuda/common.cuh"
#include "kernels/optim.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kBlockSize = 256;
constexpr int kReduceBlocks = 256;  // partial sums of the first pass

template <typename T>
static __global__ void sgd_kernel(T* p, const T* g, T* buf, int64_t n, T neg_lr, T mu, T wd,
                                  bool decay, bool nesterov, bool first) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    T gi = g[i];
    if (decay) gi = gi + wd * p[i];
    if (buf) {
      buf[i] = first ? gi : buf[i] * mu + gi;
      gi = nesterov ? gi + mu * buf[i] : buf[i];
    }
    p[i] = p[i] + neg_lr * gi;
  }
}

template <typename T>
static __global__ void adamw_kernel(T* p, const T* g, T* m, T* v, int64_t n, T decay, T w1, T b2,
                                    T w2, T neg_step_size, T bc2_sqrt, T eps) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const T gi = g[i];
    T pi = p[i] * decay;
    const T mi = m[i] + w1 * (gi - m[i]);
    const T vi = v[i] * b2 + w2 * gi * gi;
    const T denom = d_sqrt(vi) / bc2_sqrt + eps;
    pi = pi + neg_step_size * mi / denom;
    p[i] = pi;
    m[i] = mi;
    v[i] = vi;
  }
}

template <typename T>
static __global__ void lars_kernel(T* p, const T* g, T* v, int64_t n, T lr, T mu, T wd, bool decay,
                                   bool nesterov) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    T gi = g[i];
    if (decay) gi = gi + wd * p[i];
    const T vi = mu * v[i] + lr * gi;
    v[i] = vi;
    p[i] = p[i] - (nesterov ? mu * vi + lr * gi : vi);
  }
}

// partial[block] = sum over the block's grid-stride share of (g + wd * p)^2 (p null: g^2), with
// g + wd * p rounded to T first, as decayed_sum_squares_cpu forms it.
template <typename T>
static __global__ void sum_squares_partial_kernel(const T* g, const T* p, int64_t n, T wd,
                                                  double* partial) {
  double s = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double gi = static_cast<double>(p ? static_cast<T>(g[i] + wd * p[i]) : g[i]);
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

template <typename T>
double sum_squares_impl(const char* op, const T* g, const T* p, int64_t n, double weight_decay,
                        cudaStream_t stream) {
  check_count(op, "n", n);
  check_ptr(op, "x", g, n);
  if (n == 0) return 0.0;
  const unsigned blocks = std::min<unsigned>(grid_for(n, kBlockSize), kReduceBlocks);
  auto* partial =
      static_cast<double*>(cuda_allocator().allocate(sizeof(double) * (kReduceBlocks + 1), stream));
  double host = 0.0;
  try {
    sum_squares_partial_kernel<<<blocks, kBlockSize, 0, stream>>>(
        g, p, n, static_cast<T>(weight_decay), partial);
    CUDA_CHECK(cudaGetLastError());
    sum_partials_kernel<<<1, kBlockSize, 0, stream>>>(partial, static_cast<int>(blocks),
                                                      partial + kReduceBlocks);
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaMemcpyAsync(&host, partial + kReduceBlocks, sizeof host, cudaMemcpyDeviceToHost,
                               stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
  } catch (...) {
    cuda_allocator().free(partial);
    throw;
  }
  cuda_allocator().free(partial);
  return host;
}

}  // namespace

template <typename T>
void sgd_step_cuda(T* p, const T* g, T* buf, int64_t n, double lr, double momentum,
                   double weight_decay, bool nesterov, bool first, cudaStream_t stream) {
  const char* op = "sgd_step_cuda";
  check_count(op, "n", n);
  check_ptr(op, "p", p, n);
  check_ptr(op, "g", g, n);
  if (n == 0) return;
  sgd_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(
      p, g, buf, n, static_cast<T>(-lr), static_cast<T>(momentum), static_cast<T>(weight_decay),
      weight_decay != 0, nesterov, first);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void adamw_step_cuda(T* p, const T* g, T* m, T* v, int64_t n, double lr, double beta1, double beta2,
                     double eps, double weight_decay, int64_t step, cudaStream_t stream) {
  const char* op = "adamw_step_cuda";
  check_count(op, "n", n);
  check_ptr(op, "p", p, n);
  check_ptr(op, "g", g, n);
  check_ptr(op, "m", m, n);
  check_ptr(op, "v", v, n);
  if (n == 0) return;
  const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  adamw_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(
      p, g, m, v, n, static_cast<T>(1.0 - lr * weight_decay), static_cast<T>(1.0 - beta1),
      static_cast<T>(beta2), static_cast<T>(1.0 - beta2), static_cast<T>(-(lr / bias_correction1)),
      static_cast<T>(std::sqrt(bias_correction2)), static_cast<T>(eps));
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void lars_step_cuda(T* p, const T* g, T* v, int64_t n, double scaled_lr, double momentum,
                    double weight_decay, bool nesterov, cudaStream_t stream) {
  const char* op = "lars_step_cuda";
  check_count(op, "n", n);
  check_ptr(op, "p", p, n);
  check_ptr(op, "g", g, n);
  check_ptr(op, "v", v, n);
  if (n == 0) return;
  lars_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(
      p, g, v, n, static_cast<T>(scaled_lr), static_cast<T>(momentum), static_cast<T>(weight_decay),
      weight_decay != 0, nesterov);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
double sum_squares_cuda(const T* x, int64_t n, cudaStream_t stream) {
  return sum_squares_impl<T>("sum_squares_cuda", x, nullptr, n, 0.0, stream);
}

template <typename T>
double decayed_sum_squares_cuda(const T* g, const T* p, int64_t n, double weight_decay,
                                cudaStream_t stream) {
  if (weight_decay == 0)
    return sum_squares_impl<T>("decayed_sum_squares_cuda", g, nullptr, n, 0.0, stream);
  check_ptr("decayed_sum_squares_cuda", "p", p, n);
  return sum_squares_impl<T>("decayed_sum_squares_cuda", g, p, n, weight_decay, stream);
}

#define ACL_INSTANTIATE(T)                                                                        \
  template void sgd_step_cuda<T>(T*, const T*, T*, int64_t, double, double, double, bool, bool,   \
                                 cudaStream_t);                                                   \
  template void adamw_step_cuda<T>(T*, const T*, T*, T*, int64_t, double, double, double, double, \
                                   double, int64_t, cudaStream_t);                                \
  template void lars_step_cuda<T>(T*, const T*, T*, int64_t, double, double, double, bool,        \
                                  cudaStream_t);                                                  \
  template double sum_squares_cuda<T>(const T*, int64_t, cudaStream_t);                           \
  template double decayed_sum_squares_cuda<T>(const T*, const T*, int64_t, double, cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
