// Philox fills on the GPU, element for element equal to the CPU helpers of kernels/runtime/philox.h
// (and so to Rng::fill_* given offset = Rng::reserve(n, ...)).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace acl {

// out[i] = philox_uniform_at(seed, rng_stream, offset + i), i in [0, n): uniforms in (0, 1],
// bit-identical to the CPU. Asynchronous on `s`. Throws std::invalid_argument for n < 0 or a null
// out with n > 0.
void philox_fill_uniform_cuda(float* out, int64_t n, uint64_t seed, uint64_t rng_stream,
                              uint64_t offset, cudaStream_t s);

// out[i] = philox_normal_at(seed, rng_stream, offset + i): standard normals, equal to the CPU up
// to an ulp of the double-precision log/cos/sin (see kernels/runtime/philox.h).
void philox_fill_normal_cuda(float* out, int64_t n, uint64_t seed, uint64_t rng_stream,
                             uint64_t offset, cudaStream_t s);

}  // namespace acl
