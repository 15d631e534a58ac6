#include "kernels/runtime/stream.h"

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/host_sync.h"

namespace acl {
namespace {

// Sole owner of a CUDA or cuBLAS handle: Destroy(handle) on destruction, its status ignored.
template <typename Handle, auto Destroy>
class OwnedHandle {
 public:
  OwnedHandle() = default;
  ~OwnedHandle() {
    if (handle_) (void)Destroy(handle_);
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  Handle get() const { return handle_; }

 protected:
  Handle handle_ = nullptr;
};

// A non-blocking stream.
class CudaStream : public OwnedHandle<cudaStream_t, cudaStreamDestroy> {
 public:
  CudaStream() { CUDA_CHECK(cudaStreamCreateWithFlags(&handle_, cudaStreamNonBlocking)); }
};

// A cuBLAS handle bound to one stream.
class CublasHandle : public OwnedHandle<cublasHandle_t, cublasDestroy> {
 public:
  explicit CublasHandle(cudaStream_t stream) {
    CUBLAS_CHECK(cublasCreate(&handle_));  // from here on, a throw destroys it (~OwnedHandle)
    CUBLAS_CHECK(cublasSetStream(handle_, stream));
    // CUBLAS_DEFAULT_MATH: no TF32 tensor-op math for f32, so results are IEEE f32 GEMMs.
    CUBLAS_CHECK(cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH));
  }
};

struct DeviceStreams {
  CudaStream compute;
  CudaStream copy;
};

class Registry {
 public:
  DeviceStreams& streams(int device) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(device);
    if (it == streams_.end()) {
      it = streams_.emplace(device, std::make_unique<DeviceStreams>()).first;
    }
    return *it->second;
  }

  cublasHandle_t cublas(int device, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_pair(device, stream);
    auto it = cublas_.find(key);
    if (it == cublas_.end()) {
      it = cublas_.emplace(key, std::make_unique<CublasHandle>(stream)).first;
    }
    return it->second->get();
  }

 private:
  std::mutex mu_;
  std::map<int, std::unique_ptr<DeviceStreams>> streams_;
  std::map<std::pair<int, cudaStream_t>, std::unique_ptr<CublasHandle>> cublas_;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: see the header
  return *r;
}

int current_device() {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

}  // namespace

cudaStream_t compute_stream() {
  return registry().streams(current_device()).compute.get();
}

cudaStream_t copy_stream() {
  return registry().streams(current_device()).copy.get();
}

cublasHandle_t cublas_handle(cudaStream_t stream) {
  return registry().cublas(current_device(), stream);
}

void synchronize_compute_stream() {
  note_host_sync();
  CUDA_CHECK(cudaStreamSynchronize(compute_stream()));
}

CudaEvent::CudaEvent(bool timing) {
  CUDA_CHECK(cudaEventCreateWithFlags(&event_, timing ? cudaEventDefault : cudaEventDisableTiming));
}

CudaEvent::~CudaEvent() {
  if (event_) (void)cudaEventDestroy(event_);
}

CudaEvent::CudaEvent(CudaEvent&& other) noexcept : event_(other.event_) {
  other.event_ = nullptr;
}

CudaEvent& CudaEvent::operator=(CudaEvent&& other) noexcept {
  if (this != &other) {
    if (event_) (void)cudaEventDestroy(event_);
    event_ = other.event_;
    other.event_ = nullptr;
  }
  return *this;
}

void CudaEvent::record(cudaStream_t stream) {
  CUDA_CHECK(cudaEventRecord(event_, stream));
}

void CudaEvent::wait(cudaStream_t stream) const {
  CUDA_CHECK(cudaStreamWaitEvent(stream, event_, 0));
}

void CudaEvent::synchronize() const {
  note_host_sync();
  CUDA_CHECK(cudaEventSynchronize(event_));
}

float CudaEvent::elapsed_ms_since(const CudaEvent& start) const {
  float ms = 0.0f;
  CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
  return ms;
}

}  // namespace acl
