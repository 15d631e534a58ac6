// Sum along the middle axis of a tensor viewed as (outer, n, inner).
//   sum_dim:        out (outer, inner) = sum_j in[o, j, i]   (written; accumulated in double)
//   broadcast_dim:  out (outer, n, inner) = s * in[o, i]     (written; the backward of sum/mean)
// A full reduction is outer = inner = 1.
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void sum_dim_cpu(T* out, const T* in, int64_t outer, int64_t n, int64_t inner);
template <typename T>
void broadcast_dim_cpu(T* out, const T* in, int64_t outer, int64_t n, int64_t inner, T s);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// sum_dim accumulates in float with a fixed-order tree: deterministic.
void sum_dim_cuda(float* out, const float* in, int64_t outer, int64_t n, int64_t inner,
                  GpuStream stream);
void broadcast_dim_cuda(float* out, const float* in, int64_t outer, int64_t n, int64_t inner,
                        float s, GpuStream stream);

}  // namespace acl::kernels
