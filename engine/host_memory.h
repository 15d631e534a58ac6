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

// Bytes of device memory the CUDA caching allocator has handed out now and at most since the
// process started; both 0 in a build without CUDA.
struct DeviceMemory {
  uint64_t current_bytes = 0;
  uint64_t peak_bytes = 0;
};
DeviceMemory device_memory();

}  // namespace acl
