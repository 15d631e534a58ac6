#include "tools/bench/timing.h"

#include <algorithm>
#include <chrono>

#include "tools/bench/check.h"

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/stream.h"
#endif

namespace acl::bench {

double median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double cpu_median_ms(const std::function<void()>& launch, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) launch();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    launch();
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return median(ms);
}

#ifdef ACL_HAVE_CUDA
CudaTimer::CudaTimer(size_t l2_bytes)
    : flush_(Tensor::empty(
          Shape{static_cast<int64_t>(std::max<size_t>(2 * l2_bytes, size_t{64} << 20) / 4)},
          DType::f32, Device::CUDA)) {}

double CudaTimer::median_ms(const std::function<void()>& launch, int warmup, int reps) {
  cudaStream_t s = compute_stream();
  for (int i = 0; i < warmup; ++i) launch();
  CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    CUDA_CHECK(cudaMemsetAsync(flush_.raw_data(), i & 0xff, flush_.nbytes(), s));
    CudaEvent start(true), stop(true);
    start.record(s);
    launch();
    stop.record(s);
    stop.synchronize();
    ms.push_back(stop.elapsed_ms_since(start));
  }
  return median(ms);
}
#endif

}  // namespace acl::bench
