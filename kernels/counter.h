// Integer counters that live with a model's buffers (BatchNorm's num_batches_tracked): add `delta`
// to one i32 in place. The CUDA twin is one single-thread kernel queued on `stream`, so a counter
// on the device is advanced without a host round-trip.
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

void add_counter_cpu(int32_t* counter, int32_t delta);
void add_counter_cuda(int32_t* counter, int32_t delta, GpuStream stream);

}  // namespace acl::kernels
