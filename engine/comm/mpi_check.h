// MPI_CHECK: throws std::runtime_error for an MPI call that does not return MPI_SUCCESS, naming the
// MPI error string, the call, the call site and the world rank (as CUDA_CHECK names the device):
//   MPI error MPI_ERR_TRUNCATE: message truncated at engine/comm/mpi_communicator.cpp:42 on rank 1:
//   MPI_Iallreduce(...)
// The communicator sets MPI_ERRORS_RETURN on its communicator so errors come back as codes.
#pragma once

#include <mpi.h>

namespace acl::detail {
[[noreturn]] void throw_mpi_error(int code, const char* expr, const char* file, int line);
}  // namespace acl::detail

#define MPI_CHECK(expr)                                                               \
  do {                                                                                \
    int acl_mpi_check_code_ = (expr);                                                 \
    if (acl_mpi_check_code_ != MPI_SUCCESS) {                                         \
      ::acl::detail::throw_mpi_error(acl_mpi_check_code_, #expr, __FILE__, __LINE__); \
    }                                                                                 \
  } while (0)
