// Inverted dropout on CUDA (see kernels/dropout.h): element i is kept when
// philox_uniform_at(seed, rng_stream, offset + i) > p, and kept values are scaled by 1/(1-p):
//   out = x * mask / (1 - p)   (written; applied to grad_out it is the backward pass)
// One thread per element (grid-stride); each thread recomputes its Philox block, so the mask is
// bit-identical to dropout_cpu's. The scale 1/(1-p) is formed in double on the host and rounded to
// float once, as on the CPU.
#include "kernels/cuda/common.cuh"
#include "kernels/dropout.h"
#include "kernels/runtime/philox.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kBlockSize = 256;

static __global__ void dropout_kernel(float* out, const float* x, int64_t n, float p,
                                      float keep_scale, uint64_t seed, uint64_t rng_stream,
                                      uint64_t offset) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    const float u = philox_uniform_at(seed, rng_stream, offset + static_cast<uint64_t>(i));
    out[i] = u > p ? x[i] * keep_scale : 0.0f;
  }
}

}  // namespace

void dropout_cuda(float* out, const float* x, int64_t n, float p, uint64_t seed,
                  uint64_t rng_stream, uint64_t offset, cudaStream_t stream) {
  const char* op = "dropout_cuda";
  check_count(op, "n", n);
  check_ptr(op, "out", out, n);
  check_ptr(op, "x", x, n);
  if (!(p >= 0.0f && p < 1.0f)) fail(op, "p = " + std::to_string(p) + " is outside [0, 1)");
  if (n == 0) return;
  const float keep_scale = static_cast<float>(1.0 / (1.0 - static_cast<double>(p)));
  dropout_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, x, n, p, keep_scale, seed,
                                                                     rng_stream, offset);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
