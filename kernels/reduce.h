// Sum along the middle axis of a tensor viewed as (outer, n, inner).
//   sum_dim:        out (outer, inner) = sum_j in[o, j, i]   (written; accumulated in double)
//   broadcast_dim:  out (outer, n, inner) = s * in[o, i]     (written; the backward of sum/mean)
// A full reduction is outer = inner = 1.
#pragma once

#include <cstdint>

namespace acl::kernels {

template <typename T>
void sum_dim_cpu(T* out, const T* in, int64_t outer, int64_t n, int64_t inner);
template <typename T>
void broadcast_dim_cpu(T* out, const T* in, int64_t outer, int64_t n, int64_t inner, T s);

}  // namespace acl::kernels

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

namespace acl::kernels {

// CUDA twins (kernels/cuda/): the same contract, asynchronous on `stream`; pointers are device
// pointers.
// sum_dim accumulates in T (float for float) with a fixed-order tree: deterministic.
template <typename T>
void sum_dim_cuda(T* out, const T* in, int64_t outer, int64_t n, int64_t inner,
                  cudaStream_t stream);
template <typename T>
void broadcast_dim_cuda(T* out, const T* in, int64_t outer, int64_t n, int64_t inner, T s,
                        cudaStream_t stream);

}  // namespace acl::kernels
#endif  // ACL_HAVE_CUDA
