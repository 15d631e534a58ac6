// Block copies behind concat, slice and gather.
//   copy_slab:   dst viewed (outer, dst_n, inner), src viewed (outer, src_n, inner):
//                dst[o, dst_start + j, i] = src[o, src_start + j, i] for j < count   (written)
//                (concat forward / slice backward write into a zeroed or partial dst)
//   gather_rows: out (M, row) = x[index[m], :] with x (N, row)                       (written)
//   gather_rows_backward: grad_x (N, row) = sum over m with index[m] == n of grad_out[m]
//                (written: zeroed, then summed in index order, deterministic)
// An index outside [0, N) throws std::invalid_argument naming the position and value.
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void copy_slab_cpu(T* dst, const T* src, int64_t outer, int64_t inner, int64_t dst_n,
                   int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count);
template <typename T>
void gather_rows_cpu(T* out, const T* x, const int32_t* index, int64_t M, int64_t N, int64_t row);
template <typename T>
void gather_rows_backward_cpu(T* grad_x, const T* grad_out, const int32_t* index, int64_t M,
                              int64_t N, int64_t row);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// copy_slab and gather_rows also move int32_t (index tensors). gather_rows checks the index on the
// device and throws std::invalid_argument after waiting for the stream (one host sync);
// gather_rows_backward sums each grad_x row over m in index order (no atomics, deterministic).
void copy_slab_cuda(float* dst, const float* src, int64_t outer, int64_t inner, int64_t dst_n,
                    int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count,
                    GpuStream stream);
void copy_slab_cuda(int32_t* dst, const int32_t* src, int64_t outer, int64_t inner, int64_t dst_n,
                    int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count,
                    GpuStream stream);
void gather_rows_cuda(float* out, const float* x, const int32_t* index, int64_t M, int64_t N,
                      int64_t row, GpuStream stream);
void gather_rows_cuda(int32_t* out, const int32_t* x, const int32_t* index, int64_t M, int64_t N,
                      int64_t row, GpuStream stream);
void gather_rows_backward_cuda(float* grad_x, const float* grad_out, const int32_t* index,
                               int64_t M, int64_t N, int64_t row, GpuStream stream);

}  // namespace acl::kernels
