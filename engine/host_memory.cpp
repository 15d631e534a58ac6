#include "engine/host_memory.h"

#include <cstdlib>
#include <new>
#include <utility>

#ifdef ACL_HAVE_CUDA
#include "kernels/runtime/caching_allocator.h"
#endif

namespace acl {
namespace {
constexpr size_t kAlignment = 64;
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
  data_ = std::aligned_alloc(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
  if (!data_) throw std::bad_alloc();
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
  std::free(data_);
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
