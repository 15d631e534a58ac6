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
//   fused ReLU (batchnorm1d_relu_*): the forward kernels write max(out, 0) (bn_relu); the backward
//                   kernels read dy masked by the fused output y (bn_relu_grad) wherever the plain
//                   ones read dy, in the sums and in the per-element pass.
// gamma/beta == nullptr mean 1/0; grad_gamma/grad_beta == nullptr are not computed; the running
// buffers may be nullptr in training. All outputs written (=) except the running buffers.
// Layout: one 256-thread block per channel (grid-stride over channels) for everything that
// reduces; the channel's values are read as B rows of L contiguous elements. Channel sums
// accumulate in float through the fixed block tree (deterministic, no atomics); the per-element
// arithmetic is in float; the running-statistics update (one thread per channel) is formed in
// double.
#include "kernels/batchnorm.h"
#include "kernels/batchnorm_shared.h"
#include "kernels/cuda/common.cuh"

namespace acl::kernels {
namespace {

using namespace cuda_detail;
using namespace batchnorm_detail;

constexpr int kChannelBlock = 256;
constexpr int kElemBlock = 256;

unsigned channel_grid(int C) {
  return static_cast<unsigned>(C < kMaxGridBlocks ? (C < 1 ? 1 : C) : kMaxGridBlocks);
}

// Offset of the j-th value (j in [0, B*L)) of channel c.
__device__ inline int64_t channel_offset(int64_t j, int c, int C, int L) {
  const int64_t b = j / L, l = j % L;
  return (b * C + c) * L + l;
}

// dy at element o: grad_out masked by the fused output y, or grad_out itself when y is nullptr.
__device__ inline float masked_dy(const float* grad_out, const float* y, int64_t o) {
  return y ? bn_relu_grad(grad_out[o], y[o]) : grad_out[o];
}

// This thread's share of sum dy (*s0) and sum dy * xhat (*s1) over channel c; with grad_in
// non-null, also writes grad_in = dy * k (the eval backward). dy as masked_dy.
__device__ inline void channel_grad_sums(float* s0, float* s1, float* grad_in, float k,
                                         const float* grad_out, const float* y, const float* in,
                                         float mean, float invstd, int c, int C, int L, int64_t n,
                                         bool sums) {
  *s0 = 0.0f;
  *s1 = 0.0f;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
    const int64_t o = channel_offset(j, c, C, L);
    const float dy = masked_dy(grad_out, y, o);
    if (grad_in) grad_in[o] = dy * k;
    if (sums) {
      *s0 += dy;
      *s1 += bn_dy_xhat(dy, in[o], mean, invstd);
    }
  }
}

static __global__ void batchnorm_forward_train_kernel(float* out, float* save_mean,
                                                      float* save_invstd, float* running_mean,
                                                      float* running_var, const float* in,
                                                      const float* gamma, const float* beta, int B,
                                                      int C, int L, double momentum, float eps,
                                                      bool relu) {
  const int64_t n = static_cast<int64_t>(B) * L;
  for (int c = blockIdx.x; c < C; c += gridDim.x) {
    float acc = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) acc += in[channel_offset(j, c, C, L)];
    const float mean = block_sum(acc) / static_cast<float>(n);
    acc = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const float d = in[channel_offset(j, c, C, L)] - mean;
      acc += d * d;
    }
    const float sq = block_sum(acc);
    const float invstd = bn_invstd(sq / static_cast<float>(n), eps);
    if (threadIdx.x == 0) {
      save_mean[c] = mean;
      save_invstd[c] = invstd;
      if (running_mean) {
        running_mean[c] = static_cast<float>(bn_running_update(
            static_cast<double>(running_mean[c]), momentum, static_cast<double>(mean)));
      }
      if (running_var) {
        running_var[c] =
            static_cast<float>(bn_running_update(static_cast<double>(running_var[c]), momentum,
                                                 bn_unbiased_var(static_cast<double>(sq), n)));
      }
    }
    const float scale = bn_scale(gamma, c, invstd), shift = bn_shift<float>(beta, c);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t o = channel_offset(j, c, C, L);
      const float v = bn_normalize(in[o], mean, scale, shift);
      out[o] = relu ? bn_relu(v) : v;
    }
  }
}

// One thread per element.
static __global__ void batchnorm_forward_eval_kernel(float* out, const float* in,
                                                     const float* running_mean,
                                                     const float* running_var, const float* gamma,
                                                     const float* beta, int B, int C, int L,
                                                     float eps, bool relu) {
  const int64_t total = static_cast<int64_t>(B) * C * L;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int c = static_cast<int>((idx / L) % C);
    const float scale = bn_scale(gamma, c, bn_invstd(running_var[c], eps));
    const float v = bn_normalize(in[idx], running_mean[c], scale, bn_shift<float>(beta, c));
    out[idx] = relu ? bn_relu(v) : v;
  }
}

// y: the fused forward's output (ReLU mask), or nullptr for the plain batch norm.
static __global__ void batchnorm_backward_train_kernel(float* grad_in, float* grad_gamma,
                                                       float* grad_beta, const float* grad_out,
                                                       const float* y, const float* in,
                                                       const float* save_mean,
                                                       const float* save_invstd, const float* gamma,
                                                       int B, int C, int L) {
  const int64_t n = static_cast<int64_t>(B) * L;
  for (int c = blockIdx.x; c < C; c += gridDim.x) {
    const float mean = save_mean[c], invstd = save_invstd[c];
    float s0, s1;
    channel_grad_sums(&s0, &s1, nullptr, 0.0f, grad_out, y, in, mean, invstd, c, C, L, n, true);
    const float sdy = block_sum(s0);
    const float sdyx = block_sum(s1);
    const float k = bn_scale(gamma, c, invstd);
    const float mdy = sdy / static_cast<float>(n), mdyx = sdyx / static_cast<float>(n);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t o = channel_offset(j, c, C, L);
      grad_in[o] = bn_backward_train(masked_dy(grad_out, y, o), in[o], mean, invstd, k, mdy, mdyx);
    }
    if (threadIdx.x == 0) {
      if (grad_gamma) grad_gamma[c] = sdyx;
      if (grad_beta) grad_beta[c] = sdy;
    }
  }
}

// y: as batchnorm_backward_train_kernel.
static __global__ void batchnorm_backward_eval_kernel(float* grad_in, float* grad_gamma,
                                                      float* grad_beta, const float* grad_out,
                                                      const float* y, const float* in,
                                                      const float* running_mean,
                                                      const float* running_var, const float* gamma,
                                                      int B, int C, int L, float eps) {
  const int64_t n = static_cast<int64_t>(B) * L;
  const bool param_grads = grad_gamma || grad_beta;  // uniform across the grid
  for (int c = blockIdx.x; c < C; c += gridDim.x) {
    const float invstd = bn_invstd(running_var[c], eps);
    float s0, s1;
    channel_grad_sums(&s0, &s1, grad_in, bn_scale(gamma, c, invstd), grad_out, y, in,
                      running_mean[c], invstd, c, C, L, n, param_grads);
    if (param_grads) {
      const float sdy = block_sum(s0);
      const float sdyx = block_sum(s1);
      if (threadIdx.x == 0) {
        if (grad_gamma) grad_gamma[c] = sdyx;
        if (grad_beta) grad_beta[c] = sdy;
      }
    }
  }
}

// The launchers: `relu` / y select the fused batch norm + ReLU (checked by the entry points).
void launch_forward_train(float* out, float* save_mean, float* save_invstd, float* running_mean,
                          float* running_var, const float* in, const float* gamma,
                          const float* beta, int B, int C, int L, double momentum, double eps,
                          bool relu, cudaStream_t stream) {
  if (C == 0) return;
  batchnorm_forward_train_kernel<<<channel_grid(C), kChannelBlock, 0, stream>>>(
      out, save_mean, save_invstd, running_mean, running_var, in, gamma, beta, B, C, L, momentum,
      static_cast<float>(eps), relu);
  CUDA_CHECK(cudaGetLastError());
}

void launch_forward_eval(float* out, const float* in, const float* running_mean,
                         const float* running_var, const float* gamma, const float* beta, int B,
                         int C, int L, double eps, bool relu, cudaStream_t stream) {
  const int64_t total = static_cast<int64_t>(B) * C * L;
  if (total == 0) return;
  batchnorm_forward_eval_kernel<<<grid_for(total, kElemBlock), kElemBlock, 0, stream>>>(
      out, in, running_mean, running_var, gamma, beta, B, C, L, static_cast<float>(eps), relu);
  CUDA_CHECK(cudaGetLastError());
}

void launch_backward_train(float* grad_in, float* grad_gamma, float* grad_beta,
                           const float* grad_out, const float* y, const float* in,
                           const float* save_mean, const float* save_invstd, const float* gamma,
                           int B, int C, int L, cudaStream_t stream) {
  if (C == 0) return;
  batchnorm_backward_train_kernel<<<channel_grid(C), kChannelBlock, 0, stream>>>(
      grad_in, grad_gamma, grad_beta, grad_out, y, in, save_mean, save_invstd, gamma, B, C, L);
  CUDA_CHECK(cudaGetLastError());
}

void launch_backward_eval(float* grad_in, float* grad_gamma, float* grad_beta,
                          const float* grad_out, const float* y, const float* in,
                          const float* running_mean, const float* running_var, const float* gamma,
                          int B, int C, int L, double eps, cudaStream_t stream) {
  if (C == 0) return;
  batchnorm_backward_eval_kernel<<<channel_grid(C), kChannelBlock, 0, stream>>>(
      grad_in, grad_gamma, grad_beta, grad_out, y, in, running_mean, running_var, gamma, B, C, L,
      static_cast<float>(eps));
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void batchnorm1d_forward_train_cuda(float* out, float* save_mean, float* save_invstd,
                                    float* running_mean, float* running_var, const float* in,
                                    const float* gamma, const float* beta, int B, int C, int L,
                                    double momentum, double eps, cudaStream_t stream) {
  check_forward_train(out, save_mean, save_invstd, in, B, C, L, eps);
  launch_forward_train(out, save_mean, save_invstd, running_mean, running_var, in, gamma, beta, B,
                       C, L, momentum, eps, false, stream);
}

void batchnorm1d_forward_eval_cuda(float* out, const float* in, const float* running_mean,
                                   const float* running_var, const float* gamma, const float* beta,
                                   int B, int C, int L, double eps, cudaStream_t stream) {
  check_forward_eval(out, in, running_mean, running_var, B, C, L, eps);
  launch_forward_eval(out, in, running_mean, running_var, gamma, beta, B, C, L, eps, false, stream);
}

void batchnorm1d_backward_train_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                     const float* grad_out, const float* in, const float* save_mean,
                                     const float* save_invstd, const float* gamma, int B, int C,
                                     int L, cudaStream_t stream) {
  check_backward_train(grad_in, grad_out, in, save_mean, save_invstd, B, C, L);
  launch_backward_train(grad_in, grad_gamma, grad_beta, grad_out, nullptr, in, save_mean,
                        save_invstd, gamma, B, C, L, stream);
}

void batchnorm1d_backward_eval_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                    const float* grad_out, const float* in,
                                    const float* running_mean, const float* running_var,
                                    const float* gamma, int B, int C, int L, double eps,
                                    cudaStream_t stream) {
  check_backward_eval(grad_in, grad_out, in, running_mean, running_var, B, C, L, eps);
  launch_backward_eval(grad_in, grad_gamma, grad_beta, grad_out, nullptr, in, running_mean,
                       running_var, gamma, B, C, L, eps, stream);
}

void batchnorm1d_relu_forward_train_cuda(float* out, float* save_mean, float* save_invstd,
                                         float* running_mean, float* running_var, const float* in,
                                         const float* gamma, const float* beta, int B, int C, int L,
                                         double momentum, double eps, cudaStream_t stream) {
  check_forward_train(out, save_mean, save_invstd, in, B, C, L, eps, true);
  launch_forward_train(out, save_mean, save_invstd, running_mean, running_var, in, gamma, beta, B,
                       C, L, momentum, eps, true, stream);
}

void batchnorm1d_relu_forward_eval_cuda(float* out, const float* in, const float* running_mean,
                                        const float* running_var, const float* gamma,
                                        const float* beta, int B, int C, int L, double eps,
                                        cudaStream_t stream) {
  check_forward_eval(out, in, running_mean, running_var, B, C, L, eps, true);
  launch_forward_eval(out, in, running_mean, running_var, gamma, beta, B, C, L, eps, true, stream);
}

void batchnorm1d_relu_backward_train_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                          const float* grad_out, const float* out, const float* in,
                                          const float* save_mean, const float* save_invstd,
                                          const float* gamma, int B, int C, int L,
                                          cudaStream_t stream) {
  check_relu_backward_train(grad_in, grad_out, out, in, save_mean, save_invstd, B, C, L);
  launch_backward_train(grad_in, grad_gamma, grad_beta, grad_out, out, in, save_mean, save_invstd,
                        gamma, B, C, L, stream);
}

void batchnorm1d_relu_backward_eval_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                         const float* grad_out, const float* out, const float* in,
                                         const float* running_mean, const float* running_var,
                                         const float* gamma, int B, int C, int L, double eps,
                                         cudaStream_t stream) {
  check_relu_backward_eval(grad_in, grad_out, out, in, running_mean, running_var, B, C, L, eps);
  launch_backward_eval(grad_in, grad_gamma, grad_beta, grad_out, out, in, running_mean, running_var,
                       gamma, B, C, L, eps, stream);
}

}  // namespace acl::kernels
