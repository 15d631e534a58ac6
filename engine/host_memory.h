// Host buffers for batches on their way to the device, and the device-memory figures the metrics
// report, behind a device-neutral API: in a build without CUDA (no ACL_HAVE_CUDA) buffers are plain
// aligned host memory and the device figures are zero.
#pragma once

#include <cstddef>
#include <cstdint>

namespace acl {

// An owned host buffer of `bytes` bytes, 64-byte aligned. With `pinned` (and a CUDA build) it is
// page-locked (cudaHostAlloc through the engine's allocator), so host-to-device copies from it run
// at full bus speed; without CUDA `pinned` is ignored.
class HostBuffer {
 public:
  HostBuffer() = default;
  HostBuffer(size_t bytes, bool pinned);
  ~HostBuffer();
  HostBuffer(HostBuffer&& o) noexcept;
  HostBuffer& operator=(HostBuffer&& o) noexcept;
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  bool pinned() const { return pinned_; }

 private:
  void release();
  void* data_ = nullptr;
  size_t bytes_ = 0;
  bool pinned_ = false;
};

// Host memory for tensor storage: a caching allocator. Blocks of at least kHostCacheMinBytes are
// rounded up to a size class (eight classes per power of two, so at most 12.5 % is wasted) and,
// when freed, kept on that class's free list for the next request of the class instead of going
// back to the C library: a training step, which frees and allocates the same shapes every step,
// then takes no page faults for its activations after the first. Smaller blocks use aligned_alloc
// directly. Cached blocks are released when a miss would push the cache past its limit
// (ACL_HOST_CACHE_LIMIT_MB, default 4096 MB) and by host_cache_release(). Every block is 64-byte
// aligned. Thread-safe.
constexpr size_t kHostCacheMinBytes = 16384;
void* host_allocate(size_t bytes);      // bytes == 0 gives a valid 64-byte block
void host_free(void* p, size_t bytes);  // `bytes` as passed to host_allocate
struct HostCacheStats {
  uint64_t allocated_bytes = 0;  // in blocks handed out now (size classes, cached sizes only)
  uint64_t cached_bytes = 0;     // on the free lists
  uint64_t hits = 0;             // requests served from a free list
  uint64_t misses = 0;           // requests that went to the C library (cached sizes only)
};
HostCacheStats host_cache_stats();
void host_cache_release();  // frees every cached block

// Bytes of device memory the CUDA caching allocator has handed out now and at most since the
// process started; both 0 in a build without CUDA.
struct DeviceMemory {
  uint64_t current_bytes = 0;
  uint64_t peak_bytes = 0;
};
DeviceMemory device_memory();

}  // namespace acl
