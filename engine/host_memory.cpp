#include "engine/host_memory.h"

#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/runtime/env_integer.h"

#ifdef ACL_HAVE_CUDA
#include "kernels/runtime/caching_allocator.h"
#endif

namespace acl {
namespace {
constexpr size_t kAlignment = 64;

// The size class of a request of `bytes` >= kHostCacheMinBytes: rounded up to a multiple of
// 1/8 of its power of two.
size_t size_class(size_t bytes) {
  size_t top = 1;
  while (top * 2 <= bytes) top *= 2;
  const size_t step = top / 8;
  return (bytes + step - 1) / step * step;
}

uint64_t cache_limit_bytes() {
  const std::optional<long long> mb =
      env_integer("ACL_HOST_CACHE_LIMIT_MB", 0, std::numeric_limits<long long>::max() >> 20,
                  "a size in MB", "an integer >= 0");
  return static_cast<uint64_t>(mb.value_or(4096)) << 20;
}

void* aligned_or_throw(size_t bytes) {
  void* p = std::aligned_alloc(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
  if (!p) throw std::bad_alloc();
  return p;
}

class HostCache {
 public:
  void* allocate(size_t bytes) {
    if (bytes < kHostCacheMinBytes) return aligned_or_throw(bytes == 0 ? kAlignment : bytes);
    const size_t cls = size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(m_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        stats_.cached_bytes -= cls;
        stats_.allocated_bytes += cls;
        ++stats_.hits;
        return p;
      }
      ++stats_.misses;
      if (stats_.cached_bytes > 0 && stats_.cached_bytes + cls > limit_) release_locked();
      stats_.allocated_bytes += cls;
    }
    try {
      return aligned_or_throw(cls);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m_);
      stats_.allocated_bytes -= cls;
      release_locked();
      throw;
    }
  }

  void free(void* p, size_t bytes) {
    if (!p) return;
    if (bytes < kHostCacheMinBytes) {
      std::free(p);
      return;
    }
    const size_t cls = size_class(bytes);
    std::lock_guard<std::mutex> lock(m_);
    free_[cls].push_back(p);
    stats_.allocated_bytes -= cls;
    stats_.cached_bytes += cls;
  }

  HostCacheStats stats() {
    std::lock_guard<std::mutex> lock(m_);
    return stats_;
  }

  void release() {
    std::lock_guard<std::mutex> lock(m_);
    release_locked();
  }

 private:
  void release_locked() {
    for (auto& [cls, blocks] : free_) {
      for (void* p : blocks) std::free(p);
      stats_.cached_bytes -= cls * blocks.size();
      blocks.clear();
    }
  }

  std::mutex m_;
  std::map<size_t, std::vector<void*>> free_;
  HostCacheStats stats_;
  uint64_t limit_ = cache_limit_bytes();
};

HostCache& host_cache() {
  static HostCache* cache = new HostCache();  // never destroyed: tensors may outlive statics
  return *cache;
}

}  // namespace

void* host_allocate(size_t bytes) {
  return host_cache().allocate(bytes);
}
void host_free(void* p, size_t bytes) {
  host_cache().free(p, bytes);
}
HostCacheStats host_cache_stats() {
  return host_cache().stats();
}
void host_cache_release() {
  host_cache().release();
}

HostBuffer::HostBuffer(size_t bytes, bool pinned) : bytes_(bytes) {
  if (bytes == 0) return;
#ifdef ACL_HAVE_CUDA
  if (pinned) {
    data_ = allocate_pinned_host(bytes);
    pinned_ = true;
    return;
  }
#else
  (void)pinned;
#endif
  data_ = host_allocate(bytes);
}

HostBuffer::~HostBuffer() {
  release();
}

HostBuffer::HostBuffer(HostBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      bytes_(std::exchange(o.bytes_, 0)),
      pinned_(std::exchange(o.pinned_, false)) {}

HostBuffer& HostBuffer::operator=(HostBuffer&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    pinned_ = std::exchange(o.pinned_, false);
  }
  return *this;
}

void HostBuffer::release() {
  if (!data_) return;
#ifdef ACL_HAVE_CUDA
  if (pinned_) {
    try {
      free_pinned_host(data_);
    } catch (...) {  // a driver already shutting down at exit: nothing left to release
    }
    data_ = nullptr;
    return;
  }
#endif
  host_free(data_, bytes_);
  data_ = nullptr;
}

DeviceMemory device_memory() {
  DeviceMemory m;
#ifdef ACL_HAVE_CUDA
  CudaCachingAllocator::Stats s = cuda_allocator().stats();
  m.current_bytes = s.current_bytes;
  m.peak_bytes = s.peak_bytes;
#endif
  return m;
}

}  // namespace acl
