// Row-wise L2 normalisation of x (N, D): out = x / n, n = max(||x_row||_2, eps) (written), as
// torch.nn.functional.normalize. `norms` (N) saves n for backward. Backward: where ||x|| > eps,
// grad_in = (grad_out - out * <out, grad_out>) / n; where clamped, grad_in = grad_out / eps.
// Norms accumulate in double on the CPU.
#pragma once

namespace acl::kernels {

template <typename T>
void l2_normalize_forward_cpu(T* out, T* norms, const T* x, int N, int D, double eps);
template <typename T>
void l2_normalize_backward_cpu(T* grad_in, const T* grad_out, const T* out, const T* norms, int N,
                               int D, double eps);

}  // namespace acl::kernels

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

namespace acl::kernels {

// CUDA twins (kernels/cuda/): the same contract, asynchronous on `stream`; pointers are device
// pointers.
// Norms and dot products accumulate in T with a fixed-order warp tree.
template <typename T>
void l2_normalize_forward_cuda(T* out, T* norms, const T* x, int N, int D, double eps,
                               cudaStream_t stream);
template <typename T>
void l2_normalize_backward_cuda(T* grad_in, const T* grad_out, const T* out, const T* norms, int N,
                                int D, double eps, cudaStream_t stream);

}  // namespace acl::kernels
#endif  // ACL_HAVE_CUDA
