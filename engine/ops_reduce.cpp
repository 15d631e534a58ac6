// sum and mean, over all elements or one dim.
#include "engine/autograd.h"
#include "engine/input_grad.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/elementwise.h"
#include "kernels/reduce.h"

namespace acl {
using namespace checks;

namespace {

// Sums x viewed as (outer, n, inner) over n and multiplies by `s` (1 for sum, 1/n for mean).
Tensor reduce(const char* op, const Tensor& x, const Shape& out_shape, int64_t outer, int64_t n,
              int64_t inner, double s) {
  check_float(op, "x", x);
  Tensor out = Tensor::empty(out_shape, x.dtype(), x.device());
  // mean (s != 1): the sums are scaled in place
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::sum_dim_cpu<T>(out.data<T>(), x.data<T>(), outer, n, inner);
        if (s != 1.0) {
          kernels::scale_cpu<T>(out.data<T>(), out.data<T>(), static_cast<T>(s), out.numel());
        }
      },
      [&](auto stream) {
        kernels::sum_dim_cuda(out.data<float>(), x.data<float>(), outer, n, inner, stream);
        if (s != 1.0) {
          kernels::scale_cuda(out.data<float>(), out.data<float>(), static_cast<float>(s),
                              out.numel(), stream);
        }
      });
  attach_input_grad(
      out, op, {x}, GradInit::kEmpty, "reduce_backward",
      [=](auto t, Tensor& gx, const Tensor& g) {
        using T = decltype(t);
        kernels::broadcast_dim_cpu<T>(gx.data<T>(), g.data<T>(), outer, n, inner,
                                      static_cast<T>(s));
      },
      [=](Tensor& gx, const Tensor& g, auto stream) {
        kernels::broadcast_dim_cuda(gx.data<float>(), g.data<float>(), outer, n, inner,
                                    static_cast<float>(s), stream);
      });
  return out;
}

Tensor reduce_dim(const char* op, const Tensor& x, int dim, bool average) {
  check_float(op, "x", x);
  int axis = x.shape().axis(dim, op);
  std::vector<int64_t> dims;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < x.rank(); ++i) {
    if (i < axis) outer *= x.shape()[i];
    if (i > axis) inner *= x.shape()[i];
    if (i != axis) dims.push_back(x.shape()[i]);
  }
  int64_t n = x.shape()[axis];
  if (average && n == 0) fail(op, "mean over an empty dim of " + x.str());
  return reduce(op, x, Shape(dims), outer, n, inner, average ? 1.0 / static_cast<double>(n) : 1.0);
}

}  // namespace

Tensor sum(const Tensor& x) {
  check_float("sum", "x", x);
  return reduce("sum", x, Shape{}, 1, x.numel(), 1, 1.0);
}

Tensor mean(const Tensor& x) {
  check_float("mean", "x", x);
  if (x.numel() == 0) fail("mean", "mean of an empty tensor " + x.str());
  return reduce("mean", x, Shape{}, 1, x.numel(), 1, 1.0 / static_cast<double>(x.numel()));
}

Tensor sum(const Tensor& x, int dim) {
  return reduce_dim("sum", x, dim, false);
}
Tensor mean(const Tensor& x, int dim) {
  return reduce_dim("mean", x, dim, true);
}

}  // namespace acl
