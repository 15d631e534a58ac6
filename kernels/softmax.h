// Row-wise log-softmax and the classification losses built on it. Rows are numerically stable
// (max subtracted); sums accumulate in double on the CPU.
//   log_softmax:   out (N, C) = x - logsumexp_row(x)                        (written)
//                  backward grad_in = grad_out - exp(out) * sum_row(grad_out)
//   cross_entropy: loss (1) = mean_i [lse_i - logits[i, t_i]], saves lse (N)  (written)
//                  backward grad_logits = grad_loss / N * (softmax - onehot(t))
//   bce_with_logits: loss (1) = mean [max(x,0) - x*y + log1p(exp(-|x|))]      (written)
//                  backward grad_x = grad_loss / n * (sigmoid(x) - y)
// grad_loss is a pointer to one element (a device pointer for the CUDA twins).
// Targets are class indices in [0, C); an out-of-range target throws std::invalid_argument.
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void log_softmax_forward_cpu(T* out, const T* x, int N, int C);
template <typename T>
void log_softmax_backward_cpu(T* grad_in, const T* grad_out, const T* out, int N, int C);

template <typename T>
void cross_entropy_forward_cpu(T* loss, T* lse, const T* logits, const int32_t* targets, int N,
                               int C);
template <typename T>
void cross_entropy_backward_cpu(T* grad_logits, const T* grad_loss, const T* logits, const T* lse,
                                const int32_t* targets, int N, int C);

template <typename T>
void bce_with_logits_forward_cpu(T* loss, const T* x, const T* y, int64_t n);
template <typename T>
void bce_with_logits_backward_cpu(T* grad_x, const T* grad_loss, const T* x, const T* y, int64_t n);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// Row sums accumulate in float with a fixed-order warp tree; the log-sum-exp is computed online
// (one pass keeping the running max and the rescaled sum). cross_entropy_forward checks the targets
// on the device and throws std::invalid_argument after waiting for the stream (one host sync).
void log_softmax_forward_cuda(float* out, const float* x, int N, int C, GpuStream stream);
void log_softmax_backward_cuda(float* grad_in, const float* grad_out, const float* out, int N,
                               int C, GpuStream stream);

void cross_entropy_forward_cuda(float* loss, float* lse, const float* logits,
                                const int32_t* targets, int N, int C, GpuStream stream);
void cross_entropy_backward_cuda(float* grad_logits, const float* grad_loss, const float* logits,
                                 const float* lse, const int32_t* targets, int N, int C,
                                 GpuStream stream);

void bce_with_logits_forward_cuda(float* loss, const float* x, const float* y, int64_t n,
                                  GpuStream stream);
void bce_with_logits_backward_cuda(float* grad_x, const float* grad_loss, const float* x,
                                   const float* y, int64_t n, GpuStream stream);

}  // namespace acl::kernels
