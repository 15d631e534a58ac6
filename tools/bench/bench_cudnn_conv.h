// cuDNN as the conv1d yardstick of acl_bench. cuDNN is never part of the engine: the engine's CUDA
// convolutions are its own kernels (kernels/conv1d.h); this wrapper exists only to time cuDNN on
// the same shapes and to check both against each other.
//
// It drives cuDNN 9's legacy convolution API (cudnnConvolutionForward,
// cudnnConvolutionBackwardData, cudnnConvolutionBackwardFilter). A conv1d (B, Cin, L) * (Cout,
// Cin/groups, K) is the 2-D NCHW convolution (B, Cin, 1, L) * (Cout, Cin/groups, 1, K) with padding
// (0, pad), stride (1, stride), dilation (1, dil), cross-correlation mode, FP32 data and compute,
// and the group count set by cudnnSetConvolutionGroupCount. No bias: the encoders' convolutions
// have none.
//
// Math mode (cudnnMathType_t), the same choice PyTorch makes from torch.backends.cudnn.allow_tf32:
//   CudnnMath::fp32  CUDNN_FMA_MATH: FP32 FMA kernels only, no tensor cores, no TF32 rounding
//                    of the inputs (the arithmetic of acl's own kernels).
//   CudnnMath::tf32  CUDNN_DEFAULT_MATH: on Ampere and newer cuDNN may run an FP32 convolution on
//                    tensor cores with its inputs rounded to TF32 (10-bit mantissa), accumulating
//                    in FP32. The algorithm search decides; the chosen math type is reported by
//                    describe(). (The environment variable NVIDIA_TF32_OVERRIDE=0 forbids TF32
//                    process-wide, making these runs FP32.)
//
// The algorithm is the fastest one that cudnnFind*AlgorithmEx measures on the caller's buffers,
// with a workspace from the engine's caching allocator (on the stream the handle is bound to) of up
// to `max_workspace_bytes` during the search and exactly the chosen algorithm's size afterwards.
// Non-deterministic algorithms (atomics) are allowed, as with PyTorch's cudnn.benchmark = True
// without cudnn.deterministic. The search overwrites the output buffer.
//
// Errors: every cuDNN call goes through CUDNN_CHECK, which throws std::runtime_error naming the
// call, the status (cudnnGetErrorString), cuDNN's last error message and the source line.
#pragma once

#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <memory>
#include <string>

namespace acl::bench {

namespace detail {
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* expr, const char* file,
                                    int line);
}  // namespace detail

#define CUDNN_CHECK(expr)                                                                          \
  do {                                                                                             \
    cudnnStatus_t acl_cudnn_check_status_ = (expr);                                                \
    if (acl_cudnn_check_status_ != CUDNN_STATUS_SUCCESS) {                                         \
      ::acl::bench::detail::throw_cudnn_error(acl_cudnn_check_status_, #expr, __FILE__, __LINE__); \
    }                                                                                              \
  } while (0)

// "cuDNN 9.19.0 (compiled against 9.19.0)". Never throws.
std::string cudnn_version_string();

// An owned cudnnHandle_t bound to one stream. Not copyable.
class CudnnHandle {
 public:
  explicit CudnnHandle(cudaStream_t stream);
  ~CudnnHandle();
  CudnnHandle(const CudnnHandle&) = delete;
  CudnnHandle& operator=(const CudnnHandle&) = delete;

  cudnnHandle_t get() const { return handle_; }
  cudaStream_t stream() const { return stream_; }

 private:
  cudnnHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
};

enum class CudnnConvPass { forward, backward_data, backward_filter };
enum class CudnnMath { fp32, tf32 };

// "fp32 (CUDNN_FMA_MATH)", "tf32 (CUDNN_DEFAULT_MATH)"
const char* cudnn_math_label(CudnnMath math);

struct Conv1dGeometry {
  int B = 0, Cin = 0, Cout = 0, L = 0, K = 0, stride = 1, pad = 0, dil = 1, groups = 1;
};

// Device pointers of one pass. forward: out = y (B, Cout, Lout) from x and w. backward_data:
// out = dx (B, Cin, L) from dy and w. backward_filter: out = dw (Cout, Cin/groups, K) from x and
// dy. Inputs a pass does not use may be null.
struct Conv1dBuffers {
  const float* x = nullptr;
  const float* w = nullptr;
  const float* dy = nullptr;
  float* out = nullptr;
};

// One pass of one convolution, described to cuDNN, its algorithm chosen and its workspace held.
// launch() enqueues it on the handle's stream (out = result, beta = 0). The handle and the buffers
// must outlive the object. Not copyable.
class CudnnConv1d {
 public:
  CudnnConv1d(const CudnnHandle& handle, const Conv1dGeometry& geometry, CudnnConvPass pass,
              CudnnMath math, const Conv1dBuffers& buffers,
              size_t max_workspace_bytes = size_t{4} << 30);
  ~CudnnConv1d();
  CudnnConv1d(const CudnnConv1d&) = delete;
  CudnnConv1d& operator=(const CudnnConv1d&) = delete;

  void launch() const;

  // "algo IMPLICIT_PRECOMP_GEMM, math TENSOR_OP, nondeterministic, workspace 12.0 MiB,
  // find 0.031 ms"
  std::string describe() const;
  int out_length() const { return lout_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int lout_ = 0;
};

}  // namespace acl::bench
