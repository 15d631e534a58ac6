// Error checking for CUDA runtime and cuBLAS calls.
//
//   CUDA_CHECK(cudaMemcpy(dst, src, n, cudaMemcpyHostToDevice));
//   CUBLAS_CHECK(cublasSgemm(handle, ...));
//
// On failure they throw std::runtime_error naming the error, the call site and the device:
//   CUDA error cudaErrorInvalidValue (invalid argument) at engine/foo.cu:42 on device 0:
//   cudaMemcpy(...)
// (the file is shown relative to the repository root; the device is -1 when cudaGetDevice itself
// fails). A non-sticky CUDA error is cleared from the runtime's last-error slot before throwing, so
// a later CUDA_CHECK(cudaGetLastError()) does not report it a second time.
// NCCL_CHECK will join these, with the same message format, in the NCCL communicator.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

namespace acl {

// "cudaErrorInvalidValue (invalid argument)". Never throws.
std::string cuda_error_string(cudaError_t err) noexcept;
// "CUBLAS_STATUS_NOT_INITIALIZED (the library was not initialized)". Never throws.
std::string cublas_status_string(cublasStatus_t status) noexcept;

namespace detail {
// The current device, or -1 when it cannot be determined (no driver, no device). Never throws.
int current_device_noexcept() noexcept;
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* expr, const char* file,
                                     int line);
}  // namespace detail

}  // namespace acl

#define CUDA_CHECK(expr)                                                               \
  do {                                                                                 \
    cudaError_t acl_cuda_check_err_ = (expr);                                          \
    if (acl_cuda_check_err_ != cudaSuccess) {                                          \
      ::acl::detail::throw_cuda_error(acl_cuda_check_err_, #expr, __FILE__, __LINE__); \
    }                                                                                  \
  } while (0)

#define CUBLAS_CHECK(expr)                                                                    \
  do {                                                                                        \
    cublasStatus_t acl_cublas_check_status_ = (expr);                                         \
    if (acl_cublas_check_status_ != CUBLAS_STATUS_SUCCESS) {                                  \
      ::acl::detail::throw_cublas_error(acl_cublas_check_status_, #expr, __FILE__, __LINE__); \
    }                                                                                         \
  } while (0)
