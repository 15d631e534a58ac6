// The communicator of a test process: MPI over all ranks when the test runs under mpirun (ctest's
// *_np2 / *_np3 entries), the single-process one otherwise. Created on first use and kept for the
// life of the process (MPI is initialised once and finalised at exit). Every test of a binary that
// uses it must make the same collective calls on every rank, in the same order.
#pragma once

#include <memory>

#include "engine/comm/communicator.h"

namespace acl::testing {

inline comm::Communicator& world() {
  static std::unique_ptr<comm::Communicator> c = [] {
    auto w = comm::make_host_communicator();
    w->set_timeout_s(60);  // a test whose peer is gone fails instead of waiting for ctest's limit
    return w;
  }();
  return *c;
}

}  // namespace acl::testing
