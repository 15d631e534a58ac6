// Elementwise arithmetic and activations on CUDA, over n contiguous elements (see
// kernels/elementwise.h for the contract):
//   add/sub/mul:  out = a op b            (written)
//   scale:        out = s * x             (written)
//   axpy:         y  += alpha * x         (accumulated: gradient sums)
//   fill:         out = value             (written)
//   relu / gelu forward (written) and backward grad_in = grad_out * f'(x) (written).
// One thread per element in a grid-stride loop; out may alias an input (each element is read and
// written by the same thread). Arithmetic in float, exact GELU with erf, as the CPU twin.
#include "kernels/cuda/common.cuh"
#include "kernels/elementwise.h"

namespace acl::kernels {
namespace {

using cuda_detail::grid_for;
using cuda_detail::grid_start;
using cuda_detail::grid_step;

constexpr int kBlockSize = 256;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

struct AddOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct SubOp {
  __device__ float operator()(float a, float b) const { return a - b; }
};
struct MulOp {
  __device__ float operator()(float a, float b) const { return a * b; }
};
struct ScaleOp {
  float s;
  __device__ float operator()(float x) const { return s * x; }
};
struct ReluOp {
  __device__ float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
};
struct GeluOp {
  __device__ float operator()(float v) const {
    return v * 0.5f * (1.0f + hd_erf(v * static_cast<float>(kInvSqrt2)));
  }
};
// Backward ops take (grad_out, x).
struct ReluBackwardOp {
  __device__ float operator()(float g, float x) const { return x > 0.0f ? g : 0.0f; }
};
struct GeluBackwardOp {
  __device__ float operator()(float g, float v) const {
    float cdf = 0.5f * (1.0f + hd_erf(v * static_cast<float>(kInvSqrt2)));
    float pdf = static_cast<float>(kInvSqrt2Pi) * hd_exp(-0.5f * v * v);
    return g * (cdf + v * pdf);
  }
};

// out[i] = op(a[i], b[i])
template <typename Op>
static __global__ void binary_kernel(float* out, const float* a, const float* b, int64_t n, Op op) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    out[i] = op(a[i], b[i]);
  }
}

// out[i] = op(x[i])
template <typename Op>
static __global__ void unary_kernel(float* out, const float* x, int64_t n, Op op) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    out[i] = op(x[i]);
  }
}

// y[i] += alpha * x[i]
static __global__ void axpy_kernel(float* y, const float* x, float alpha, int64_t n) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    y[i] += alpha * x[i];
  }
}

static __global__ void fill_kernel(float* out, float value, int64_t n) {
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    out[i] = value;
  }
}

template <typename Op>
static void launch_binary(const char* op_name, float* out, const float* a, const float* b,
                          int64_t n, Op op, cudaStream_t stream) {
  check_count(op_name, "n", n);
  check_ptr(op_name, "out", out, n);
  check_ptr(op_name, "a", a, n);
  check_ptr(op_name, "b", b, n);
  if (n == 0) return;
  binary_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, a, b, n, op);
  CUDA_CHECK(cudaGetLastError());
}

template <typename Op>
static void launch_unary(const char* op_name, float* out, const float* x, int64_t n, Op op,
                         cudaStream_t stream) {
  check_count(op_name, "n", n);
  check_ptr(op_name, "out", out, n);
  check_ptr(op_name, "x", x, n);
  if (n == 0) return;
  unary_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, x, n, op);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void add_cuda(float* out, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  launch_binary("add_cuda", out, a, b, n, AddOp{}, stream);
}
void sub_cuda(float* out, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  launch_binary("sub_cuda", out, a, b, n, SubOp{}, stream);
}
void mul_cuda(float* out, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  launch_binary("mul_cuda", out, a, b, n, MulOp{}, stream);
}
void scale_cuda(float* out, const float* x, float s, int64_t n, cudaStream_t stream) {
  launch_unary("scale_cuda", out, x, n, ScaleOp{s}, stream);
}
void axpy_cuda(float* y, const float* x, float alpha, int64_t n, cudaStream_t stream) {
  check_count("axpy_cuda", "n", n);
  check_ptr("axpy_cuda", "y", y, n);
  check_ptr("axpy_cuda", "x", x, n);
  if (n == 0) return;
  axpy_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(y, x, alpha, n);
  CUDA_CHECK(cudaGetLastError());
}
void fill_cuda(float* out, float value, int64_t n, cudaStream_t stream) {
  check_count("fill_cuda", "n", n);
  check_ptr("fill_cuda", "out", out, n);
  if (n == 0) return;
  fill_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, value, n);
  CUDA_CHECK(cudaGetLastError());
}

void relu_forward_cuda(float* out, const float* x, int64_t n, cudaStream_t stream) {
  launch_unary("relu_forward_cuda", out, x, n, ReluOp{}, stream);
}
void relu_backward_cuda(float* grad_in, const float* grad_out, const float* x, int64_t n,
                        cudaStream_t stream) {
  launch_binary("relu_backward_cuda", grad_in, grad_out, x, n, ReluBackwardOp{}, stream);
}
void gelu_forward_cuda(float* out, const float* x, int64_t n, cudaStream_t stream) {
  launch_unary("gelu_forward_cuda", out, x, n, GeluOp{}, stream);
}
void gelu_backward_cuda(float* grad_in, const float* grad_out, const float* x, int64_t n,
                        cudaStream_t stream) {
  launch_binary("gelu_backward_cuda", grad_in, grad_out, x, n, GeluBackwardOp{}, stream);
}

}  // namespace acl::kernels
