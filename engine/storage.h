// Reference-counted byte buffer on one device. Tensors share a Storage; views (reshape, detach)
// alias it. CPU memory is 64-byte aligned, from the host caching allocator (engine/host_memory.h);
// CUDA memory comes from the CUDA caching allocator.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "engine/dtype.h"

namespace acl {

class CudaEvent;  // kernels/runtime/stream.h

class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::CPU;
};

// Copies `bytes` between two buffers on any pair of devices, ordered after the work queued on the
// compute stream. A copy to or from the host has finished when the call returns (a host wait,
// counted in host_sync_count()); a device-to-device copy is queued on the compute stream (later ops
// on that stream see it).
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);
// A point in the copy stream's queue: wait() blocks the host until the copies queued before it have
// finished (then their host sources may be reused). An empty fence (CPU copies) never waits.
class CopyFence {
 public:
  bool pending() const { return event_ != nullptr; }
  void wait();  // counts in host_sync_count() when pending; empty afterwards

 private:
  friend class AsyncUpload;
  std::shared_ptr<CudaEvent> event_;
};

// Host-to-device copies of one batch without a host wait. On CUDA the copies run on the copy stream
// after the work already queued on the compute stream (a destination may reuse memory that work
// freed), and finish() makes the compute stream wait for them through an event, so later ops see
// the data. The host sources must stay unchanged until the returned fence has passed; pinned
// sources (HostBuffer) make the copies truly asynchronous. On the CPU copy() is a memcpy.
class AsyncUpload {
 public:
  explicit AsyncUpload(Device device);
  // Queues a copy of `bytes` bytes from host memory `src` to `dst` on the upload's device.
  void copy(void* dst, const void* src, size_t bytes);
  // The compute stream waits for every queued copy; the fence marks their end for the host.
  CopyFence finish();

 private:
  Device device_;
  bool started_ = false;
};

// Sets `bytes` bytes to zero on `device` (on CUDA: queued on the compute stream).
void zero_bytes(void* dst, Device device, size_t bytes);

}  // namespace acl
