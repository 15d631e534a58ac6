// The GPU's peaks that acl_bench reports its rates against: memory bandwidth from the memory
// clock and bus width; FP32 from SMs x FP32 lanes x 2 x SM clock; dense TF32 tensor-core
// FLOP/clock/SM where known (sm_80 and sm_90).
#pragma once

#ifdef ACL_HAVE_CUDA
#include "kernels/runtime/device_info.h"
#include "tools/bench/check.h"

namespace acl::bench {

struct Peaks {
  double gbs = 0;             // memory bandwidth, 1e9 B/s
  double fp32_tflops = 0;     // FP32 FMA throughput (no tensor cores), 1e12 FLOP/s
  double tf32_tflops = kNaN;  // dense TF32 tensor-core throughput; NaN where not tabulated
};

Peaks device_peaks(const CudaDeviceInfo& info, int device);

}  // namespace acl::bench
#endif  // ACL_HAVE_CUDA
