#include "tools/bench/gpu_cases.h"

#include <cuda_runtime.h>

#include "engine/rng.h"
#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/stream.h"

namespace acl::bench {

Tensor random_cuda(const Shape& s, uint64_t seed) {
  acl::Rng rng(seed, 0);
  return Tensor::normal(s, 0, 1, rng).to(Device::CUDA);
}

void nan_fill(const Tensor& t) {
  CUDA_CHECK(cudaMemsetAsync(t.raw_data(), 0xff, t.nbytes(), acl::compute_stream()));
}

}  // namespace acl::bench
