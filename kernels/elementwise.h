// Elementwise arithmetic and activations over n contiguous elements.
//   add/sub/mul:   out = a op b               (written)
//   scale:         out = s * x                (written)
//   axpy:          y  += alpha * x            (accumulated: gradient sums)
//   relu:          out = max(x, 0);     backward grad_in = grad_out * (x > 0)
//   gelu (exact):  out = x * Phi(x);    backward grad_in = grad_out * (Phi(x) + x * phi(x))
// out may alias an input. Computation in T (float or double).
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

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

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
void add_cuda(float* out, const float* a, const float* b, int64_t n, GpuStream stream);
void sub_cuda(float* out, const float* a, const float* b, int64_t n, GpuStream stream);
void mul_cuda(float* out, const float* a, const float* b, int64_t n, GpuStream stream);
void scale_cuda(float* out, const float* x, float s, int64_t n, GpuStream stream);
void axpy_cuda(float* y, const float* x, float alpha, int64_t n, GpuStream stream);
void fill_cuda(float* out, float value, int64_t n, GpuStream stream);

void relu_forward_cuda(float* out, const float* x, int64_t n, GpuStream stream);
void relu_backward_cuda(float* grad_in, const float* grad_out, const float* x, int64_t n,
                        GpuStream stream);
void gelu_forward_cuda(float* out, const float* x, int64_t n, GpuStream stream);
void gelu_backward_cuda(float* grad_in, const float* grad_out, const float* x, int64_t n,
                        GpuStream stream);

}  // namespace acl::kernels
