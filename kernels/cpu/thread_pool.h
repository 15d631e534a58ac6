// The CPU kernels' worker threads: one pool of cpu_num_threads() - 1 workers plus the calling
// thread. run(nt, fn) calls fn(t) for t in [0, nt) once each, t = 0 on the caller, and returns
// when all have finished. Waiting threads spin briefly (a pause loop, no system call) and then
// sleep on a condition variable, so idle workers take no CPU and never call sched_yield.
// A run from inside a running job, or while another thread holds the pool, runs every t on the
// calling thread in order (results never depend on which thread ran which t).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace acl::kernels::cpu {

class ThreadPool {
 public:
  using Fn = void (*)(void* ctx, int t);

  explicit ThreadPool(int threads);  // threads >= 1: the caller plus threads - 1 workers
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(ctx, t) for t in [0, nt) (nt <= threads()); rethrows the first exception thrown.
  void run(int nt, Fn fn, void* ctx);

 private:
  void worker_loop(int t);
  void call(int t);

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one job at a time
  std::mutex m_;
  std::condition_variable cv_work_, cv_done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  bool stop_ = false;
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  int job_threads_ = 0;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

// The pool with cpu_num_threads() threads (rebuilt when the count changes).
ThreadPool& thread_pool();

// True on a thread that is running a pool job (nested parallel loops run serially).
bool in_parallel_region();

}  // namespace acl::kernels::cpu
