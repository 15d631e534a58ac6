// The NCCL communicator (ACL_NCCL): device-memory collectives, as llm.c's llmc/zero.cuh sets them
// up. Rank 0 creates the ncclUniqueId and broadcasts it over the host (MPI) communicator; each rank
// drives the CUDA device of its local rank. Collectives run on the communicator's own non-blocking
// stream, ordered after the compute stream's queued work by an event, and the compute stream waits
// for their completion event (no host wait). Request::wait() polls the completion event together
// with ncclCommGetAsyncError; an asynchronous NCCL error or a collective still running after
// timeout_s() aborts the NCCL communicator (ncclCommAbort, so no kernel spins forever) and throws
// naming this rank, the device and the collective.
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/comm/communicator.h"
#include "engine/comm/nccl_check.h"
#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/stream.h"

namespace acl {
namespace detail {

void throw_nccl_error(ncclResult_t result, const char* expr, const char* file, int line) {
  std::string where = file;
  const auto cut = where.rfind("/engine/");
  if (cut != std::string::npos) where = where.substr(cut + 1);
  throw std::runtime_error("NCCL error " + std::to_string(static_cast<int>(result)) + " (" +
                           ncclGetErrorString(result) + ") at " + where + ":" +
                           std::to_string(line) + " on device " +
                           std::to_string(current_device_noexcept()) + ": " + expr);
}

}  // namespace detail

namespace comm {
namespace {

ncclDataType_t nccl_type(CommType t) {
  switch (t) {
    case CommType::f32:
      return ncclFloat32;
    case CommType::f64:
      return ncclFloat64;
    case CommType::i32:
      return ncclInt32;
    case CommType::i64:
      return ncclInt64;
  }
  throw std::logic_error("nccl_type: unknown CommType");
}

ncclRedOp_t nccl_op(ReduceOp op) {
  return op == ReduceOp::kAvg ? ncclAvg : ncclSum;
}

class NcclCommunicator;

// The completion event of one collective; wait() is the watchdog.
class NcclRequest : public Request {
 public:
  NcclRequest(NcclCommunicator& comm, std::string what);
  void wait() override;

 private:
  NcclCommunicator& comm_;
  std::string what_;
  CudaEvent done_;
  bool waited_ = false;
};

class NcclCommunicator : public Communicator {
 public:
  explicit NcclCommunicator(Communicator& host) : rank_(host.rank()), size_(host.size()) {
    device_ = use_local_rank_device();
    ncclUniqueId id;
    if (rank_ == 0) NCCL_CHECK(ncclGetUniqueId(&id));
    static_assert(sizeof(ncclUniqueId) % sizeof(int32_t) == 0, "ncclUniqueId size");
    host.broadcast(&id, sizeof(ncclUniqueId) / sizeof(int32_t), CommType::i32, 0);
    NCCL_CHECK(ncclCommInitRank(&comm_, size_, id, rank_));
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    set_timeout_s(host.timeout_s());
  }
  ~NcclCommunicator() override {
    if (comm_) {
      if (aborted_) {
        ncclCommAbort(comm_);
      } else {
        ncclCommDestroy(comm_);
      }
    }
    if (stream_) cudaStreamDestroy(stream_);
  }
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const char* backend() const override { return "nccl"; }
  Device device() const override { return Device::CUDA; }
  int cuda_device() const { return device_; }
  cudaStream_t stream() const { return stream_; }

  void allreduce(const void* send, void* recv, size_t count, CommType type, ReduceOp op) override {
    begin();
    NCCL_CHECK(ncclAllReduce(send, recv, count, nccl_type(type), nccl_op(op), comm_, stream_));
    end();
  }
  void allgather(const void* send, void* recv, size_t count, CommType type) override {
    begin();
    NCCL_CHECK(ncclAllGather(send, recv, count, nccl_type(type), comm_, stream_));
    end();
  }
  void reduce_scatter(const void* send, void* recv, size_t count, CommType type,
                      ReduceOp op) override {
    begin();
    NCCL_CHECK(ncclReduceScatter(send, recv, count, nccl_type(type), nccl_op(op), comm_, stream_));
    end();
  }
  void broadcast(void* buf, size_t count, CommType type, int root) override {
    if (root < 0 || root >= size_) {
      throw std::invalid_argument("nccl broadcast: root " + std::to_string(root) +
                                  " is not a rank of the " + std::to_string(size_) + "-rank group");
    }
    begin();
    NCCL_CHECK(ncclBroadcast(buf, buf, count, nccl_type(type), root, comm_, stream_));
    end();
  }
  void barrier() override {
    // An all-reduce of one device value, waited for on the host.
    begin();
    int32_t* one = nullptr;
    CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&one), sizeof(int32_t), stream_));
    CUDA_CHECK(cudaMemsetAsync(one, 0, sizeof(int32_t), stream_));
    NCCL_CHECK(ncclAllReduce(one, one, 1, ncclInt32, ncclSum, comm_, stream_));
    CUDA_CHECK(cudaFreeAsync(one, stream_));
    NcclRequest req(*this, "barrier");
    req.wait();
  }
  std::unique_ptr<Request> iallreduce(void* buf, size_t count, CommType type,
                                      ReduceOp op) override {
    begin();
    NCCL_CHECK(ncclAllReduce(buf, buf, count, nccl_type(type), nccl_op(op), comm_, stream_));
    auto req = std::make_unique<NcclRequest>(
        *this, "iallreduce (" + std::to_string(count) + " x " + comm_type_name(type) + ")");
    return req;
  }
  void abort(int) override { abort_comm(); }

  // Polls ncclCommGetAsyncError; true when NCCL reported an error (then `what` has it).
  bool async_error(std::string& what) {
    ncclResult_t state = ncclSuccess;
    if (ncclCommGetAsyncError(comm_, &state) != ncclSuccess) state = ncclInternalError;
    if (state == ncclSuccess || state == ncclInProgress) return false;
    what = ncclGetErrorString(state);
    return true;
  }
  void abort_comm() {
    if (comm_ && !aborted_) {
      ncclCommAbort(comm_);
      aborted_ = true;
      comm_ = nullptr;
    }
  }

 private:
  // The comm stream waits for the compute stream's queued work (the inputs).
  void begin() {
    if (aborted_) {
      throw std::runtime_error("nccl: rank " + std::to_string(rank_) +
                               ": the communicator was aborted after an earlier failure");
    }
    CUDA_CHECK(cudaSetDevice(device_));
    ready_.record(compute_stream());
    ready_.wait(stream_);
  }
  // The compute stream waits for the collective (the outputs).
  void end() {
    done_.record(stream_);
    done_.wait(compute_stream());
  }

  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  CudaEvent ready_, done_;
  int rank_, size_, device_ = 0;
  bool aborted_ = false;
};

NcclRequest::NcclRequest(NcclCommunicator& comm, std::string what)
    : comm_(comm), what_(std::move(what)) {
  done_.record(comm_.stream());
}

void NcclRequest::wait() {
  if (waited_) return;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (;;) {
    const cudaError_t q = cudaEventQuery(done_.get());
    if (q == cudaSuccess) break;
    if (q != cudaErrorNotReady) CUDA_CHECK(q);
    std::string err;
    const double waited = std::chrono::duration<double>(Clock::now() - start).count();
    const bool failed = comm_.async_error(err);
    if (failed || waited > comm_.timeout_s()) {
      comm_.abort_comm();
      throw std::runtime_error(
          "nccl " + what_ + ": rank " + std::to_string(comm_.rank()) + " of " +
          std::to_string(comm_.size()) + " (device " + std::to_string(comm_.cuda_device()) + ") " +
          (failed ? "got the asynchronous NCCL error " + err
                  : "waited " + std::to_string(static_cast<int>(waited)) +
                        " s (train.comm_timeout_s) for a peer that never joined") +
          "; the NCCL communicator was aborted");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  done_.wait(compute_stream());
  waited_ = true;
}

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host) {
  return std::make_unique<NcclCommunicator>(host);
}

}  // namespace comm
}  // namespace acl
