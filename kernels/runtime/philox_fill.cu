// Philox fills of a flat float buffer out (n elements, written with =):
//   uniform: out[i] = philox_uniform_at(seed, stream, offset + i)
//   normal:  out[i] = philox_normal_at(seed, stream, offset + i)
// One thread per element in a grid-stride loop; each thread recomputes its Philox block (10 cheap
// integer rounds), which keeps the element -> value map trivially the CPU's. Normals are computed
// in double precision (see kernels/runtime/philox.h).
#include "kernels/runtime/philox_fill.h"

#include <stdexcept>
#include <string>

#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/philox.h"

namespace acl {
namespace {
constexpr int kBlockSize = 256;
constexpr int64_t kMaxGrid = 65535;  // the grid-stride loop covers the rest

static __global__ void philox_uniform_kernel(float* out, int64_t n, uint64_t seed, uint64_t stream,
                                             uint64_t offset) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = philox_uniform_at(seed, stream, offset + static_cast<uint64_t>(i));
  }
}

static __global__ void philox_normal_kernel(float* out, int64_t n, uint64_t seed, uint64_t stream,
                                            uint64_t offset) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = philox_normal_at(seed, stream, offset + static_cast<uint64_t>(i));
  }
}

using FillKernel = void (*)(float*, int64_t, uint64_t, uint64_t, uint64_t);

static void launch(FillKernel kernel, float* out, int64_t n, uint64_t seed, uint64_t stream,
                   uint64_t offset, cudaStream_t s) {
  int64_t blocks = (n + kBlockSize - 1) / kBlockSize;
  int grid = static_cast<int>(blocks < kMaxGrid ? blocks : kMaxGrid);
  kernel<<<grid, kBlockSize, 0, s>>>(out, n, seed, stream, offset);
  CUDA_CHECK(cudaGetLastError());
}

void check_args(const char* what, const float* out, int64_t n) {
  if (n < 0) throw std::invalid_argument(std::string(what) + ": n = " + std::to_string(n) + " < 0");
  if (n > 0 && !out) throw std::invalid_argument(std::string(what) + ": out is null");
}
}  // namespace

void philox_fill_uniform_cuda(float* out, int64_t n, uint64_t seed, uint64_t rng_stream,
                              uint64_t offset, cudaStream_t s) {
  check_args("philox_fill_uniform_cuda", out, n);
  if (n == 0) return;
  launch(philox_uniform_kernel, out, n, seed, rng_stream, offset, s);
}

void philox_fill_normal_cuda(float* out, int64_t n, uint64_t seed, uint64_t rng_stream,
                             uint64_t offset, cudaStream_t s) {
  check_args("philox_fill_normal_cuda", out, n);
  if (n == 0) return;
  launch(philox_normal_kernel, out, n, seed, rng_stream, offset, s);
}

}  // namespace acl
