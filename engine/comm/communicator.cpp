// Element types, the single-process communicator and the launcher's environment.
#include "engine/comm/communicator.h"

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

#include "kernels/runtime/cuda_check.h"
#endif

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace acl::comm {

size_t comm_type_size(CommType t) {
  switch (t) {
    case CommType::f32:
    case CommType::i32:
      return 4;
    case CommType::f64:
    case CommType::i64:
      return 8;
  }
  throw std::logic_error("comm_type_size: unknown CommType");
}

const char* comm_type_name(CommType t) {
  switch (t) {
    case CommType::f32:
      return "f32";
    case CommType::f64:
      return "f64";
    case CommType::i32:
      return "i32";
    case CommType::i64:
      return "i64";
  }
  return "?";
}

CommType comm_type_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return CommType::f32;
    case DType::f64:
      return CommType::f64;
    case DType::i32:
      return CommType::i32;
    default:
      throw std::invalid_argument(std::string("communicator: tensors of dtype ") +
                                  dtype_name(dtype) + " cannot be communicated (f32, f64, i32)");
  }
}

namespace {

class DoneRequest : public Request {
 public:
  void wait() override {}
};

// One rank: every collective copies send to recv (reductions of one value are the value).
class SingleCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  const char* backend() const override { return "single"; }
  Device device() const override { return Device::CPU; }
  void allreduce(const void* send, void* recv, size_t count, CommType type, ReduceOp) override {
    copy(send, recv, count, type);
  }
  void allgather(const void* send, void* recv, size_t count, CommType type) override {
    copy(send, recv, count, type);
  }
  void reduce_scatter(const void* send, void* recv, size_t count, CommType type,
                      ReduceOp) override {
    copy(send, recv, count, type);
  }
  void broadcast(void*, size_t, CommType, int root) override {
    if (root != 0) {
      throw std::invalid_argument("broadcast: root " + std::to_string(root) +
                                  " is not a rank of a 1-rank group");
    }
  }
  void barrier() override {}
  std::unique_ptr<Request> iallreduce(void*, size_t, CommType, ReduceOp) override {
    return std::make_unique<DoneRequest>();
  }
  void abort(int) override {}

 private:
  static void copy(const void* send, void* recv, size_t count, CommType type) {
    if (send != recv && count > 0) std::memmove(recv, send, count * comm_type_size(type));
  }
};

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

}  // namespace

std::unique_ptr<Communicator> make_single_communicator() {
  return std::make_unique<SingleCommunicator>();
}

bool launched_by_mpi() {
  return env("OMPI_COMM_WORLD_SIZE") || env("PMI_SIZE") || env("PMIX_RANK");
}

int local_rank_from_env() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "LOCAL_RANK"}) {
    if (const char* v = env(name)) {
      char* end = nullptr;
      const long r = std::strtol(v, &end, 10);
      if (*end != '\0' || r < 0) {
        throw std::runtime_error(std::string("environment variable ") + name + "=\"" + v +
                                 "\" is not a local rank (a non-negative integer)");
      }
      return static_cast<int>(r);
    }
  }
  return 0;
}

#ifndef ACL_HAVE_MPI
std::unique_ptr<Communicator> make_host_communicator() {
  if (launched_by_mpi()) {
    const char* n = env("OMPI_COMM_WORLD_SIZE");
    if (n && std::string(n) != "1") {
      throw std::runtime_error(
          std::string("started by an MPI launcher with ") + n +
          " ranks, but this build has no MPI communicator (configure with -DACL_MPI=ON)");
    }
  }
  return make_single_communicator();
}
#endif

int use_local_rank_device() {
#ifdef ACL_HAVE_CUDA
  int devices = 0;
  CUDA_CHECK(cudaGetDeviceCount(&devices));
  if (devices < 1) throw std::runtime_error("use_local_rank_device: no CUDA device is visible");
  const int device = local_rank_from_env() % devices;
  CUDA_CHECK(cudaSetDevice(device));
  return device;
#else
  return -1;
#endif
}

bool nccl_built() {
#ifdef ACL_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

#ifndef ACL_HAVE_NCCL
std::unique_ptr<Communicator> make_nccl_communicator(Communicator&) {
  throw std::runtime_error(
      "the NCCL communicator is not built (configure with -DACL_CUDA=ON -DACL_NCCL=ON)");
}
#endif

}  // namespace acl::comm
