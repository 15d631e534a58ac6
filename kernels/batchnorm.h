// Batch normalisation of x viewed as (B, C, L) (L = 1 for a 2-D (B, C) input), row-major,
// contiguous; statistics per channel over the n = B*L values of that channel, as
// torch.nn.functional.batch_norm.
//   train: out = (x - mean) * invstd * gamma + beta, mean and biased var of the batch,
//          invstd = 1/sqrt(var + eps). save_mean/save_invstd (C) are written for backward.
//          running_mean = (1-momentum)*running_mean + momentum*mean and
//          running_var  = (1-momentum)*running_var  + momentum*var*n/(n-1) (UNBIASED), in place.
//   eval:  the same with running_mean / running_var in place of the batch statistics.
// gamma == nullptr means 1 and beta == nullptr means 0; the running buffers may be nullptr in
// training (then they are not updated); grad_gamma / grad_beta may be nullptr (not computed).
// Every output is WRITTEN (=) except the running buffers, which are updated in place. Sums and the
// per-element arithmetic run in double. Train mode needs n >= 2; bad shapes throw
// std::invalid_argument("batchnorm1d...: ...").
#pragma once

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void batchnorm1d_forward_train_cpu(T* out,           // (B, C, L)
                                   T* save_mean,     // (C)
                                   T* save_invstd,   // (C)
                                   T* running_mean,  // (C) updated in place, or nullptr
                                   T* running_var,   // (C) updated in place, or nullptr
                                   const T* in,      // (B, C, L)
                                   const T* gamma,   // (C) or nullptr (= 1)
                                   const T* beta,    // (C) or nullptr (= 0)
                                   int B, int C, int L, double momentum, double eps);

template <typename T>
void batchnorm1d_forward_eval_cpu(T* out,                 // (B, C, L)
                                  const T* in,            // (B, C, L)
                                  const T* running_mean,  // (C)
                                  const T* running_var,   // (C)
                                  const T* gamma,         // (C) or nullptr (= 1)
                                  const T* beta,          // (C) or nullptr (= 0)
                                  int B, int C, int L, double eps);

template <typename T>
void batchnorm1d_backward_train_cpu(T* grad_in,            // (B, C, L)
                                    T* grad_gamma,         // (C) or nullptr
                                    T* grad_beta,          // (C) or nullptr
                                    const T* grad_out,     // (B, C, L)
                                    const T* in,           // (B, C, L)
                                    const T* save_mean,    // (C) from forward_train
                                    const T* save_invstd,  // (C) from forward_train
                                    const T* gamma,        // (C) or nullptr (= 1)
                                    int B, int C, int L);

template <typename T>
void batchnorm1d_backward_eval_cpu(T* grad_in,             // (B, C, L)
                                   T* grad_gamma,          // (C) or nullptr
                                   T* grad_beta,           // (C) or nullptr
                                   const T* grad_out,      // (B, C, L)
                                   const T* in,            // (B, C, L)
                                   const T* running_mean,  // (C)
                                   const T* running_var,   // (C)
                                   const T* gamma,         // (C) or nullptr (= 1)
                                   int B, int C, int L, double eps);

// Batch norm followed by ReLU in one op (batchnorm1d_relu): the contracts above with
// out = max(batchnorm(x), 0) written by the forward passes, and the backward passes reading that
// `out` to pass grad_out on only where out > 0 before the batch-norm backward. Statistics, sums and
// per-element arithmetic are those of the plain kernels, so every result equals the plain kernels
// followed by relu_forward_cpu / preceded by relu_backward_cpu, bit for bit.
template <typename T>
void batchnorm1d_relu_forward_train_cpu(T* out,           // (B, C, L) = max(bn(x), 0)
                                        T* save_mean,     // (C)
                                        T* save_invstd,   // (C)
                                        T* running_mean,  // (C) updated in place, or nullptr
                                        T* running_var,   // (C) updated in place, or nullptr
                                        const T* in,      // (B, C, L)
                                        const T* gamma,   // (C) or nullptr (= 1)
                                        const T* beta,    // (C) or nullptr (= 0)
                                        int B, int C, int L, double momentum, double eps);

template <typename T>
void batchnorm1d_relu_forward_eval_cpu(T* out,                 // (B, C, L) = max(bn(x), 0)
                                       const T* in,            // (B, C, L)
                                       const T* running_mean,  // (C)
                                       const T* running_var,   // (C)
                                       const T* gamma,         // (C) or nullptr (= 1)
                                       const T* beta,          // (C) or nullptr (= 0)
                                       int B, int C, int L, double eps);

template <typename T>
void batchnorm1d_relu_backward_train_cpu(T* grad_in,            // (B, C, L)
                                         T* grad_gamma,         // (C) or nullptr
                                         T* grad_beta,          // (C) or nullptr
                                         const T* grad_out,     // (B, C, L)
                                         const T* out,          // (B, C, L) from forward_train
                                         const T* in,           // (B, C, L)
                                         const T* save_mean,    // (C) from forward_train
                                         const T* save_invstd,  // (C) from forward_train
                                         const T* gamma,        // (C) or nullptr (= 1)
                                         int B, int C, int L);

template <typename T>
void batchnorm1d_relu_backward_eval_cpu(T* grad_in,             // (B, C, L)
                                        T* grad_gamma,          // (C) or nullptr
                                        T* grad_beta,           // (C) or nullptr
                                        const T* grad_out,      // (B, C, L)
                                        const T* out,           // (B, C, L) from forward_eval
                                        const T* in,            // (B, C, L)
                                        const T* running_mean,  // (C)
                                        const T* running_var,   // (C)
                                        const T* gamma,         // (C) or nullptr (= 1)
                                        int B, int C, int L, double eps);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// One block per channel; the channel sums accumulate in float with a fixed-order block tree
// (deterministic, no atomics); the running-statistics update is formed in double.
void batchnorm1d_forward_train_cuda(float* out, float* save_mean, float* save_invstd,
                                    float* running_mean, float* running_var, const float* in,
                                    const float* gamma, const float* beta, int B, int C, int L,
                                    double momentum, double eps, GpuStream stream);
void batchnorm1d_forward_eval_cuda(float* out, const float* in, const float* running_mean,
                                   const float* running_var, const float* gamma, const float* beta,
                                   int B, int C, int L, double eps, GpuStream stream);
void batchnorm1d_backward_train_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                     const float* grad_out, const float* in, const float* save_mean,
                                     const float* save_invstd, const float* gamma, int B, int C,
                                     int L, GpuStream stream);
void batchnorm1d_backward_eval_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                    const float* grad_out, const float* in,
                                    const float* running_mean, const float* running_var,
                                    const float* gamma, int B, int C, int L, double eps,
                                    GpuStream stream);
void batchnorm1d_relu_forward_train_cuda(float* out, float* save_mean, float* save_invstd,
                                         float* running_mean, float* running_var, const float* in,
                                         const float* gamma, const float* beta, int B, int C, int L,
                                         double momentum, double eps, GpuStream stream);
void batchnorm1d_relu_forward_eval_cuda(float* out, const float* in, const float* running_mean,
                                        const float* running_var, const float* gamma,
                                        const float* beta, int B, int C, int L, double eps,
                                        GpuStream stream);
void batchnorm1d_relu_backward_train_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                          const float* grad_out, const float* out, const float* in,
                                          const float* save_mean, const float* save_invstd,
                                          const float* gamma, int B, int C, int L,
                                          GpuStream stream);
void batchnorm1d_relu_backward_eval_cuda(float* grad_in, float* grad_gamma, float* grad_beta,
                                         const float* grad_out, const float* out, const float* in,
                                         const float* running_mean, const float* running_var,
                                         const float* gamma, int B, int C, int L, double eps,
                                         GpuStream stream);

}  // namespace acl::kernels
