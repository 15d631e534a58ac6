// conv1d: forward, backward-data and backward-weight kernels of kernels/conv1d.h.
#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/conv1d.h"

namespace acl {
using namespace checks;

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv1dOptions& o) {
  const char* op = "conv1d";
  check_float(op, "x", x, 3);
  check_float(op, "weight", w, 3);
  check_compatible(op, "x", x, "weight", w, false);
  if (o.groups < 1 || o.stride < 1 || o.dilation < 1 || o.padding < 0) {
    fail(op, "invalid options stride=" + std::to_string(o.stride) +
                 " padding=" + std::to_string(o.padding) +
                 " dilation=" + std::to_string(o.dilation) + " groups=" + std::to_string(o.groups));
  }
  int B = to_int(op, "batch", x.size(0)), Cin = to_int(op, "Cin", x.size(1)),
      L = to_int(op, "L", x.size(2));
  int Cout = to_int(op, "Cout", w.size(0)), K = to_int(op, "K", w.size(2));
  if (Cin % o.groups != 0 || Cout % o.groups != 0 || w.size(1) != Cin / o.groups) {
    fail(op, "x " + x.shape().str() + " and weight " + w.shape().str() + " do not fit groups=" +
                 std::to_string(o.groups) + " (weight must be (Cout, Cin/groups, K))");
  }
  if (b.defined()) {
    check_compatible(op, "x", x, "bias", b, false);
    if (b.rank() != 1 || b.size(0) != Cout) {
      fail(op, "bias " + b.shape().str() + " does not match weight " + w.shape().str());
    }
  }
  int Lout = kernels::conv1d_out_length(L, K, o.stride, o.padding, o.dilation);
  Tensor out = Tensor::empty(Shape{B, Cout, Lout}, x.dtype(), x.device());
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::conv1d_forward_cpu<T>(out.data<T>(), x.data<T>(), w.data<T>(),
                                       b.defined() ? b.data<T>() : nullptr, B, Cin, Cout, L, K,
                                       o.stride, o.padding, o.dilation, o.groups);
      },
      [&](auto stream) {
        kernels::conv1d_forward_cuda(out.data<float>(), x.data<float>(), w.data<float>(),
                                     b.defined() ? b.data<float>() : nullptr, B, Cin, Cout, L, K,
                                     o.stride, o.padding, o.dilation, o.groups, stream);
      });
  if (needs_grad({&x, &w, &b})) {
    Tensor sx = x.detach(), sw = w.detach();
    bool has_bias = b.defined();
    attach_node(out, op, {x, w, b}, [=](const Tensor& g) {
      Tensor gx = Tensor::empty(sx.shape(), sx.dtype(), sx.device());
      Tensor gw = Tensor::empty(sw.shape(), sw.dtype(), sw.device());
      Tensor gb = has_bias ? Tensor::empty(Shape{Cout}, sw.dtype(), sw.device()) : Tensor();
      route_kernel(
          "conv1d_backward", sx,
          [&](auto t) {
            using T = decltype(t);
            kernels::conv1d_backward_data_cpu<T>(gx.data<T>(), g.data<T>(), sw.data<T>(), B, Cin,
                                                 Cout, L, K, o.stride, o.padding, o.dilation,
                                                 o.groups);
            kernels::conv1d_backward_weight_cpu<T>(gw.data<T>(), has_bias ? gb.data<T>() : nullptr,
                                                   g.data<T>(), sx.data<T>(), B, Cin, Cout, L, K,
                                                   o.stride, o.padding, o.dilation, o.groups);
          },
          [&](auto stream) {
            kernels::conv1d_backward_data_cuda(gx.data<float>(), g.data<float>(), sw.data<float>(),
                                               B, Cin, Cout, L, K, o.stride, o.padding, o.dilation,
                                               o.groups, stream);
            kernels::conv1d_backward_weight_cuda(
                gw.data<float>(), has_bias ? gb.data<float>() : nullptr, g.data<float>(),
                sx.data<float>(), B, Cin, Cout, L, K, o.stride, o.padding, o.dilation, o.groups,
                stream);
          });
      return std::vector<Tensor>{gx, gw, gb};
    });
  }
  return out;
}

}  // namespace acl
