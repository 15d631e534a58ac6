// CUDA streams, events and cuBLAS handles of the engine.
//
// Every op runs on the compute stream of the current device: one non-blocking stream per device,
// created on first use (thread safe) and kept for the life of the process, so work on it never
// serialises with the legacy default stream. copy_stream() is a second non-blocking stream per
// device for transfers that should overlap compute (ordered with the compute stream only through
// events). cublas_handle(s) is a cuBLAS handle bound to stream s on the current device, created
// once per (device, stream) with the default math mode (no TF32: f32 GEMMs stay IEEE f32, so the
// f32-vs-f64 parity tolerances hold).
//
// The registries that own the streams and handles are never destroyed (like cuda_allocator()):
// tearing CUDA objects down during static destruction races the driver's own shutdown.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace acl {

cudaStream_t compute_stream();
cudaStream_t copy_stream();
cublasHandle_t cublas_handle(cudaStream_t stream);

// Blocks the host until all work queued on the current device's compute stream has finished.
// Host waits (this and CudaEvent::synchronize) count in host_sync_count() (host_sync.h).
void synchronize_compute_stream();

// RAII owner of a cudaEvent_t (timing disabled unless asked for). Not copyable; movable.
class CudaEvent {
 public:
  explicit CudaEvent(bool timing = false);
  ~CudaEvent();
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  CudaEvent(CudaEvent&& other) noexcept;
  CudaEvent& operator=(CudaEvent&& other) noexcept;

  void record(cudaStream_t stream);
  void wait(cudaStream_t stream) const;  // `stream` waits for this event (no host wait)
  void synchronize() const;              // the host waits for this event
  float elapsed_ms_since(const CudaEvent& start) const;  // both recorded with timing = true
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace acl
