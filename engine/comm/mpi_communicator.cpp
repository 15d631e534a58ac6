// The MPI communicator (ACL_MPI): host-memory collectives over MPI_COMM_WORLD.
//
// Every collective is started non-blocking (MPI_Iallreduce, MPI_Iallgather,
// MPI_Ireduce_scatter_block, MPI_Ibcast, MPI_Ibarrier) and completed by polling MPI_Test, so a
// collective whose peers never arrive (a rank that hangs) throws after timeout_s() instead of
// blocking forever; the waiting ranks then find out which peers are silent (silent_peers) and
// name them. A rank that dies is also reported by the launcher (Open MPI's mpirun ends the job
// naming the rank). MPI is initialised (MPI_THREAD_FUNNELED) by the first communicator of the
// process and finalised with the last one, unless abort() ended the job.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/comm/communicator.h"
#include "engine/comm/mpi_check.h"

namespace acl {
namespace detail {

void throw_mpi_error(int code, const char* expr, const char* file, int line) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
    std::snprintf(text, sizeof text, "code %d", code);
  int rank = -1, initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::string where = file;
  const auto cut = where.rfind("/engine/");
  if (cut != std::string::npos) where = where.substr(cut + 1);
  throw std::runtime_error("MPI error " + std::string(text) + " at " + where + ":" +
                           std::to_string(line) + " on rank " + std::to_string(rank) + ": " + expr);
}

}  // namespace detail

namespace comm {
namespace {

int g_mpi_users = 0;  // live MPI communicators of this process
bool g_we_initialized = false;
bool g_aborted = false;

MPI_Datatype mpi_type(CommType t) {
  switch (t) {
    case CommType::f32:
      return MPI_FLOAT;
    case CommType::f64:
      return MPI_DOUBLE;
    case CommType::i32:
      return MPI_INT32_T;
    case CommType::i64:
      return MPI_INT64_T;
  }
  throw std::logic_error("mpi_type: unknown CommType");
}

// recv[i] /= size for kAvg (after the sum).
void divide(void* buf, size_t count, CommType t, int size) {
  switch (t) {
    case CommType::f32: {
      auto* p = static_cast<float*>(buf);
      for (size_t i = 0; i < count; ++i) p[i] /= static_cast<float>(size);
      break;
    }
    case CommType::f64: {
      auto* p = static_cast<double*>(buf);
      for (size_t i = 0; i < count; ++i) p[i] /= static_cast<double>(size);
      break;
    }
    case CommType::i32: {
      auto* p = static_cast<int32_t*>(buf);
      for (size_t i = 0; i < count; ++i) p[i] /= size;
      break;
    }
    case CommType::i64: {
      auto* p = static_cast<int64_t*>(buf);
      for (size_t i = 0; i < count; ++i) p[i] /= size;
      break;
    }
  }
}

// After a timeout: every rank that is itself stuck waiting sends its rank to all others on the
// heartbeat communicator and collects theirs for a short window; the ranks never heard from are
// the ones that hung, died or are still computing. Sends to a dead peer are left pending (the job
// is ending).
std::vector<int> silent_peers(MPI_Comm heartbeat, int rank, int size, double window_s) {
  constexpr int kTag = 0x6862;  // "hb"
  static int32_t me;            // the send buffer must outlive the (never completed) requests
  me = rank;
  for (int r = 0; r < size; ++r) {
    if (r == rank) continue;
    MPI_Request req;
    if (MPI_Isend(&me, 1, MPI_INT32_T, r, kTag, heartbeat, &req) == MPI_SUCCESS)
      MPI_Request_free(&req);
  }
  std::vector<bool> heard(static_cast<size_t>(size), false);
  heard[static_cast<size_t>(rank)] = true;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
         window_s) {
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kTag, heartbeat, &flag, &st) != MPI_SUCCESS) break;
    if (flag) {
      int32_t who = -1;
      MPI_Recv(&who, 1, MPI_INT32_T, st.MPI_SOURCE, kTag, heartbeat, MPI_STATUS_IGNORE);
      heard[static_cast<size_t>(st.MPI_SOURCE)] = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::vector<int> out;
  for (int r = 0; r < size; ++r)
    if (!heard[static_cast<size_t>(r)]) out.push_back(r);
  return out;
}

// Polls `req` until it completes; throws after `timeout_s` naming `what`, this rank and the peers
// that did not answer (silent_peers).
void wait_for(MPI_Request& req, const std::string& what, MPI_Comm heartbeat, int rank, int size,
              double timeout_s) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  int done = 0;
  for (int polls = 0;; ++polls) {
    MPI_CHECK(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
    if (done) return;
    const double waited = std::chrono::duration<double>(Clock::now() - start).count();
    if (waited > timeout_s) {
      const std::vector<int> silent =
          silent_peers(heartbeat, rank, size, std::min(2.0, std::max(0.2, timeout_s / 2)));
      std::string names;
      for (int r : silent) names += (names.empty() ? "" : ", ") + std::to_string(r);
      throw std::runtime_error(
          "mpi " + what + ": rank " + std::to_string(rank) + " of " + std::to_string(size) +
          " waited " + std::to_string(static_cast<int>(waited)) +
          " s (train.comm_timeout_s) for a peer that never joined the collective; " +
          (silent.empty() ? std::string("every rank answered the check that followed")
                          : (silent.size() == 1 ? "rank " : "ranks ") + names +
                                " did not answer: hung, dead or still computing"));
    }
    // Spin briefly (collectives of a step usually complete within microseconds), then yield the
    // core to the peers (oversubscribed CPU runs).
    if (polls > 1000)
      std::this_thread::sleep_for(std::chrono::microseconds(polls > 20000 ? 1000 : 50));
  }
}

class MpiRequest : public Request {
 public:
  MpiRequest(MPI_Request req, std::string what, MPI_Comm heartbeat, int rank, int size,
             double timeout_s, void* buf, size_t count, CommType type, bool average)
      : req_(req),
        what_(std::move(what)),
        heartbeat_(heartbeat),
        rank_(rank),
        size_(size),
        timeout_s_(timeout_s),
        buf_(buf),
        count_(count),
        type_(type),
        average_(average) {}
  ~MpiRequest() override {
    // A request dropped without wait() (an exception unwinding the step) is still in flight: the
    // job is ending, so leave it to MPI_Abort / MPI_Finalize rather than block here.
  }
  void wait() override {
    if (done_) return;
    wait_for(req_, what_, heartbeat_, rank_, size_, timeout_s_);
    if (average_) divide(buf_, count_, type_, size_);
    done_ = true;
  }

 private:
  MPI_Request req_;
  std::string what_;
  MPI_Comm heartbeat_;
  int rank_, size_;
  double timeout_s_;
  void* buf_;
  size_t count_;
  CommType type_;
  bool average_;
  bool done_ = false;
};

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    int initialized = 0;
    MPI_CHECK(MPI_Initialized(&initialized));
    if (!initialized) {
      int provided = 0;
      MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
      g_we_initialized = true;
    }
    ++g_mpi_users;
    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
    MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &heartbeat_));
    MPI_CHECK(MPI_Comm_set_errhandler(heartbeat_, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
    MPI_CHECK(MPI_Comm_size(comm_, &size_));
  }
  ~MpiCommunicator() override {
    if (g_aborted) return;
    MPI_Comm_free(&heartbeat_);
    MPI_Comm_free(&comm_);
    if (--g_mpi_users == 0 && g_we_initialized) {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized) MPI_Finalize();
    }
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const char* backend() const override { return "mpi"; }
  Device device() const override { return Device::CPU; }

  void allreduce(const void* send, void* recv, size_t count, CommType type, ReduceOp op) override {
    check_count("allreduce", count);
    MPI_Request req;
    MPI_CHECK(MPI_Iallreduce(send == recv ? MPI_IN_PLACE : send, recv, static_cast<int>(count),
                             mpi_type(type), MPI_SUM, comm_, &req));
    wait_for(req, describe("allreduce", count, type), heartbeat_, rank_, size_, timeout_s());
    if (op == ReduceOp::kAvg) divide(recv, count, type, size_);
  }

  void allgather(const void* send, void* recv, size_t count, CommType type) override {
    check_count("allgather", count * static_cast<size_t>(size_));
    MPI_Request req;
    MPI_CHECK(MPI_Iallgather(send, static_cast<int>(count), mpi_type(type), recv,
                             static_cast<int>(count), mpi_type(type), comm_, &req));
    wait_for(req, describe("allgather", count, type), heartbeat_, rank_, size_, timeout_s());
  }

  void reduce_scatter(const void* send, void* recv, size_t count, CommType type,
                      ReduceOp op) override {
    check_count("reduce_scatter", count * static_cast<size_t>(size_));
    MPI_Request req;
    MPI_CHECK(MPI_Ireduce_scatter_block(send, recv, static_cast<int>(count), mpi_type(type),
                                        MPI_SUM, comm_, &req));
    wait_for(req, describe("reduce_scatter", count, type), heartbeat_, rank_, size_, timeout_s());
    if (op == ReduceOp::kAvg) divide(recv, count, type, size_);
  }

  void broadcast(void* buf, size_t count, CommType type, int root) override {
    check_count("broadcast", count);
    if (root < 0 || root >= size_) {
      throw std::invalid_argument("mpi broadcast: root " + std::to_string(root) +
                                  " is not a rank of the " + std::to_string(size_) + "-rank group");
    }
    MPI_Request req;
    MPI_CHECK(MPI_Ibcast(buf, static_cast<int>(count), mpi_type(type), root, comm_, &req));
    wait_for(req, describe("broadcast", count, type), heartbeat_, rank_, size_, timeout_s());
  }

  void barrier() override {
    MPI_Request req;
    MPI_CHECK(MPI_Ibarrier(comm_, &req));
    wait_for(req, "barrier", heartbeat_, rank_, size_, timeout_s());
  }

  std::unique_ptr<Request> iallreduce(void* buf, size_t count, CommType type,
                                      ReduceOp op) override {
    check_count("iallreduce", count);
    MPI_Request req;
    MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, buf, static_cast<int>(count), mpi_type(type), MPI_SUM,
                             comm_, &req));
    return std::make_unique<MpiRequest>(req, describe("iallreduce", count, type), heartbeat_, rank_,
                                        size_, timeout_s(), buf, count, type, op == ReduceOp::kAvg);
  }

  void abort(int code) override {
    std::fflush(stderr);
    g_aborted = true;
    MPI_Abort(MPI_COMM_WORLD, code);
  }

 private:
  static std::string describe(const char* op, size_t count, CommType type) {
    return std::string(op) + " (" + std::to_string(count) + " x " + comm_type_name(type) + ")";
  }
  void check_count(const char* op, size_t count) const {
    if (count > static_cast<size_t>(INT32_MAX)) {
      throw std::invalid_argument(std::string("mpi ") + op + ": " + std::to_string(count) +
                                  " elements exceed MPI's int count (split the buffer)");
    }
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Comm heartbeat_ = MPI_COMM_NULL;  // the timeout check's point-to-point messages
  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> make_host_communicator() {
  if (!launched_by_mpi()) return make_single_communicator();
  return std::make_unique<MpiCommunicator>();
}

}  // namespace comm
}  // namespace acl
