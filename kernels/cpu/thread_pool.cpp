// kernels/cpu/thread_pool.h and the thread count of kernels/cpu_threads.h.
#include "kernels/cpu/thread_pool.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "kernels/cpu_threads.h"
#include "kernels/runtime/env_integer.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ACL_CPU_RELAX() _mm_pause()
#else
#define ACL_CPU_RELAX() ((void)0)
#endif

// OpenBLAS's pthread build (Debian libopenblas0-pthread) starts its worker threads when it is
// loaded; they poll for work with sched_yield until a timeout. Where the build exports its shutdown
// entry point, the engine stops them at start-up (OpenBLAS runs single-threaded inside the engine
// anyway, and would start them again if a caller raised its thread count).
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace acl::kernels {
namespace {

bool quiet_openblas() {
  openblas_set_num_threads(1);
  if (blas_thread_shutdown_ != nullptr) blas_thread_shutdown_();
  return true;
}
const bool g_openblas_quiet = quiet_openblas();

// Pause iterations a waiting thread spins before it sleeps (roughly 20-100 us): long enough to
// catch the next kernel's job in a training step, short enough not to matter when idle.
constexpr int kSpinIterations = 2000;

thread_local bool t_in_job = false;

std::atomic<int> g_threads{0};  // 0: not set yet
std::mutex g_pool_mutex;
std::unique_ptr<cpu::ThreadPool> g_pool;

int affinity_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

}  // namespace

int default_cpu_num_threads() {
  const std::optional<long long> n =
      env_integer("ACL_NUM_THREADS", 1, 1024, "a thread count", "an integer in [1, 1024]");
  return n ? static_cast<int>(*n) : affinity_cores();
}

void set_cpu_num_threads(int n) {
  const int t = n > 0 ? n : default_cpu_num_threads();
  // The engine parallelises its own loops; OpenBLAS threads would only spin beside them.
  openblas_set_num_threads(1);
  g_threads.store(t);
}

int cpu_num_threads() {
  int t = g_threads.load(std::memory_order_relaxed);
  if (t == 0) {
    set_cpu_num_threads(0);
    t = g_threads.load();
  }
  return t;
}

namespace cpu {

bool in_parallel_region() {
  return t_in_job;
}

ThreadPool& thread_pool() {
  const int n = cpu_num_threads();
  // A forked child has none of the parent's workers: it drops (leaks) the parent's pool object
  // and builds its own on first use.
  static const bool at_fork_registered = [] {
    pthread_atfork(nullptr, nullptr, [] { (void)g_pool.release(); });
    return true;
  }();
  (void)at_fork_registered;
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (!g_pool || g_pool->threads() != n) {
    g_pool.reset();  // joins the old workers
    g_pool = std::make_unique<ThreadPool>(n);
  }
  return *g_pool;
}

ThreadPool::ThreadPool(int threads) {
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  cv_work_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::call(int t) {
  t_in_job = true;
  try {
    fn_(ctx_, t);
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
  }
  t_in_job = false;
}

void ThreadPool::run(int nt, Fn fn, void* ctx) {
  std::unique_lock<std::mutex> run_lock(run_mutex_, std::try_to_lock);
  if (nt <= 1 || t_in_job || !run_lock.owns_lock() || workers_.empty()) {
    for (int t = 0; t < nt; ++t) fn(ctx, t);  // nested or contended: serial, same results
    return;
  }
  if (nt > threads()) nt = threads();
  error_ = nullptr;
  {
    std::lock_guard<std::mutex> lock(m_);
    fn_ = fn;
    ctx_ = ctx;
    job_threads_ = nt;
    remaining_.store(nt - 1);
    generation_.fetch_add(1);
  }
  cv_work_.notify_all();
  call(0);
  for (int i = 0; i < kSpinIterations && remaining_.load(std::memory_order_acquire) > 0; ++i) {
    ACL_CPU_RELAX();
  }
  if (remaining_.load(std::memory_order_acquire) > 0) {
    std::unique_lock<std::mutex> lock(m_);
    cv_done_.wait(lock, [this] { return remaining_.load() == 0; });
  }
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker_loop(int t) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    for (int i = 0; i < kSpinIterations && g == seen; ++i) {
      ACL_CPU_RELAX();
      g = generation_.load(std::memory_order_acquire);
    }
    int nt;
    {
      std::unique_lock<std::mutex> lock(m_);
      cv_work_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      if (stop_) return;
      seen = generation_.load();
      nt = job_threads_;
    }
    if (t < nt) {
      call(t);
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(m_);
        cv_done_.notify_one();
      }
    }
  }
}

}  // namespace cpu
}  // namespace acl::kernels
