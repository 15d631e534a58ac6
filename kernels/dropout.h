// Inverted dropout with a counter-based mask: element i is kept when
// philox_uniform_at(seed, stream, offset + i) > p, and kept values are scaled by 1/(1-p).
//   out = x * mask / (1 - p)   (written)
// The same call applied to grad_out gives the backward pass: the mask is recomputed from
// (seed, stream, offset), never stored. Identical draws on the CPU and CUDA.
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void dropout_cpu(T* out, const T* x, int64_t n, float p, uint64_t seed, uint64_t stream,
                 uint64_t offset);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// Bit-identical mask to dropout_cpu (same philox_uniform_at draws).
void dropout_cuda(float* out, const float* x, int64_t n, float p, uint64_t seed,
                  uint64_t rng_stream, uint64_t offset, GpuStream stream);

}  // namespace acl::kernels
