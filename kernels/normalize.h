// Row-wise L2 normalisation of x (N, D): out = x / n, n = max(||x_row||_2, eps) (written), as
// torch.nn.functional.normalize. `norms` (N) saves n for backward. Backward: where ||x|| > eps,
// grad_in = (grad_out - out * <out, grad_out>) / n; where clamped, grad_in = grad_out / eps.
// Norms accumulate in double on the CPU.
#pragma once

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void l2_normalize_forward_cpu(T* out, T* norms, const T* x, int N, int D, double eps);
template <typename T>
void l2_normalize_backward_cpu(T* grad_in, const T* grad_out, const T* out, const T* norms, int N,
                               int D, double eps);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// Norms and dot products accumulate in float with a fixed-order warp tree.
void l2_normalize_forward_cuda(float* out, float* norms, const float* x, int N, int D, double eps,
                               GpuStream stream);
void l2_normalize_backward_cuda(float* grad_in, const float* grad_out, const float* out,
                                const float* norms, int N, int D, double eps, GpuStream stream);

}  // namespace acl::kernels
