// Communicator: the collectives of data-parallel training over one group of processes (ranks).
//
// Every call is collective: all ranks of the group make the same calls in the same order with the
// same counts, types and roots. Buffers are raw memory of the backend's device (host memory for the
// single-process and MPI backends, CUDA device memory for NCCL); `count` is in elements.
//   allreduce       recv[i] = op over ranks of send[i]                       (count elements)
//   allgather       recv[r * count + i] = send_r[i]                          (recv: size * count)
//   reduce_scatter  recv[i] = op over ranks of send_r[rank * count + i]      (send: size * count)
//   broadcast       buf = buf of `root`
// send == recv is allowed for allreduce (in place). kAvg divides the sum by size() (integer types:
// truncating division). iallreduce starts an in-place all-reduce and returns a request whose
// wait() completes it; the buffer must stay alive and untouched until then.
//
// Failure: a collective that does not complete within timeout_s() throws std::runtime_error naming
// the collective, this rank and the timeout (a peer that died or stopped calling); backend errors
// throw with the backend's error string (MPI_CHECK / NCCL_CHECK). Backends: single process
// (identity; every build), MPI (ACL_MPI), NCCL (ACL_NCCL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/dtype.h"

namespace acl::comm {

enum class CommType { f32, f64, i32, i64 };
enum class ReduceOp { kSum, kAvg };

size_t comm_type_size(CommType t);
const char* comm_type_name(CommType t);
// The element type of a tensor dtype (f32, f64, i32); std::invalid_argument for others.
CommType comm_type_of(DType dtype);

// A started non-blocking collective.
class Request {
 public:
  virtual ~Request() = default;
  // Blocks until the collective is complete (throws on timeout or backend error). Idempotent.
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual const char* backend() const = 0;  // "single", "mpi", "nccl"
  virtual Device device() const = 0;        // where the buffers live
  // Seconds a collective may wait for its peers before it throws.
  double timeout_s() const { return timeout_s_; }
  void set_timeout_s(double s) { timeout_s_ = s; }

  virtual void allreduce(const void* send, void* recv, size_t count, CommType type,
                         ReduceOp op) = 0;
  virtual void allgather(const void* send, void* recv, size_t count, CommType type) = 0;
  virtual void reduce_scatter(const void* send, void* recv, size_t count, CommType type,
                              ReduceOp op) = 0;
  virtual void broadcast(void* buf, size_t count, CommType type, int root) = 0;
  virtual void barrier() = 0;
  virtual std::unique_ptr<Request> iallreduce(void* buf, size_t count, CommType type,
                                              ReduceOp op) = 0;
  // Ends every rank of the group now (after this rank reported its error), so that no peer waits
  // for a collective this rank will never join. The single-process backend does nothing.
  virtual void abort(int code) = 0;

 private:
  double timeout_s_ = 300.0;
};

// The identity communicator of a one-process group (rank 0, size 1, host memory).
std::unique_ptr<Communicator> make_single_communicator();

// True when this process was started by an MPI launcher (mpirun/srun set the world size).
bool launched_by_mpi();

// The host communicator of this process: MPI over MPI_COMM_WORLD when launched by mpirun and built
// with ACL_MPI (initialising MPI; finalised when the last MPI communicator is destroyed), else the
// single-process one. A multi-rank launch without ACL_MPI throws std::runtime_error saying so.
std::unique_ptr<Communicator> make_host_communicator();

// The NCCL communicator over the same ranks as `host` (which carries the unique id), on the CUDA
// device OMPI_COMM_WORLD_LOCAL_RANK (LOCAL_RANK, else 0) modulo the visible devices; that device
// becomes current. Throws std::runtime_error when the build has no NCCL (configure with
// -DACL_NCCL=ON) or CUDA is not usable.
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host);
// True when this build has the NCCL backend (ACL_NCCL).
bool nccl_built();

// The local rank from the launcher's environment (0 when not set).
int local_rank_from_env();

// Makes the CUDA device of this process's local rank (modulo the visible devices) current and
// returns its index; -1 in a build without CUDA. std::runtime_error when no device is visible.
int use_local_rank_device();

}  // namespace acl::comm
