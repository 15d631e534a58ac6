#include "kernels/runtime/cuda_check.h"

#include <cstring>
#include <stdexcept>

namespace acl {
namespace {

// __FILE__ is whatever path the build passed to the compiler (absolute under CMake). Show it
// relative to the repository root, which is this file's path minus
// "kernels/runtime/cuda_check.cpp".
const char* repo_relative(const char* file) {
  static const char* const kThis = __FILE__;
  static const char* const kSuffix = "kernels/runtime/cuda_check.cpp";
  size_t this_len = std::strlen(kThis), suffix_len = std::strlen(kSuffix);
  if (this_len < suffix_len || std::strcmp(kThis + this_len - suffix_len, kSuffix) != 0) {
    return file;
  }
  size_t root_len = this_len - suffix_len;  // includes the trailing '/'
  if (root_len > 0 && std::strncmp(file, kThis, root_len) == 0) return file + root_len;
  return file;
}

std::string site(const char* expr, const char* file, int line) {
  return std::string(" at ") + repo_relative(file) + ":" + std::to_string(line) + " on device " +
         std::to_string(detail::current_device_noexcept()) + ": " + expr;
}

}  // namespace

std::string cuda_error_string(cudaError_t err) noexcept {
  try {
    const char* name = cudaGetErrorName(err);
    const char* text = cudaGetErrorString(err);
    return std::string(name ? name : "cudaError?") + " (" + (text ? text : "unknown") + ")";
  } catch (...) {
    return {};
  }
}

std::string cublas_status_string(cublasStatus_t status) noexcept {
  try {
    const char* name = cublasGetStatusName(status);
    const char* text = cublasGetStatusString(status);
    return std::string(name ? name : "CUBLAS_STATUS_?") + " (" + (text ? text : "unknown") + ")";
  } catch (...) {
    return {};
  }
}

namespace detail {

int current_device_noexcept() noexcept {
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) {
    (void)cudaGetLastError();  // do not leave this failure behind for the next check
    return -1;
  }
  return device;
}

void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line) {
  (void)cudaGetLastError();  // clear a non-sticky error; sticky ones persist regardless
  throw std::runtime_error("CUDA error " + cuda_error_string(err) + site(expr, file, line));
}

void throw_cublas_error(cublasStatus_t status, const char* expr, const char* file, int line) {
  throw std::runtime_error("cuBLAS error " + cublas_status_string(status) + site(expr, file, line));
}

}  // namespace detail
}  // namespace acl
