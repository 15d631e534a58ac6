#include "kernels/runtime/device_info.h"

#include <cuda_runtime.h>

#include <stdexcept>

#include "kernels/runtime/cuda_check.h"

namespace acl {
namespace {
// nvcc lists the architectures of this compilation in __CUDA_ARCH_LIST__ (e.g. 800,900).
constexpr int kArchList[] = {__CUDA_ARCH_LIST__};

int attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}
}  // namespace

int cuda_device_count_noexcept(std::string* error) noexcept {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    if (error) *error = "cudaGetDeviceCount: " + cuda_error_string(err);
    return 0;
  }
  if (error) error->clear();
  return count;
}

int cuda_min_compiled_arch() noexcept {
  int lowest = kArchList[0];
  for (int arch : kArchList) lowest = arch < lowest ? arch : lowest;
  return lowest / 10;
}

CudaDeviceInfo cuda_device_info(int device) {
  int count = cuda_device_count_noexcept();
  if (device < 0 || device >= count) {
    throw std::invalid_argument("cuda_device_info: device " + std::to_string(device) +
                                " does not exist (" + std::to_string(count) + " visible)");
  }
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  CudaDeviceInfo info;
  info.name = prop.name;
  info.sm_major = prop.major;
  info.sm_minor = prop.minor;
  info.multiprocessors = prop.multiProcessorCount;
  info.global_memory_bytes = prop.totalGlobalMem;
  info.memory_clock_khz = attribute(cudaDevAttrMemoryClockRate, device);
  info.memory_bus_width_bits = attribute(cudaDevAttrGlobalMemoryBusWidth, device);
  info.peak_memory_bandwidth_gbs =
      2.0 * info.memory_clock_khz * 1e3 * (info.memory_bus_width_bits / 8.0) / 1e9;
  info.l2_bytes = static_cast<size_t>(attribute(cudaDevAttrL2CacheSize, device));
  return info;
}

std::string cuda_device_unusable_reason(int device) noexcept {
  try {
    int major = attribute(cudaDevAttrComputeCapabilityMajor, device);
    int minor = attribute(cudaDevAttrComputeCapabilityMinor, device);
    int mode = attribute(cudaDevAttrComputeMode, device);
    int arch = 10 * major + minor;
    if (arch < cuda_min_compiled_arch()) {
      return "device " + std::to_string(device) + " has compute capability " +
             std::to_string(major) + "." + std::to_string(minor) + ", this build needs sm_" +
             std::to_string(cuda_min_compiled_arch()) + " or newer";
    }
    if (mode == cudaComputeModeProhibited) {
      return "device " + std::to_string(device) + " is in compute mode 'prohibited'";
    }
    return {};
  } catch (const std::exception& e) {
    return "device " + std::to_string(device) + ": " + e.what();
  } catch (...) {
    return "device " + std::to_string(device) + ": unknown error";
  }
}

}  // namespace acl
