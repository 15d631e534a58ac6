// 1-D pooling over the last axis of (B, C, L), row-major, contiguous; floor mode (PyTorch
// ceil_mode=False). Window lo covers input positions [lo*stride - pad, lo*stride - pad + K).
//   max_pool1d:  out = max over the window, padding acts as -inf; a NaN in the window propagates;
//                ties go to the first (lowest) index. argmax saves the chosen index in [0, L) for
//                backward: grad_in[argmax] += grad_out.
//   avg_pool1d:  out = sum over the window / K (count_include_pad=True, PyTorch's default; in floor
//                mode with pad <= K/2 no window reaches past the padding, so the divisor is K).
//   global_avg_pool1d: out (rows) = mean of each row of in (rows, L), summed in double.
// Backward needs only argmax (max) or the geometry (avg, global avg); no input is saved.
// Every output is WRITTEN (=); its old contents are ignored. Impossible shapes throw
// std::invalid_argument naming the op.
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

// floor((L + 2*pad - K) / stride) + 1; throws std::invalid_argument if it is < 1, K < 1,
// stride < 1, pad < 0 or pad > K/2 (PyTorch's rule: every window must hold a real element).
int pool1d_out_length(int L, int K, int stride, int pad);

template <typename T>
void max_pool1d_forward_cpu(T* out,           // (B, C, Lout)
                            int32_t* argmax,  // (B, C, Lout), index into [0, L)
                            const T* in,      // (B, C, L)
                            int B, int C, int L, int K, int stride, int pad);
template <typename T>
void max_pool1d_backward_cpu(T* grad_in,             // (B, C, L)
                             const T* grad_out,      // (B, C, Lout)
                             const int32_t* argmax,  // (B, C, Lout)
                             int B, int C, int L, int Lout);

template <typename T>
void avg_pool1d_forward_cpu(T* out,       // (B, C, Lout)
                            const T* in,  // (B, C, L)
                            int B, int C, int L, int K, int stride, int pad);
template <typename T>
void avg_pool1d_backward_cpu(T* grad_in,         // (B, C, L)
                             const T* grad_out,  // (B, C, Lout)
                             int B, int C, int L, int K, int stride, int pad);

template <typename T>
void global_avg_pool1d_forward_cpu(T* out,       // (rows)
                                   const T* in,  // (rows, L)
                                   int rows, int L);
template <typename T>
void global_avg_pool1d_backward_cpu(T* grad_in,         // (rows, L)
                                    const T* grad_out,  // (rows)
                                    int rows, int L);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// Backward passes gather (one thread per input element, windows summed in output order), so
// overlapping windows need no atomics. Sums accumulate in float.
void max_pool1d_forward_cuda(float* out, int32_t* argmax, const float* in, int B, int C, int L,
                             int K, int stride, int pad, GpuStream stream);
void max_pool1d_backward_cuda(float* grad_in, const float* grad_out, const int32_t* argmax, int B,
                              int C, int L, int Lout, GpuStream stream);
void avg_pool1d_forward_cuda(float* out, const float* in, int B, int C, int L, int K, int stride,
                             int pad, GpuStream stream);
void avg_pool1d_backward_cuda(float* grad_in, const float* grad_out, int B, int C, int L, int K,
                              int stride, int pad, GpuStream stream);
void global_avg_pool1d_forward_cuda(float* out, const float* in, int rows, int L, GpuStream stream);
void global_avg_pool1d_backward_cuda(float* grad_in, const float* grad_out, int rows, int L,
                                     GpuStream stream);

}  // namespace acl::kernels
