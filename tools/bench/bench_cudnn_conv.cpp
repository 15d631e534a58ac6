#include "tools/bench/bench_cudnn_conv.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/runtime/caching_allocator.h"

namespace acl::bench {

namespace detail {

void throw_cudnn_error(cudnnStatus_t status, const char* expr, const char* file, int line) {
  char last[512] = {0};
  cudnnGetLastErrorString(last, sizeof(last));
  std::string msg = std::string("cuDNN error ") + cudnnGetErrorString(status) + " (" +
                    std::to_string(static_cast<int>(status)) + ") at " + file + ":" +
                    std::to_string(line) + ": " + expr;
  if (last[0] != '\0') msg += " [" + std::string(last) + "]";
  throw std::runtime_error(msg);
}

}  // namespace detail

namespace {

std::string version_text(size_t v) {
  // cuDNN 9 encodes major * 10000 + minor * 100 + patch.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

const char* fwd_algo_name(cudnnConvolutionFwdAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM:
      return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
      return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
      return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT:
      return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING:
      return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    default:
      return "?";
  }
}

const char* bwd_data_algo_name(cudnnConvolutionBwdDataAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0:
      return "ALGO_0";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1:
      return "ALGO_1";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING:
      return "FFT_TILING";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    default:
      return "?";
  }
}

const char* bwd_filter_algo_name(cudnnConvolutionBwdFilterAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0:
      return "ALGO_0";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1:
      return "ALGO_1";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3:
      return "ALGO_3";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING:
      return "FFT_TILING";
    default:
      return "?";
  }
}

const char* math_name(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_DEFAULT_MATH:
      return "DEFAULT";
    case CUDNN_TENSOR_OP_MATH:
      return "TENSOR_OP";
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
      return "TENSOR_OP_ALLOW_CONVERSION";
    case CUDNN_FMA_MATH:
      return "FMA";
    default:
      return "?";
  }
}

struct TensorDescDeleter {
  void operator()(cudnnTensorDescriptor_t d) const { cudnnDestroyTensorDescriptor(d); }
};
struct FilterDescDeleter {
  void operator()(cudnnFilterDescriptor_t d) const { cudnnDestroyFilterDescriptor(d); }
};
struct ConvDescDeleter {
  void operator()(cudnnConvolutionDescriptor_t d) const { cudnnDestroyConvolutionDescriptor(d); }
};
using TensorDesc =
    std::unique_ptr<std::remove_pointer_t<cudnnTensorDescriptor_t>, TensorDescDeleter>;
using FilterDesc =
    std::unique_ptr<std::remove_pointer_t<cudnnFilterDescriptor_t>, FilterDescDeleter>;
using ConvDesc =
    std::unique_ptr<std::remove_pointer_t<cudnnConvolutionDescriptor_t>, ConvDescDeleter>;

// (n, c, 1, w) FP32 NCHW.
TensorDesc make_tensor_desc(int n, int c, int w) {
  cudnnTensorDescriptor_t d = nullptr;
  CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
  TensorDesc owned(d);
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, 1, w));
  return owned;
}

// A block of the caching allocator, handed back on destruction.
class Workspace {
 public:
  Workspace() = default;
  Workspace(size_t bytes, cudaStream_t stream)
      : ptr_(bytes > 0 ? acl::cuda_allocator().allocate(bytes, stream) : nullptr), bytes_(bytes) {}
  ~Workspace() { release(); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  Workspace& operator=(Workspace&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = o.ptr_;
      bytes_ = o.bytes_;
      o.ptr_ = nullptr;
      o.bytes_ = 0;
    }
    return *this;
  }

  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }

 private:
  void release() noexcept {
    if (ptr_ == nullptr) return;
    try {
      acl::cuda_allocator().free(ptr_);
    } catch (...) {
      // Only a pointer the allocator does not know can fail here; nothing to recover.
    }
    ptr_ = nullptr;
    bytes_ = 0;
  }

  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// The fastest successful result of a cudnnFind*AlgorithmEx search (results come sorted by time).
template <typename Perf>
Perf first_success(const std::vector<Perf>& perfs, int returned, const char* what) {
  for (int i = 0; i < returned; ++i) {
    if (perfs[static_cast<size_t>(i)].status == CUDNN_STATUS_SUCCESS) {
      return perfs[static_cast<size_t>(i)];
    }
  }
  throw std::runtime_error(std::string("cuDNN: no ") + what + " algorithm succeeded (" +
                           std::to_string(returned) + " tried)");
}

// Largest workspace query(algo, &bytes) reports over the `count` algorithms of one pass; an
// algorithm whose query fails (it does not support the configuration) is skipped.
template <typename Algo, typename Query>
size_t largest_workspace(int count, Query query) {
  size_t most = 0;
  for (int a = 0; a < count; ++a) {
    size_t s = 0;
    if (query(static_cast<Algo>(a), &s) == CUDNN_STATUS_SUCCESS) most = std::max(most, s);
  }
  return most;
}

}  // namespace

std::string cudnn_version_string() {
  return "cuDNN " + version_text(cudnnGetVersion()) + " (compiled against " +
         version_text(static_cast<size_t>(CUDNN_VERSION)) + ")";
}

CudnnHandle::CudnnHandle(cudaStream_t stream) : stream_(stream) {
  CUDNN_CHECK(cudnnCreate(&handle_));
  try {
    CUDNN_CHECK(cudnnSetStream(handle_, stream_));
  } catch (...) {
    cudnnDestroy(handle_);
    throw;
  }
}

CudnnHandle::~CudnnHandle() {
  if (handle_ != nullptr) cudnnDestroy(handle_);
}

const char* cudnn_math_label(CudnnMath math) {
  return math == CudnnMath::fp32 ? "fp32 (CUDNN_FMA_MATH)" : "tf32 (CUDNN_DEFAULT_MATH)";
}

struct CudnnConv1d::Impl {
  cudnnHandle_t handle = nullptr;
  CudnnConvPass pass = CudnnConvPass::forward;
  Conv1dBuffers buf;
  TensorDesc x_desc, y_desc;  // input (B, Cin, 1, L) and output-gradient/output (B, Cout, 1, Lout)
  FilterDesc w_desc;          // (Cout, Cin/groups, 1, K)
  ConvDesc conv_desc;
  cudnnConvolutionFwdAlgo_t fwd_algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwd_data_algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
  cudnnConvolutionBwdFilterAlgo_t bwd_filter_algo = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;  // the chosen algorithm's math type
  bool deterministic = true;
  float find_ms = 0;  // cuDNN's own measurement of the chosen algorithm during the search
  Workspace workspace;

  // Largest workspace any algorithm of this pass asks for (algorithms that do not support the
  // configuration are skipped), capped at `cap`.
  size_t max_workspace(size_t cap) const {
    size_t most = 0;
    if (pass == CudnnConvPass::forward) {
      most = largest_workspace<cudnnConvolutionFwdAlgo_t>(
          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, [&](cudnnConvolutionFwdAlgo_t a, size_t* s) {
            return cudnnGetConvolutionForwardWorkspaceSize(handle, x_desc.get(), w_desc.get(),
                                                           conv_desc.get(), y_desc.get(), a, s);
          });
    } else if (pass == CudnnConvPass::backward_data) {
      most = largest_workspace<cudnnConvolutionBwdDataAlgo_t>(
          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, [&](cudnnConvolutionBwdDataAlgo_t a, size_t* s) {
            return cudnnGetConvolutionBackwardDataWorkspaceSize(
                handle, w_desc.get(), y_desc.get(), conv_desc.get(), x_desc.get(), a, s);
          });
    } else {
      most = largest_workspace<cudnnConvolutionBwdFilterAlgo_t>(
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
          [&](cudnnConvolutionBwdFilterAlgo_t a, size_t* s) {
            return cudnnGetConvolutionBackwardFilterWorkspaceSize(
                handle, x_desc.get(), y_desc.get(), conv_desc.get(), w_desc.get(), a, s);
          });
    }
    return std::min(most, cap);
  }

  // Keeps the winner's math type, determinism and measured time; returns its workspace size.
  template <typename Perf>
  size_t record(const Perf& p) {
    math = p.mathType;
    deterministic = p.determinism == CUDNN_DETERMINISTIC;
    find_ms = p.time;
    return p.memory;
  }

  // Runs the cudnnFind*AlgorithmEx search with workspace `ws` and keeps the fastest algorithm;
  // returns the workspace size it needs.
  size_t find(const Workspace& ws) {
    int requested = 0, returned = 0;
    if (pass == CudnnConvPass::forward) {
      CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &requested));
      std::vector<cudnnConvolutionFwdAlgoPerf_t> perfs(static_cast<size_t>(requested));
      CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
          handle, x_desc.get(), buf.x, w_desc.get(), buf.w, conv_desc.get(), y_desc.get(), buf.out,
          requested, &returned, perfs.data(), ws.get(), ws.bytes()));
      const auto best = first_success(perfs, returned, "forward");
      fwd_algo = best.algo;
      return record(best);
    }
    if (pass == CudnnConvPass::backward_data) {
      CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &requested));
      std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perfs(static_cast<size_t>(requested));
      CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
          handle, w_desc.get(), buf.w, y_desc.get(), buf.dy, conv_desc.get(), x_desc.get(), buf.out,
          requested, &returned, perfs.data(), ws.get(), ws.bytes()));
      const auto best = first_success(perfs, returned, "backward-data");
      bwd_data_algo = best.algo;
      return record(best);
    }
    CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, &requested));
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perfs(static_cast<size_t>(requested));
    CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
        handle, x_desc.get(), buf.x, y_desc.get(), buf.dy, conv_desc.get(), w_desc.get(), buf.out,
        requested, &returned, perfs.data(), ws.get(), ws.bytes()));
    const auto best = first_success(perfs, returned, "backward-filter");
    bwd_filter_algo = best.algo;
    return record(best);
  }
};

CudnnConv1d::CudnnConv1d(const CudnnHandle& handle, const Conv1dGeometry& g, CudnnConvPass pass,
                         CudnnMath math, const Conv1dBuffers& buffers, size_t max_workspace_bytes)
    : impl_(std::make_unique<Impl>()) {
  if (g.B < 1 || g.Cin < 1 || g.Cout < 1 || g.L < 1 || g.K < 1 || g.stride < 1 || g.pad < 0 ||
      g.dil < 1 || g.groups < 1 || g.Cin % g.groups != 0 || g.Cout % g.groups != 0) {
    throw std::invalid_argument(
        "CudnnConv1d: invalid geometry B=" + std::to_string(g.B) + " Cin=" + std::to_string(g.Cin) +
        " Cout=" + std::to_string(g.Cout) + " L=" + std::to_string(g.L) +
        " K=" + std::to_string(g.K) + " stride=" + std::to_string(g.stride) +
        " pad=" + std::to_string(g.pad) + " dil=" + std::to_string(g.dil) +
        " groups=" + std::to_string(g.groups));
  }
  lout_ = (g.L + 2 * g.pad - g.dil * (g.K - 1) - 1) / g.stride + 1;
  if (lout_ < 1) throw std::invalid_argument("CudnnConv1d: output length < 1");
  const bool needs_x = pass != CudnnConvPass::backward_data;
  const bool needs_w = pass != CudnnConvPass::backward_filter;
  const bool needs_dy = pass != CudnnConvPass::forward;
  if (buffers.out == nullptr || (needs_x && buffers.x == nullptr) ||
      (needs_w && buffers.w == nullptr) || (needs_dy && buffers.dy == nullptr)) {
    throw std::invalid_argument("CudnnConv1d: a buffer this pass needs is null");
  }

  Impl& m = *impl_;
  m.handle = handle.get();
  m.pass = pass;
  m.buf = buffers;
  m.x_desc = make_tensor_desc(g.B, g.Cin, g.L);
  m.y_desc = make_tensor_desc(g.B, g.Cout, lout_);
  {
    cudnnFilterDescriptor_t d = nullptr;
    CUDNN_CHECK(cudnnCreateFilterDescriptor(&d));
    m.w_desc.reset(d);
    CUDNN_CHECK(cudnnSetFilter4dDescriptor(d, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, g.Cout,
                                           g.Cin / g.groups, 1, g.K));
  }
  {
    cudnnConvolutionDescriptor_t d = nullptr;
    CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
    m.conv_desc.reset(d);
    CUDNN_CHECK(cudnnSetConvolution2dDescriptor(d, 0, g.pad, 1, g.stride, 1, g.dil,
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_CHECK(cudnnSetConvolutionGroupCount(d, g.groups));
    CUDNN_CHECK(cudnnSetConvolutionMathType(
        d, math == CudnnMath::fp32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH));
  }
  // cuDNN's idea of the output shape must be ours.
  int n = 0, c = 0, h = 0, w = 0;
  CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(m.conv_desc.get(), m.x_desc.get(),
                                                    m.w_desc.get(), &n, &c, &h, &w));
  if (n != g.B || c != g.Cout || h != 1 || w != lout_) {
    throw std::runtime_error("CudnnConv1d: cuDNN output shape (" + std::to_string(n) + ", " +
                             std::to_string(c) + ", " + std::to_string(h) + ", " +
                             std::to_string(w) + ") differs from (" + std::to_string(g.B) + ", " +
                             std::to_string(g.Cout) + ", 1, " + std::to_string(lout_) + ")");
  }

  size_t chosen_bytes = 0;
  {
    Workspace search(m.max_workspace(max_workspace_bytes), handle.stream());
    chosen_bytes = m.find(search);
  }
  // Strict FP32 keeps CUDNN_FMA_MATH whatever the search reports; TF32 runs the math type the
  // winning algorithm was measured with (as PyTorch does).
  if (math == CudnnMath::tf32) CUDNN_CHECK(cudnnSetConvolutionMathType(m.conv_desc.get(), m.math));
  m.workspace = Workspace(chosen_bytes, handle.stream());
}

CudnnConv1d::~CudnnConv1d() = default;

void CudnnConv1d::launch() const {
  const Impl& m = *impl_;
  const float one = 1.0f, zero = 0.0f;
  if (m.pass == CudnnConvPass::forward) {
    CUDNN_CHECK(cudnnConvolutionForward(m.handle, &one, m.x_desc.get(), m.buf.x, m.w_desc.get(),
                                        m.buf.w, m.conv_desc.get(), m.fwd_algo, m.workspace.get(),
                                        m.workspace.bytes(), &zero, m.y_desc.get(), m.buf.out));
  } else if (m.pass == CudnnConvPass::backward_data) {
    CUDNN_CHECK(cudnnConvolutionBackwardData(
        m.handle, &one, m.w_desc.get(), m.buf.w, m.y_desc.get(), m.buf.dy, m.conv_desc.get(),
        m.bwd_data_algo, m.workspace.get(), m.workspace.bytes(), &zero, m.x_desc.get(), m.buf.out));
  } else {
    CUDNN_CHECK(cudnnConvolutionBackwardFilter(
        m.handle, &one, m.x_desc.get(), m.buf.x, m.y_desc.get(), m.buf.dy, m.conv_desc.get(),
        m.bwd_filter_algo, m.workspace.get(), m.workspace.bytes(), &zero, m.w_desc.get(),
        m.buf.out));
  }
}

std::string CudnnConv1d::describe() const {
  const Impl& m = *impl_;
  const char* algo = m.pass == CudnnConvPass::forward ? fwd_algo_name(m.fwd_algo)
                     : m.pass == CudnnConvPass::backward_data
                         ? bwd_data_algo_name(m.bwd_data_algo)
                         : bwd_filter_algo_name(m.bwd_filter_algo);
  char text[256];
  std::snprintf(text, sizeof(text), "algo %s, math %s, %s, workspace %.1f MiB, find %.4f ms", algo,
                math_name(m.math), m.deterministic ? "deterministic" : "nondeterministic",
                static_cast<double>(m.workspace.bytes()) / (1 << 20),
                static_cast<double>(m.find_ms));
  return text;
}

}  // namespace acl::bench
