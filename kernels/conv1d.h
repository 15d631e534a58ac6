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
