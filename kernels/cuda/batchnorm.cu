// Batch normalisation on CUDA over x viewed as (B, C, L) (L = 1 for a (B, C) input); see
// kernels/batchnorm.h for the contract. Statistics per channel c over its n = B*L values.
//   train forward:  mean, biased var (two passes: no cancellation for channels with a large
//                   mean), invstd = 1/sqrt(var + eps); out = (x - mean) * invstd * gamma + beta;
//                   save_mean/save_invstd (C) written; running_mean/running_var updated in place
//                   with momentum (running_var with the UNBIASED variance, as PyTorch).
//   eval forward:   the same with the running statistics.
//   train backward: xhat = (x - mean) * invstd, grad_beta = sum dy, grad_gamma = sum dy * xhat,
//                   grad_in = gamma * invstd * (dy - grad_beta / n - xhat * grad_gamma / n).
//   eval backward:  grad_in = dy * gamma * invstd; grad_gamma = sum dy * (x - running_mean) *
//                   invstd, grad_beta = sum dy.
// gamma/beta == nullptr mean 1/0; grad_gamma/grad_beta == nullptr are not computed; the running
// buffers may be nullptr in training. All outputs written (=) except the running buffers.
// Layout: one 256-thread block per channel (grid-stride over channels) for everything that
// reduces; the channel's values are read as B rows of L contiguous elements. Channel sums
// accumulate in T through the fixed block tree (deterministic, no atomics); the per-element
// arithmetic is in T; the running-statistics update (one thread per channel) is formed in double.
#include "kernels/batchnorm.h"
#include "kernels/cuda/common.cuh"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kChannelBlock = 256;
constexpr int kElemBlock = 256;

void check_shape(const char* op, int B, int C, int L, double eps) {
  if (B < 0 || C < 0 || L < 1) {
    fail(op, "invalid shape B=" + std::to_string(B) + " C=" + std::to_string(C) +
                 " L=" + std::to_string(L) + " (need B >= 0, C >= 0, L >= 1)");
  }
  if (!(eps >= 0.0)) fail(op, "eps=" + std::to_string(eps) + " must be >= 0");
}

int64_t train_count(const char* op, int B, int C, int L) {
  const int64_t n = static_cast<int64_t>(B) * L;
  if (n < 2) {
    fail(op, "training needs more than one value per channel, got B=" + std::to_string(B) +
                 " L=" + std::to_string(L) + " (B*L=" + std::to_string(n) +
                 ") for C=" + std::to_string(C) + " channels");
  }
  return n;
}

unsigned channel_grid(int C) {
  return static_cast<unsigned>(C < kMaxGridBlocks ? (C < 1 ? 1 : C) : kMaxGridBlocks);
}

// Offset of the j-th value (j in [0, B*L)) of channel c.
__device__ inline int64_t channel_offset(int64_t j, int c, int C, int L) {
  const int64_t b = j / L, l = j % L;
  return (b * C + c) * L + l;
}

template <typename T>
static __global__ void batchnorm_forward_train_kernel(T* out, T* save_mean, T* save_invstd,
                                                      T* running_mean, T* running_var, const T* in,
                                                      const T* gamma, const T* beta, int B, int C,
                                                      int L, double momentum, T eps) {
  const int64_t n = static_cast<int64_t>(B) * L;
  for (int c = blockIdx.x; c < C; c += gridDim.x) {
    T acc = T(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) acc += in[channel_offset(j, c, C, L)];
    const T mean = block_sum(acc) / static_cast<T>(n);
    acc = T(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const T d = in[channel_offset(j, c, C, L)] - mean;
      acc += d * d;
    }
    const T sq = block_sum(acc);
    const T invstd = T(1) / d_sqrt(sq / static_cast<T>(n) + eps);
    if (threadIdx.x == 0) {
      save_mean[c] = mean;
      save_invstd[c] = invstd;
      if (running_mean) {
        running_mean[c] = static_cast<T>((1.0 - momentum) * static_cast<double>(running_mean[c]) +
                                         momentum * static_cast<double>(mean));
      }
      if (running_var) {
        const double unbiased = static_cast<double>(sq) / static_cast<double>(n - 1);
        running_var[c] = static_cast<T>((1.0 - momentum) * static_cast<double>(running_var[c]) +
                                        momentum * unbiased);
      }
    }
    const T scale = (gamma ? gamma[c] : T(1)) * invstd;
    const T shift = beta ? beta[c] : T(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t o = channel_offset(j, c, C, L);
      out[o] = (in[o] - mean) * scale + shift;
    }
  }
}

// One thread per element.
template <typename T>
static __global__ void batchnorm_forward_eval_kernel(T* out, const T* in, const T* running_mean,
                                                     const T* running_var, const T* gamma,
                                                     const T* beta, int B, int C, int L, T eps) {
  const int64_t total = static_cast<int64_t>(B) * C * L;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int c = static_cast<int>((idx / L) % C);
    const T invstd = T(1) / d_sqrt(running_var[c] + eps);
    const T scale = (gamma ? gamma[c] : T(1)) * invstd;
    out[idx] = (in[idx] - running_mean[c]) * scale + (beta ? beta[c] : T(0));
  }
}

template <typename T>
static __global__ void batchnorm_backward_train_kernel(T* grad_in, T* grad_gamma, T* grad_beta,
                                                       const T* grad_out, const T* in,
                                                       const T* save_mean, const T* save_invstd,
                                                       const T* gamma, int B, int C, int L) {
  const int64_t n = static_cast<int64_t>(B) * L;
  for (int c = blockIdx.x; c < C; c += gridDim.x) {
    const T mean = save_mean[c], invstd = save_invstd[c];
    T s0 = T(0), s1 = T(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t o = channel_offset(j, c, C, L);
      const T dy = grad_out[o];
      s0 += dy;
      s1 += dy * (in[o] - mean) * invstd;
    }
    const T sdy = block_sum(s0);
    const T sdyx = block_sum(s1);
    const T k = (gamma ? gamma[c] : T(1)) * invstd;
    const T mdy = sdy / static_cast<T>(n), mdyx = sdyx / static_cast<T>(n);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t o = channel_offset(j, c, C, L);
      const T xhat = (in[o] - mean) * invstd;
      grad_in[o] = k * (grad_out[o] - mdy - xhat * mdyx);
    }
    if (threadIdx.x == 0) {
      if (grad_gamma) grad_gamma[c] = sdyx;
      if (grad_beta) grad_beta[c] = sdy;
    }
  }
}

template <typename T>
static __global__ void batchnorm_backward_eval_kernel(T* grad_in, T* grad_gamma, T* grad_beta,
                                                      const T* grad_out, const T* in,
                                                      const T* running_mean, const T* running_var,
                                                      const T* gamma, int B, int C, int L, T eps) {
  const int64_t n = static_cast<int64_t>(B) * L;
  const bool param_grads = grad_gamma || grad_beta;  // uniform across the grid
  for (int c = blockIdx.x; c < C; c += gridDim.x) {
    const T invstd = T(1) / d_sqrt(running_var[c] + eps);
    const T k = (gamma ? gamma[c] : T(1)) * invstd;
    const T mean = running_mean[c];
    T s0 = T(0), s1 = T(0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t o = channel_offset(j, c, C, L);
      const T dy = grad_out[o];
      grad_in[o] = dy * k;
      if (param_grads) {
        s0 += dy;
        s1 += dy * (in[o] - mean) * invstd;
      }
    }
    if (param_grads) {
      const T sdy = block_sum(s0);
      const T sdyx = block_sum(s1);
      if (threadIdx.x == 0) {
        if (grad_gamma) grad_gamma[c] = sdyx;
        if (grad_beta) grad_beta[c] = sdy;
      }
    }
  }
}

}  // namespace

template <typename T>
void batchnorm1d_forward_train_cuda(T* out, T* save_mean, T* save_invstd, T* running_mean,
                                    T* running_var, const T* in, const T* gamma, const T* beta,
                                    int B, int C, int L, double momentum, double eps,
                                    cudaStream_t stream) {
  const char* op = "batchnorm1d_forward_train";
  check_shape(op, B, C, L, eps);
  const int64_t n = train_count(op, B, C, L);
  check_ptr(op, "out", out, n * C);
  check_ptr(op, "in", in, n * C);
  check_ptr(op, "save_mean", save_mean, C);
  check_ptr(op, "save_invstd", save_invstd, C);
  if (C == 0) return;
  batchnorm_forward_train_kernel<<<channel_grid(C), kChannelBlock, 0, stream>>>(
      out, save_mean, save_invstd, running_mean, running_var, in, gamma, beta, B, C, L, momentum,
      static_cast<T>(eps));
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void batchnorm1d_forward_eval_cuda(T* out, const T* in, const T* running_mean, const T* running_var,
                                   const T* gamma, const T* beta, int B, int C, int L, double eps,
                                   cudaStream_t stream) {
  const char* op = "batchnorm1d_forward_eval";
  check_shape(op, B, C, L, eps);
  if (!running_mean || !running_var) fail(op, "eval mode needs running_mean and running_var");
  const int64_t total = static_cast<int64_t>(B) * C * L;
  check_ptr(op, "out", out, total);
  check_ptr(op, "in", in, total);
  if (total == 0) return;
  batchnorm_forward_eval_kernel<<<grid_for(total, kElemBlock), kElemBlock, 0, stream>>>(
      out, in, running_mean, running_var, gamma, beta, B, C, L, static_cast<T>(eps));
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void batchnorm1d_backward_train_cuda(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                     const T* in, const T* save_mean, const T* save_invstd,
                                     const T* gamma, int B, int C, int L, cudaStream_t stream) {
  const char* op = "batchnorm1d_backward_train";
  check_shape(op, B, C, L, 0.0);
  const int64_t n = train_count(op, B, C, L);
  check_ptr(op, "grad_in", grad_in, n * C);
  check_ptr(op, "grad_out", grad_out, n * C);
  check_ptr(op, "in", in, n * C);
  check_ptr(op, "save_mean", save_mean, C);
  check_ptr(op, "save_invstd", save_invstd, C);
  if (C == 0) return;
  batchnorm_backward_train_kernel<<<channel_grid(C), kChannelBlock, 0, stream>>>(
      grad_in, grad_gamma, grad_beta, grad_out, in, save_mean, save_invstd, gamma, B, C, L);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void batchnorm1d_backward_eval_cuda(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                    const T* in, const T* running_mean, const T* running_var,
                                    const T* gamma, int B, int C, int L, double eps,
                                    cudaStream_t stream) {
  const char* op = "batchnorm1d_backward_eval";
  check_shape(op, B, C, L, eps);
  if (!running_mean || !running_var) fail(op, "eval mode needs running_mean and running_var");
  const int64_t total = static_cast<int64_t>(B) * C * L;
  check_ptr(op, "grad_in", grad_in, total);
  check_ptr(op, "grad_out", grad_out, total);
  check_ptr(op, "in", in, total);
  if (C == 0) return;
  batchnorm_backward_eval_kernel<<<channel_grid(C), kChannelBlock, 0, stream>>>(
      grad_in, grad_gamma, grad_beta, grad_out, in, running_mean, running_var, gamma, B, C, L,
      static_cast<T>(eps));
  CUDA_CHECK(cudaGetLastError());
}

#define ACL_INSTANTIATE(T)                                                                        \
  template void batchnorm1d_forward_train_cuda<T>(T*, T*, T*, T*, T*, const T*, const T*,         \
                                                  const T*, int, int, int, double, double,        \
                                                  cudaStream_t);                                  \
  template void batchnorm1d_forward_eval_cuda<T>(T*, const T*, const T*, const T*, const T*,      \
                                                 const T*, int, int, int, double, cudaStream_t);  \
  template void batchnorm1d_backward_train_cuda<T>(                                               \
      T*, T*, T*, const T*, const T*, const T*, const T*, const T*, int, int, int, cudaStream_t); \
  template void batchnorm1d_backward_eval_cuda<T>(T*, T*, T*, const T*, const T*, const T*,       \
                                                  const T*, const T*, int, int, int, double,      \
                                                  cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
