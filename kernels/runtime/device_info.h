// What the CUDA runtime can tell about the GPUs of this machine, without creating a context.
#pragma once

#include <cstddef>
#include <string>

namespace acl {

// Number of visible CUDA devices; 0 when cudaGetDeviceCount fails (no driver, driver too old, no
// device), with the error text in *error when given. Never throws.
int cuda_device_count_noexcept(std::string* error = nullptr) noexcept;

struct CudaDeviceInfo {
  std::string name;  // "NVIDIA H200"
  int sm_major = 0;  // compute capability, e.g. 9.0
  int sm_minor = 0;
  int multiprocessors = 0;
  size_t global_memory_bytes = 0;
  int memory_clock_khz = 0;  // peak memory clock
  int memory_bus_width_bits = 0;
  double peak_memory_bandwidth_gbs =
      0.0;  // 2 (double data rate) * clock * bus width / 8, in 1e9 B/s
  size_t l2_bytes = 0;
};

// Properties of `device`. Throws std::invalid_argument for a device outside [0, count), and
// std::runtime_error (CUDA_CHECK) when the runtime fails.
CudaDeviceInfo cuda_device_info(int device);

// The lowest architecture this build has kernels for, as 10 * major + minor (80 for sm_80). A
// device of at least this compute capability runs them (same-major SASS or JIT from the PTX that
// CMake embeds for each listed architecture).
int cuda_min_compiled_arch() noexcept;

// Empty when `device` can run this build's kernels; otherwise why not (compute capability below
// cuda_min_compiled_arch(), compute mode "prohibited", or the query failed). Never throws.
std::string cuda_device_unusable_reason(int device) noexcept;

}  // namespace acl
