// Parallel loops of the CPU kernels, on the pool of kernels/cpu/thread_pool.h.
// parallel_for(n, grain, f) calls f(begin, end) on disjoint ranges covering [0, n), one range per
// thread, in parallel when n holds at least two grains of work; f must not depend on how [0, n) is
// split (each index writes its own outputs). Reductions whose result must not depend on the thread
// count use fixed_chunks(): the chunking is a function of the size only, and the caller combines
// the per-chunk partials in chunk order. An exception thrown by f on any thread is rethrown on the
// calling thread (the first one caught).
#pragma once

#include <cstdint>

#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu_threads.h"

namespace acl::kernels::cpu {

// Threads worth using for n items of which `grain` make one thread's minimum share.
inline int threads_for(int64_t n, int64_t grain) {
  const int t = cpu_num_threads();  // the first call also sets OpenBLAS to one thread
  if (t <= 1 || n < 2 * grain || in_parallel_region()) return 1;
  const int64_t by_work = n / (grain > 0 ? grain : 1);
  return static_cast<int>(by_work < t ? by_work : t);
}

template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  const int nt = threads_for(n, grain);
  if (nt <= 1) {
    f(int64_t{0}, n);
    return;
  }
  struct Ctx {
    F* f;
    int64_t n;
    int nt;
  } ctx{&f, n, nt};
  thread_pool().run(
      nt,
      [](void* p, int t) {
        const Ctx& c = *static_cast<const Ctx*>(p);
        const int64_t begin = c.n * t / c.nt, end = c.n * (t + 1) / c.nt;
        if (begin < end) (*c.f)(begin, end);
      },
      &ctx);
}

// Fixed chunking of n items for reductions: chunk i is [i*size, min(n, (i+1)*size)), with size
// chosen from n alone so that partial sums are the same for every thread count.
struct FixedChunks {
  int64_t size;
  int64_t count;
};
inline FixedChunks fixed_chunks(int64_t n, int64_t min_size, int64_t max_chunks) {
  if (n <= 0) return {1, 0};
  int64_t size = min_size > 0 ? min_size : 1;
  if ((n + size - 1) / size > max_chunks) size = (n + max_chunks - 1) / max_chunks;
  return {size, (n + size - 1) / size};
}

}  // namespace acl::kernels::cpu
