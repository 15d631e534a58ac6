// Elementwise arithmetic and activations over n contiguous elements.
//   add/sub/mul:   out = a op b               (written)
//   scale:         out = s * x                (written)
//   axpy:          y  += alpha * x            (accumulated: gradient sums)
//   relu:          out = max(x, 0);     backward grad_in = grad_out * (x > 0)
//   gelu (exact):  out = x * Phi(x);    backward grad_in = grad_out * (Phi(x) + x * phi(x))
// out may alias an input. Computation in T (float or double).
#pragma once

#include <cstdint>

namespace acl::kernels {

template <typename T>
void add_cpu(T* out, const T* a, const T* b, int64_t n);
template <typename T>
void sub_cpu(T* out, const T* a, const T* b, int64_t n);
template <typename T>
void mul_cpu(T* out, const T* a, const T* b, int64_t n);
template <typename T>
void scale_cpu(T* out, const T* x, T s, int64_t n);
template <typename T>
void axpy_cpu(T* y, const T* x, T alpha, int64_t n);
template <typename T>
void fill_cpu(T* out, T value, int64_t n);

template <typename T>
void relu_forward_cpu(T* out, const T* x, int64_t n);
template <typename T>
void relu_backward_cpu(T* grad_in, const T* grad_out, const T* x, int64_t n);
template <typename T>
void gelu_forward_cpu(T* out, const T* x, int64_t n);
template <typename T>
void gelu_backward_cpu(T* grad_in, const T* grad_out, const T* x, int64_t n);

}  // namespace acl::kernels

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

namespace acl::kernels {

// CUDA twins (kernels/cuda/): the same contract, asynchronous on `stream`; pointers are device
// pointers.
template <typename T>
void add_cuda(T* out, const T* a, const T* b, int64_t n, cudaStream_t stream);
template <typename T>
void sub_cuda(T* out, const T* a, const T* b, int64_t n, cudaStream_t stream);
template <typename T>
void mul_cuda(T* out, const T* a, const T* b, int64_t n, cudaStream_t stream);
template <typename T>
void scale_cuda(T* out, const T* x, T s, int64_t n, cudaStream_t stream);
template <typename T>
void axpy_cuda(T* y, const T* x, T alpha, int64_t n, cudaStream_t stream);
template <typename T>
void fill_cuda(T* out, T value, int64_t n, cudaStream_t stream);

template <typename T>
void relu_forward_cuda(T* out, const T* x, int64_t n, cudaStream_t stream);
template <typename T>
void relu_backward_cuda(T* grad_in, const T* grad_out, const T* x, int64_t n, cudaStream_t stream);
template <typename T>
void gelu_forward_cuda(T* out, const T* x, int64_t n, cudaStream_t stream);
template <typename T>
void gelu_backward_cuda(T* grad_in, const T* grad_out, const T* x, int64_t n, cudaStream_t stream);

}  // namespace acl::kernels
#endif  // ACL_HAVE_CUDA
