// What the CPU and CUDA twins of batch norm (kernels/batchnorm.h) share: the entry-point argument
// checks (same conditions and messages on both devices, each throwing
// std::invalid_argument("<op>: ...")) and the arithmetic of one element or one channel, written
// once as ACL_HOST_DEVICE functions templated on the arithmetic type A (double on the CPU, float
// on CUDA).
//   forward:         out = (x - mean) * scale + shift, scale = gamma * invstd, shift = beta,
//                    invstd = 1 / sqrt(var + eps)
//   running update:  r = (1 - momentum) * r + momentum * stat (in double; var: unbiased)
//   train backward:  xhat = (x - mean) * invstd,
//                    grad_in = gamma * invstd * (dy - sum dy / n - xhat * sum(dy * xhat) / n)
//   eval backward:   grad_in = dy * gamma * invstd
//   fused ReLU:      y = max(out, 0) in the forward passes; the backward passes take
//                    dy * [y > 0] in place of dy (y > 0 exactly where out > 0)
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "kernels/runtime/host_device.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels::batchnorm_detail {

// ---- per-channel and per-element arithmetic ---------------------------------------------------

template <typename A>
ACL_HOST_DEVICE inline A bn_invstd(A var, A eps) {
  return A(1) / hd_sqrt(var + eps);
}

// gamma[c] * invstd (gamma == nullptr means 1).
template <typename A, typename T>
ACL_HOST_DEVICE inline A bn_scale(const T* gamma, int c, A invstd) {
  return (gamma ? static_cast<A>(gamma[c]) : A(1)) * invstd;
}

// beta[c] (beta == nullptr means 0).
template <typename A, typename T>
ACL_HOST_DEVICE inline A bn_shift(const T* beta, int c) {
  return beta ? static_cast<A>(beta[c]) : A(0);
}

template <typename A>
ACL_HOST_DEVICE inline A bn_normalize(A x, A mean, A scale, A shift) {
  return (x - mean) * scale + shift;
}

// (1 - momentum) * old + momentum * stat, in double.
ACL_HOST_DEVICE inline double bn_running_update(double old, double momentum, double stat) {
  return (1.0 - momentum) * old + momentum * stat;
}

// The unbiased variance of n values whose squared deviations sum to sq.
ACL_HOST_DEVICE inline double bn_unbiased_var(double sq, int64_t n) {
  return sq / static_cast<double>(n - 1);
}

// dy * xhat, the summand of grad_gamma.
template <typename A>
ACL_HOST_DEVICE inline A bn_dy_xhat(A dy, A x, A mean, A invstd) {
  return dy * (x - mean) * invstd;
}

// grad_in of one element in training: k = gamma * invstd, mdy = sum dy / n,
// mdyx = sum (dy * xhat) / n.
template <typename A>
ACL_HOST_DEVICE inline A bn_backward_train(A dy, A x, A mean, A invstd, A k, A mdy, A mdyx) {
  const A xhat = (x - mean) * invstd;
  return k * (dy - mdy - xhat * mdyx);
}

// ReLU of a normalised value: v where v > 0, else +0 (NaN and -0 give +0, as relu).
template <typename A>
ACL_HOST_DEVICE inline A bn_relu(A v) {
  return v > A{} ? v : A{};
}

// The gradient that reaches the batch norm through its ReLU: dy where the fused output y is > 0,
// else +0 (what relu's backward passes on, since y > 0 exactly where the normalised value is).
template <typename A>
ACL_HOST_DEVICE inline A bn_relu_grad(A dy, A y) {
  return y > A{} ? dy : A{};
}

// ---- argument checks ----------------------------------------------------------------------------

inline void check_shape(const char* op, int B, int C, int L, double eps) {
  if (B < 0 || C < 0 || L < 1) {
    fail(op, "invalid shape B=" + std::to_string(B) + " C=" + std::to_string(C) +
                 " L=" + std::to_string(L) + " (need B >= 0, C >= 0, L >= 1)");
  }
  if (!(eps >= 0.0)) fail(op, "eps=" + std::to_string(eps) + " must be >= 0");
}

// n = B*L, the number of values per channel; training needs n >= 2.
inline int64_t train_count(const char* op, int B, int C, int L) {
  const int64_t n = static_cast<int64_t>(B) * L;
  if (n < 2) {
    fail(op, "training needs more than one value per channel, got B=" + std::to_string(B) +
                 " L=" + std::to_string(L) + " (B*L=" + std::to_string(n) +
                 ") for C=" + std::to_string(C) + " channels");
  }
  return n;
}

// Train mode: the shape, n = B*L >= 2, the saved statistics (C) and the buffers of B*C*L
// elements; returns n.
inline int64_t check_train(const char* op, int B, int C, int L, const void* save_mean,
                           const void* save_invstd, std::initializer_list<NamedBuffer> elems,
                           double eps = 0.0) {
  check_shape(op, B, C, L, eps);
  const int64_t n = train_count(op, B, C, L);
  check_ptrs(op, n * C, elems);
  check_ptrs(op, C, {{"save_mean", save_mean}, {"save_invstd", save_invstd}});
  return n;
}

// Eval mode: the shape, the running statistics and the buffers of B*C*L elements.
inline void check_eval(const char* op, int B, int C, int L, double eps, const void* running_mean,
                       const void* running_var, std::initializer_list<NamedBuffer> elems) {
  check_shape(op, B, C, L, eps);
  if (!running_mean || !running_var) fail(op, "eval mode needs running_mean and running_var");
  check_ptrs(op, static_cast<int64_t>(B) * C * L, elems);
}

// relu: the fused batch norm + ReLU entry points (their own op names in the messages).
inline int64_t check_forward_train(const void* out, const void* save_mean, const void* save_invstd,
                                   const void* in, int B, int C, int L, double eps,
                                   bool relu = false) {
  return check_train(relu ? "batchnorm1d_relu_forward_train" : "batchnorm1d_forward_train", B, C, L,
                     save_mean, save_invstd, {{"out", out}, {"in", in}}, eps);
}
inline void check_forward_eval(const void* out, const void* in, const void* running_mean,
                               const void* running_var, int B, int C, int L, double eps,
                               bool relu = false) {
  check_eval(relu ? "batchnorm1d_relu_forward_eval" : "batchnorm1d_forward_eval", B, C, L, eps,
             running_mean, running_var, {{"out", out}, {"in", in}});
}
inline int64_t check_backward_train(const void* grad_in, const void* grad_out, const void* in,
                                    const void* save_mean, const void* save_invstd, int B, int C,
                                    int L) {
  return check_train("batchnorm1d_backward_train", B, C, L, save_mean, save_invstd,
                     {{"grad_in", grad_in}, {"grad_out", grad_out}, {"in", in}});
}
inline void check_backward_eval(const void* grad_in, const void* grad_out, const void* in,
                                const void* running_mean, const void* running_var, int B, int C,
                                int L, double eps) {
  check_eval("batchnorm1d_backward_eval", B, C, L, eps, running_mean, running_var,
             {{"grad_in", grad_in}, {"grad_out", grad_out}, {"in", in}});
}

// The fused backward passes also read `out`, the fused forward's output (the ReLU mask).
inline int64_t check_relu_backward_train(const void* grad_in, const void* grad_out, const void* out,
                                         const void* in, const void* save_mean,
                                         const void* save_invstd, int B, int C, int L) {
  return check_train("batchnorm1d_relu_backward_train", B, C, L, save_mean, save_invstd,
                     {{"grad_in", grad_in}, {"grad_out", grad_out}, {"out", out}, {"in", in}});
}
inline void check_relu_backward_eval(const void* grad_in, const void* grad_out, const void* out,
                                     const void* in, const void* running_mean,
                                     const void* running_var, int B, int C, int L, double eps) {
  check_eval("batchnorm1d_relu_backward_eval", B, C, L, eps, running_mean, running_var,
             {{"grad_in", grad_in}, {"grad_out", grad_out}, {"out", out}, {"in", in}});
}

}  // namespace acl::kernels::batchnorm_detail
