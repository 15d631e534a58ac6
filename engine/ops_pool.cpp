// max_pool1d, avg_pool1d, global_avg_pool1d.
#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"
#include "kernels/pooling.h"

namespace acl {
using namespace detail;

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
  dispatch("max_pool1d", x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), max_pool1d_forward, out.data<T>(), argmax.data<int32_t>(), x.data<T>(),
               d.B, d.C, d.L, kernel, stride, padding);
  });
  if (needs_grad({&x})) {
    Shape in_shape = x.shape();
    DType dt = x.dtype();
    Device dev = x.device();
    attach_node(out, "max_pool1d", {x}, [=](const Tensor& g) {
      Tensor gx = Tensor::empty(in_shape, dt, dev);
      dispatch("max_pool1d_backward", g, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(g.device(), max_pool1d_backward, gx.data<T>(), g.data<T>(),
                   argmax.data<int32_t>(), d.B, d.C, d.L, d.Lout);
      });
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor avg_pool1d(const Tensor& x, int kernel, int stride, int padding) {
  PoolDims d = pool_dims("avg_pool1d", x, kernel, stride, padding);
  Tensor out = Tensor::empty(Shape{d.B, d.C, d.Lout}, x.dtype(), x.device());
  dispatch("avg_pool1d", x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), avg_pool1d_forward, out.data<T>(), x.data<T>(), d.B, d.C, d.L, kernel,
               stride, padding);
  });
  if (needs_grad({&x})) {
    Shape in_shape = x.shape();
    attach_node(out, "avg_pool1d", {x}, [=](const Tensor& g) {
      Tensor gx = Tensor::empty(in_shape, g.dtype(), g.device());
      dispatch("avg_pool1d_backward", g, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(g.device(), avg_pool1d_backward, gx.data<T>(), g.data<T>(), d.B, d.C, d.L,
                   kernel, stride, padding);
      });
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor global_avg_pool1d(const Tensor& x) {
  const char* op = "global_avg_pool1d";
  check_float(op, "x", x, 3);
  int B = to_int(op, "B", x.size(0)), C = to_int(op, "C", x.size(1)),
      L = to_int(op, "L", x.size(2));
  if (L < 1) fail(op, "x " + x.shape().str() + " has an empty length dim");
  Tensor out = Tensor::empty(Shape{B, C}, x.dtype(), x.device());
  dispatch(op, x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), global_avg_pool1d_forward, out.data<T>(), x.data<T>(), B * C, L);
  });
  if (needs_grad({&x})) {
    Shape in_shape = x.shape();
    attach_node(out, op, {x}, [=](const Tensor& g) {
      Tensor gx = Tensor::empty(in_shape, g.dtype(), g.device());
      dispatch("global_avg_pool1d_backward", g, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(g.device(), global_avg_pool1d_backward, gx.data<T>(), g.data<T>(), B * C, L);
      });
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace acl
