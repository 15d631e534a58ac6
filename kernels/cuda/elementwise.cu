// Elementwise arithmetic and activations on CUDA, over n contiguous elements (see
// kernels/elementwise.h for the contract):
//   add/sub/mul:  out = a op b            (written)
//   scale:        out = s * x             (written)
//   axpy:         y  += alpha * x         (accumulated: gradient sums)
//   fill:         out = value             (written)
//   relu / gelu forward (written) and backward grad_in = grad_out * f'(x) (written).
// One thread per element in a grid-stride loop; out may alias an input (each element is read and
// written by the same thread). Arithmetic in T, exact GELU with erf, as the CPU twin.
#include "kernels/cuda/common.cuh"
#include "kernels/elementwise.h"

namespace acl::kernels {
namespace {

using cuda_detail::check_count;
using cuda_detail::check_ptr;
using cuda_detail::d_erf;
using cuda_detail::d_exp;
using cuda_detail::grid_for;

constexpr int kBlockSize = 256;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

template <typename T>
struct AddOp {
  __device__ T operator()(T a, T b) const { return a + b; }
};
template <typename T>
struct SubOp {
  __device__ T operator()(T a, T b) const { return a - b; }
};
template <typename T>
struct MulOp {
  __device__ T operator()(T a, T b) const { return a * b; }
};
template <typename T>
struct ScaleOp {
  T s;
  __device__ T operator()(T x) const { return s * x; }
};
template <typename T>
struct ReluOp {
  __device__ T operator()(T x) const { return x > T(0) ? x : T(0); }
};
template <typename T>
struct GeluOp {
  __device__ T operator()(T v) const { return v * T(0.5) * (T(1) + d_erf(v * T(kInvSqrt2))); }
};
// Backward ops take (grad_out, x).
template <typename T>
struct ReluBackwardOp {
  __device__ T operator()(T g, T x) const { return x > T(0) ? g : T(0); }
};
template <typename T>
struct GeluBackwardOp {
  __device__ T operator()(T g, T v) const {
    T cdf = T(0.5) * (T(1) + d_erf(v * T(kInvSqrt2)));
    T pdf = T(kInvSqrt2Pi) * d_exp(T(-0.5) * v * v);
    return g * (cdf + v * pdf);
  }
};

// out[i] = op(a[i], b[i])
template <typename T, typename Op>
static __global__ void binary_kernel(T* out, const T* a, const T* b, int64_t n, Op op) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = op(a[i], b[i]);
  }
}

// out[i] = op(x[i])
template <typename T, typename Op>
static __global__ void unary_kernel(T* out, const T* x, int64_t n, Op op) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = op(x[i]);
  }
}

// y[i] += alpha * x[i]
template <typename T>
static __global__ void axpy_kernel(T* y, const T* x, T alpha, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    y[i] += alpha * x[i];
  }
}

template <typename T>
static __global__ void fill_kernel(T* out, T value, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = value;
  }
}

template <typename T, typename Op>
static void launch_binary(const char* op_name, T* out, const T* a, const T* b, int64_t n, Op op,
                          cudaStream_t stream) {
  check_count(op_name, "n", n);
  check_ptr(op_name, "out", out, n);
  check_ptr(op_name, "a", a, n);
  check_ptr(op_name, "b", b, n);
  if (n == 0) return;
  binary_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, a, b, n, op);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T, typename Op>
static void launch_unary(const char* op_name, T* out, const T* x, int64_t n, Op op,
                         cudaStream_t stream) {
  check_count(op_name, "n", n);
  check_ptr(op_name, "out", out, n);
  check_ptr(op_name, "x", x, n);
  if (n == 0) return;
  unary_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, x, n, op);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace

template <typename T>
void add_cuda(T* out, const T* a, const T* b, int64_t n, cudaStream_t stream) {
  launch_binary("add_cuda", out, a, b, n, AddOp<T>{}, stream);
}
template <typename T>
void sub_cuda(T* out, const T* a, const T* b, int64_t n, cudaStream_t stream) {
  launch_binary("sub_cuda", out, a, b, n, SubOp<T>{}, stream);
}
template <typename T>
void mul_cuda(T* out, const T* a, const T* b, int64_t n, cudaStream_t stream) {
  launch_binary("mul_cuda", out, a, b, n, MulOp<T>{}, stream);
}
template <typename T>
void scale_cuda(T* out, const T* x, T s, int64_t n, cudaStream_t stream) {
  launch_unary("scale_cuda", out, x, n, ScaleOp<T>{s}, stream);
}
template <typename T>
void axpy_cuda(T* y, const T* x, T alpha, int64_t n, cudaStream_t stream) {
  check_count("axpy_cuda", "n", n);
  check_ptr("axpy_cuda", "y", y, n);
  check_ptr("axpy_cuda", "x", x, n);
  if (n == 0) return;
  axpy_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(y, x, alpha, n);
  CUDA_CHECK(cudaGetLastError());
}
template <typename T>
void fill_cuda(T* out, T value, int64_t n, cudaStream_t stream) {
  check_count("fill_cuda", "n", n);
  check_ptr("fill_cuda", "out", out, n);
  if (n == 0) return;
  fill_kernel<<<grid_for(n, kBlockSize), kBlockSize, 0, stream>>>(out, value, n);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void relu_forward_cuda(T* out, const T* x, int64_t n, cudaStream_t stream) {
  launch_unary("relu_forward_cuda", out, x, n, ReluOp<T>{}, stream);
}
template <typename T>
void relu_backward_cuda(T* grad_in, const T* grad_out, const T* x, int64_t n, cudaStream_t stream) {
  launch_binary("relu_backward_cuda", grad_in, grad_out, x, n, ReluBackwardOp<T>{}, stream);
}
template <typename T>
void gelu_forward_cuda(T* out, const T* x, int64_t n, cudaStream_t stream) {
  launch_unary("gelu_forward_cuda", out, x, n, GeluOp<T>{}, stream);
}
template <typename T>
void gelu_backward_cuda(T* grad_in, const T* grad_out, const T* x, int64_t n, cudaStream_t stream) {
  launch_binary("gelu_backward_cuda", grad_in, grad_out, x, n, GeluBackwardOp<T>{}, stream);
}

#define ACL_INSTANTIATE(T)                                                            \
  template void add_cuda<T>(T*, const T*, const T*, int64_t, cudaStream_t);           \
  template void sub_cuda<T>(T*, const T*, const T*, int64_t, cudaStream_t);           \
  template void mul_cuda<T>(T*, const T*, const T*, int64_t, cudaStream_t);           \
  template void scale_cuda<T>(T*, const T*, T, int64_t, cudaStream_t);                \
  template void axpy_cuda<T>(T*, const T*, T, int64_t, cudaStream_t);                 \
  template void fill_cuda<T>(T*, T, int64_t, cudaStream_t);                           \
  template void relu_forward_cuda<T>(T*, const T*, int64_t, cudaStream_t);            \
  template void relu_backward_cuda<T>(T*, const T*, const T*, int64_t, cudaStream_t); \
  template void gelu_forward_cuda<T>(T*, const T*, int64_t, cudaStream_t);            \
  template void gelu_backward_cuda<T>(T*, const T*, const T*, int64_t, cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
