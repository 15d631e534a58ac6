// A process-wide count of host synchronisations: every place in the engine where the host waits for
// device work (a stream or event synchronisation, a copy to or from host memory that waits) calls
// note_host_sync(). Tests read host_sync_count() before and after a piece of work to bound how
// often it stalls the host. Header-only and free of CUDA headers, so every build can read it
// (always 0 without CUDA).
#pragma once

#include <atomic>
#include <cstdint>

namespace acl {

namespace detail {
inline std::atomic<uint64_t>& host_sync_counter() {
  static std::atomic<uint64_t> count{0};
  return count;
}
}  // namespace detail

inline void note_host_sync() {
  detail::host_sync_counter().fetch_add(1, std::memory_order_relaxed);
}

inline uint64_t host_sync_count() {
  return detail::host_sync_counter().load(std::memory_order_relaxed);
}

}  // namespace acl
