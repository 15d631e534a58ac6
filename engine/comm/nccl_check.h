// NCCL_CHECK: throws std::runtime_error for an NCCL call that does not return ncclSuccess (or
// ncclInProgress), with the message format of CUDA_CHECK:
//   NCCL error ncclUnhandledCudaError (unhandled cuda error ...) at
//   engine/comm/nccl_communicator.cpp:42 on device 0: ncclAllReduce(...)
#pragma once

#include <nccl.h>

namespace acl::detail {
[[noreturn]] void throw_nccl_error(ncclResult_t result, const char* expr, const char* file,
                                   int line);
}  // namespace acl::detail

#define NCCL_CHECK(expr)                                                                     \
  do {                                                                                       \
    ncclResult_t acl_nccl_check_result_ = (expr);                                            \
    if (acl_nccl_check_result_ != ncclSuccess && acl_nccl_check_result_ != ncclInProgress) { \
      ::acl::detail::throw_nccl_error(acl_nccl_check_result_, #expr, __FILE__, __LINE__);    \
    }                                                                                        \
  } while (0)
