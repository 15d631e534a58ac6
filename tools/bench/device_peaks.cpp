#include "tools/bench/device_peaks.h"

#include <cuda_runtime.h>

#include "kernels/runtime/cuda_check.h"

namespace acl::bench {

Peaks device_peaks(const CudaDeviceInfo& info, int device) {
  int clock_khz = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
  const double clock_hz = clock_khz * 1e3;
  // FP32 lanes per SM: 64 on sm_80 (A100), 128 on sm_86 and newer (incl. sm_90).
  const int lanes = info.sm_major == 8 && info.sm_minor == 0 ? 64 : 128;
  // Dense TF32 tensor-core FLOP per clock per SM: 1024 on sm_80 (A100: 156 TFLOP/s at 1.41 GHz),
  // 2048 on sm_90 (H100/H200 SXM: 495 TFLOP/s at 1.83 GHz).
  const int tf32_per_sm = info.sm_major == 8 && info.sm_minor == 0   ? 1024
                          : info.sm_major == 9 && info.sm_minor == 0 ? 2048
                                                                     : 0;
  Peaks p;
  p.gbs = info.peak_memory_bandwidth_gbs;
  p.fp32_tflops = 2.0 * info.multiprocessors * lanes * clock_hz / 1e12;
  if (tf32_per_sm > 0) p.tf32_tflops = 1.0 * info.multiprocessors * tf32_per_sm * clock_hz / 1e12;
  return p;
}

}  // namespace acl::bench
