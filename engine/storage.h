// Reference-counted byte buffer on one device. Tensors share a Storage; views (reshape, detach)
// alias it. CPU memory is 64-byte aligned; CUDA memory comes from the caching allocator.
#pragma once

#include <cstddef>
#include <memory>

#include "engine/dtype.h"

namespace acl {

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
// compute stream. A copy to or from the host has finished when the call returns; a device-to-device
// copy is queued on the compute stream (later ops on that stream see it).
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);
// Sets `bytes` bytes to zero on `device` (on CUDA: queued on the compute stream).
void zero_bytes(void* dst, Device device, size_t bytes);

}  // namespace acl
