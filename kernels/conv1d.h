// 1-D convolution (cross-correlation, as torch.nn.functional.conv1d), row-major, contiguous.
//   out[b, co, lo] = bias[co] + sum_{ci < Cin/groups, k < K}
//                    w[co, ci, k] * in[b, g*(Cin/groups) + ci, lo*stride - pad + k*dil]
// with g = co / (Cout/groups) and positions outside [0, L) reading zero.
// Every output (out, grad_in, grad_w, grad_b) is WRITTEN (=); its old contents are ignored. The
// autograd layer accumulates. Backward needs the forward input (for grad_w) and the weight (for
// grad_in); nothing else is saved.
// Shapes that cannot be convolved (Cin or Cout not divisible by groups, Lout < 1, K/stride/dil < 1,
// pad < 0) throw std::invalid_argument("conv1d: ...").
#pragma once

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

// floor((L + 2*pad - dil*(K-1) - 1) / stride) + 1; throws std::invalid_argument if it is < 1 or
// an argument is out of range.
int conv1d_out_length(int L, int K, int stride, int pad, int dil);

template <typename T>
void conv1d_forward_cpu(T* out,       // (B, Cout, Lout)
                        const T* in,  // (B, Cin, L)
                        const T* w,   // (Cout, Cin/groups, K)
                        const T* b,   // (Cout) or nullptr
                        int B, int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                        int groups);

template <typename T>
void conv1d_backward_data_cpu(T* grad_in,         // (B, Cin, L)
                              const T* grad_out,  // (B, Cout, Lout)
                              const T* w,         // (Cout, Cin/groups, K)
                              int B, int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                              int groups);

template <typename T>
void conv1d_backward_weight_cpu(T* grad_w,          // (Cout, Cin/groups, K)
                                T* grad_b,          // (Cout) or nullptr
                                const T* grad_out,  // (B, Cout, Lout)
                                const T* in,        // (B, Cin, L)
                                int B, int Cin, int Cout, int L, int K, int stride, int pad,
                                int dil, int groups);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// Direct (no im2col, no cuDNN) kernels; sums over Cin/groups x K accumulate in float. grad_w and
// grad_b reduce over B x Lout with a fixed-order block tree (no atomics, deterministic).
void conv1d_forward_cuda(float* out, const float* in, const float* w, const float* b, int B,
                         int Cin, int Cout, int L, int K, int stride, int pad, int dil, int groups,
                         GpuStream stream);
void conv1d_backward_data_cuda(float* grad_in, const float* grad_out, const float* w, int B,
                               int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                               int groups, GpuStream stream);
void conv1d_backward_weight_cuda(float* grad_w, float* grad_b, const float* grad_out,
                                 const float* in, int B, int Cin, int Cout, int L, int K,
                                 int stride, int pad, int dil, int groups, GpuStream stream);

}  // namespace acl::kernels
