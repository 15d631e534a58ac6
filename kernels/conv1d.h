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

}  // namespace acl::kernels

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

namespace acl::kernels {

// CUDA twins (kernels/cuda/): the same contract, asynchronous on `stream`; pointers are device
// pointers.
// Direct (no im2col, no cuDNN) kernels; sums over Cin/groups x K accumulate in T. grad_w and
// grad_b reduce over B x Lout with a fixed-order block tree (no atomics, deterministic).
template <typename T>
void conv1d_forward_cuda(T* out, const T* in, const T* w, const T* b, int B, int Cin, int Cout,
                         int L, int K, int stride, int pad, int dil, int groups,
                         cudaStream_t stream);
template <typename T>
void conv1d_backward_data_cuda(T* grad_in, const T* grad_out, const T* w, int B, int Cin, int Cout,
                               int L, int K, int stride, int pad, int dil, int groups,
                               cudaStream_t stream);
template <typename T>
void conv1d_backward_weight_cuda(T* grad_w, T* grad_b, const T* grad_out, const T* in, int B,
                                 int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                                 int groups, cudaStream_t stream);

}  // namespace acl::kernels
#endif  // ACL_HAVE_CUDA
