#include "engine/storage.h"

#include "engine/host_memory.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

#include "kernels/runtime/caching_allocator.h"
#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/host_sync.h"
#include "kernels/runtime/stream.h"
#endif

namespace acl {
namespace {
constexpr size_t kCpuAlignment = 64;

[[noreturn]] void no_cuda(const char* what) {
  throw std::runtime_error(std::string(what) +
                           ": CUDA memory requested but this build has no CUDA backend "
                           "(configure with -DACL_CUDA=ON on a machine with nvcc)");
}
}  // namespace

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  size_t padded =
      bytes == 0 ? kCpuAlignment : (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
  if (device == Device::CPU) {
    data_ = host_allocate(padded);  // the host caching allocator (engine/host_memory.h)
  } else {
#ifdef ACL_HAVE_CUDA
    // Stream-ordered: the block is reused only by work queued on the same compute stream.
    data_ = cuda_allocator().allocate(padded, compute_stream());
#else
    no_cuda("Storage");
#endif
  }
}

Storage::~Storage() {
  if (!data_) return;
  if (device_ == Device::CPU) {
    host_free(data_, bytes_ == 0 ? kCpuAlignment
                                 : (bytes_ + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment);
  } else {
#ifdef ACL_HAVE_CUDA
    cuda_allocator().free(data_);
#endif
  }
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  if (dst_device == Device::CPU && src_device == Device::CPU) {
    std::memcpy(dst, src, bytes);
    return;
  }
#ifdef ACL_HAVE_CUDA
  // Ordered after every kernel queued on the compute stream. A copy that touches host memory
  // waits for the stream: D2H so the host can read dst, H2D so the (possibly pageable) source can
  // be freed or reused at once. Device-to-device copies stay asynchronous.
  cudaMemcpyKind kind = dst_device == Device::CPU   ? cudaMemcpyDeviceToHost
                        : src_device == Device::CPU ? cudaMemcpyHostToDevice
                                                    : cudaMemcpyDeviceToDevice;
  cudaStream_t stream = compute_stream();
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream));
  if (kind != cudaMemcpyDeviceToDevice) {
    note_host_sync();
    CUDA_CHECK(cudaStreamSynchronize(stream));
  }
#else
  no_cuda("copy_bytes");
#endif
}

void CopyFence::wait() {
  if (!event_) return;
#ifdef ACL_HAVE_CUDA
  event_->synchronize();  // counts the host wait
#endif
  event_.reset();
}

AsyncUpload::AsyncUpload(Device device) : device_(device) {}

void AsyncUpload::copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  if (device_ == Device::CPU) {
    std::memcpy(dst, src, bytes);
    return;
  }
#ifdef ACL_HAVE_CUDA
  if (!started_) {  // the copy stream starts after the compute stream's queued work
    CudaEvent queued;
    queued.record(compute_stream());
    queued.wait(copy_stream());
    started_ = true;
  }
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, copy_stream()));
#else
  no_cuda("AsyncUpload");
#endif
}

CopyFence AsyncUpload::finish() {
  CopyFence fence;
  if (device_ == Device::CPU || !started_) return fence;
#ifdef ACL_HAVE_CUDA
  fence.event_ = std::make_shared<CudaEvent>();
  fence.event_->record(copy_stream());
  fence.event_->wait(compute_stream());
  started_ = false;
#endif
  return fence;
}

void zero_bytes(void* dst, Device device, size_t bytes) {
  if (bytes == 0) return;
  if (device == Device::CPU) {
    std::memset(dst, 0, bytes);
    return;
  }
#ifdef ACL_HAVE_CUDA
  CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, compute_stream()));
#else
  no_cuda("zero_bytes");
#endif
}

}  // namespace acl
