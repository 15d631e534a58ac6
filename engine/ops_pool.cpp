// max_pool1d, avg_pool1d, global_avg_pool1d.
#include "engine/autograd.h"
#include "engine/input_grad.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/pooling.h"

namespace acl {
using namespace checks;

namespace {
struct PoolDims {
  int B, C, L, Lout;
};

PoolDims pool_dims(const char* op, const Tensor& x, int kernel, int stride, int padding) {
  check_float(op, "x", x, 3);
  if (kernel < 1 || stride < 1 || padding < 0) {
    fail(op, "invalid kernel=" + std::to_string(kernel) + " stride=" + std::to_string(stride) +
                 " padding=" + std::to_string(padding));
  }
  PoolDims d{to_int(op, "B", x.size(0)), to_int(op, "C", x.size(1)), to_int(op, "L", x.size(2)), 0};
  d.Lout = kernels::pool1d_out_length(d.L, kernel, stride, padding);
  return d;
}
}  // namespace

Tensor max_pool1d(const Tensor& x, int kernel, int stride, int padding) {
  PoolDims d = pool_dims("max_pool1d", x, kernel, stride, padding);
  Tensor out = Tensor::empty(Shape{d.B, d.C, d.Lout}, x.dtype(), x.device());
  Tensor argmax = Tensor::empty(Shape{d.B, d.C, d.Lout}, DType::i32, x.device());
  route_kernel(
      "max_pool1d", x,
      [&](auto t) {
        using T = decltype(t);
        kernels::max_pool1d_forward_cpu<T>(out.data<T>(), argmax.data<int32_t>(), x.data<T>(), d.B,
                                           d.C, d.L, kernel, stride, padding);
      },
      [&](auto stream) {
        kernels::max_pool1d_forward_cuda(out.data<float>(), argmax.data<int32_t>(), x.data<float>(),
                                         d.B, d.C, d.L, kernel, stride, padding, stream);
      });
  attach_input_grad(
      out, "max_pool1d", {x}, GradInit::kEmpty, "max_pool1d_backward",
      [=](auto t, Tensor& gx, const Tensor& g) {
        using T = decltype(t);
        kernels::max_pool1d_backward_cpu<T>(gx.data<T>(), g.data<T>(), argmax.data<int32_t>(), d.B,
                                            d.C, d.L, d.Lout);
      },
      [=](Tensor& gx, const Tensor& g, auto stream) {
        kernels::max_pool1d_backward_cuda(gx.data<float>(), g.data<float>(), argmax.data<int32_t>(),
                                          d.B, d.C, d.L, d.Lout, stream);
      });
  return out;
}

Tensor avg_pool1d(const Tensor& x, int kernel, int stride, int padding) {
  PoolDims d = pool_dims("avg_pool1d", x, kernel, stride, padding);
  Tensor out = Tensor::empty(Shape{d.B, d.C, d.Lout}, x.dtype(), x.device());
  route_kernel(
      "avg_pool1d", x,
      [&](auto t) {
        using T = decltype(t);
        kernels::avg_pool1d_forward_cpu<T>(out.data<T>(), x.data<T>(), d.B, d.C, d.L, kernel,
                                           stride, padding);
      },
      [&](auto stream) {
        kernels::avg_pool1d_forward_cuda(out.data<float>(), x.data<float>(), d.B, d.C, d.L, kernel,
                                         stride, padding, stream);
      });
  attach_input_grad(
      out, "avg_pool1d", {x}, GradInit::kEmpty, "avg_pool1d_backward",
      [=](auto t, Tensor& gx, const Tensor& g) {
        using T = decltype(t);
        kernels::avg_pool1d_backward_cpu<T>(gx.data<T>(), g.data<T>(), d.B, d.C, d.L, kernel,
                                            stride, padding);
      },
      [=](Tensor& gx, const Tensor& g, auto stream) {
        kernels::avg_pool1d_backward_cuda(gx.data<float>(), g.data<float>(), d.B, d.C, d.L, kernel,
                                          stride, padding, stream);
      });
  return out;
}

Tensor global_avg_pool1d(const Tensor& x) {
  const char* op = "global_avg_pool1d";
  check_float(op, "x", x, 3);
  int B = to_int(op, "B", x.size(0)), C = to_int(op, "C", x.size(1)),
      L = to_int(op, "L", x.size(2));
  if (L < 1) fail(op, "x " + x.shape().str() + " has an empty length dim");
  Tensor out = Tensor::empty(Shape{B, C}, x.dtype(), x.device());
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::global_avg_pool1d_forward_cpu<T>(out.data<T>(), x.data<T>(), B * C, L);
      },
      [&](auto stream) {
        kernels::global_avg_pool1d_forward_cuda(out.data<float>(), x.data<float>(), B * C, L,
                                                stream);
      });
  attach_input_grad(
      out, op, {x}, GradInit::kEmpty, "global_avg_pool1d_backward",
      [=](auto t, Tensor& gx, const Tensor& g) {
        using T = decltype(t);
        kernels::global_avg_pool1d_backward_cpu<T>(gx.data<T>(), g.data<T>(), B * C, L);
      },
      [=](Tensor& gx, const Tensor& g, auto stream) {
        kernels::global_avg_pool1d_backward_cuda(gx.data<float>(), g.data<float>(), B * C, L,
                                                 stream);
      });
  return out;
}

}  // namespace acl
