// Optimizer updates over n contiguous elements of one parameter, in place (p, buffers written).
// Arithmetic in T (float or double); the scalar factors are formed in double by the caller or at
// the top of the kernel, then rounded to T once, as PyTorch rounds Python scalars. A CUDA twin
// takes the same arguments plus a stream.
//
//   sgd_step:     g' = g + wd * p;  b = first ? g' : momentum * b + g';
//                 p = p - lr * (nesterov ? g' + momentum * b : b)       (buf null when momentum 0)
//   adamw_step:   p = p * (1 - lr * wd);  m = m + (1 - b1) * (g - m);
//                 v = v * b2 + (1 - b2) * g * g;
//                 p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//   lars_step:    g' = g + wd * p;  v = momentum * v + scaled_lr * g';
//                 p = p - (nesterov ? momentum * v + scaled_lr * g' : v)
//   sum_squares:  sum x^2, accumulated in double (norms for LARS and gradient clipping)
//   decayed_sum_squares: sum (g + wd * p)^2 with g + wd * p rounded to T as lars_step forms it
//   sum_squares_to: decayed_sum_squares (p null or wd 0: sum_squares of g) written to *out instead
//                   of returned: many tensors' sums gather in one buffer that is read once
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void sgd_step_cpu(T* p, const T* g, T* buf, int64_t n, double lr, double momentum,
                  double weight_decay, bool nesterov, bool first);

template <typename T>
void adamw_step_cpu(T* p, const T* g, T* m, T* v, int64_t n, double lr, double beta1, double beta2,
                    double eps, double weight_decay, int64_t step);

template <typename T>
void lars_step_cpu(T* p, const T* g, T* v, int64_t n, double scaled_lr, double momentum,
                   double weight_decay, bool nesterov);

template <typename T>
double sum_squares_cpu(const T* x, int64_t n);

template <typename T>
double decayed_sum_squares_cpu(const T* g, const T* p, int64_t n, double weight_decay);

template <typename T>
void sum_squares_to_cpu(const T* g, const T* p, int64_t n, double weight_decay, double* out);

// CUDA twins, f32 only: p, g and the buffers are device pointers; the updates are element-wise (no
// reductions) and the sums reduce in double through a fixed tree (bit-reproducible for a given n).
// sum_squares and decayed_sum_squares return to the host, so they wait for `stream`.
void sgd_step_cuda(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
                   double weight_decay, bool nesterov, bool first, GpuStream stream);

void adamw_step_cuda(float* p, const float* g, float* m, float* v, int64_t n, double lr,
                     double beta1, double beta2, double eps, double weight_decay, int64_t step,
                     GpuStream stream);

void lars_step_cuda(float* p, const float* g, float* v, int64_t n, double scaled_lr,
                    double momentum, double weight_decay, bool nesterov, GpuStream stream);

double sum_squares_cuda(const float* x, int64_t n, GpuStream stream);

double decayed_sum_squares_cuda(const float* g, const float* p, int64_t n, double weight_decay,
                                GpuStream stream);

// `out` is device memory; the sum is queued on `stream` and written there: no host wait.
void sum_squares_to_cuda(const float* g, const float* p, int64_t n, double weight_decay,
                         double* out, GpuStream stream);

}  // namespace acl::kernels
