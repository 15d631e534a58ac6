// Integer counters on CUDA (see kernels/counter.h): one thread adds delta; queued on the stream.
#include "kernels/counter.h"
#include "kernels/cuda/common.cuh"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels {
namespace {

static __global__ void add_counter_kernel(int32_t* counter, int32_t delta) {
  *counter += delta;
}

}  // namespace

void add_counter_cuda(int32_t* counter, int32_t delta, cudaStream_t stream) {
  check_ptr("add_counter", "counter", counter, 1);
  add_counter_kernel<<<1, 1, 0, stream>>>(counter, delta);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
