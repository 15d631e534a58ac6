// log_softmax, cross_entropy, bce_with_logits.
#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/softmax.h"

namespace acl {
using namespace checks;

Tensor log_softmax(const Tensor& x) {
  const char* op = "log_softmax";
  check_float(op, "x", x, 2);
  int N = to_int(op, "N", x.size(0)), C = to_int(op, "C", x.size(1));
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::log_softmax_forward_cpu<T>(out.data<T>(), x.data<T>(), N, C);
      },
      [&](auto stream) {
        kernels::log_softmax_forward_cuda(out.data<float>(), x.data<float>(), N, C, stream);
      });
  if (needs_grad({&x})) {
    Tensor so = out.detach();
    attach_node(out, op, {x}, [so, N, C](const Tensor& g) {
      Tensor gx = Tensor::empty(so.shape(), so.dtype(), so.device());
      route_kernel(
          "log_softmax_backward", so,
          [&](auto t) {
            using T = decltype(t);
            kernels::log_softmax_backward_cpu<T>(gx.data<T>(), g.data<T>(), so.data<T>(), N, C);
          },
          [&](auto stream) {
            kernels::log_softmax_backward_cuda(gx.data<float>(), g.data<float>(), so.data<float>(),
                                               N, C, stream);
          });
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets) {
  const char* op = "cross_entropy";
  check_float(op, "logits", logits, 2);
  check_index(op, "targets", targets, 1);
  if (targets.size(0) != logits.size(0) || targets.device() != logits.device()) {
    fail(op, "targets " + targets.str() + " do not match logits " + logits.str());
  }
  int N = to_int(op, "N", logits.size(0)), C = to_int(op, "C", logits.size(1));
  Tensor loss = Tensor::empty(Shape{}, logits.dtype(), logits.device());
  Tensor lse = Tensor::empty(Shape{N}, logits.dtype(), logits.device());
  route_kernel(
      op, logits,
      [&](auto t) {
        using T = decltype(t);
        kernels::cross_entropy_forward_cpu<T>(loss.data<T>(), lse.data<T>(), logits.data<T>(),
                                              targets.data<int32_t>(), N, C);
      },
      [&](auto stream) {
        kernels::cross_entropy_forward_cuda(loss.data<float>(), lse.data<float>(),
                                            logits.data<float>(), targets.data<int32_t>(), N, C,
                                            stream);
      });
  if (needs_grad({&logits})) {
    Tensor sl = logits.detach();
    attach_node(loss, op, {logits, targets}, [sl, lse, targets, N, C](const Tensor& g) {
      Tensor gl = Tensor::empty(sl.shape(), sl.dtype(), sl.device());
      route_kernel(
          "cross_entropy_backward", sl,
          [&](auto t) {
            using T = decltype(t);
            kernels::cross_entropy_backward_cpu<T>(gl.data<T>(), g.data<T>(), sl.data<T>(),
                                                   lse.data<T>(), targets.data<int32_t>(), N, C);
          },
          [&](auto stream) {
            kernels::cross_entropy_backward_cuda(gl.data<float>(), g.data<float>(),
                                                 sl.data<float>(), lse.data<float>(),
                                                 targets.data<int32_t>(), N, C, stream);
          });
      return std::vector<Tensor>{gl, Tensor()};
    });
  }
  return loss;
}

Tensor bce_with_logits(const Tensor& logits, const Tensor& targets) {
  const char* op = "bce_with_logits";
  check_float(op, "logits", logits);
  check_compatible(op, "logits", logits, "targets", targets, true);
  Tensor loss = Tensor::empty(Shape{}, logits.dtype(), logits.device());
  route_kernel(
      op, logits,
      [&](auto t) {
        using T = decltype(t);
        kernels::bce_with_logits_forward_cpu<T>(loss.data<T>(), logits.data<T>(), targets.data<T>(),
                                                logits.numel());
      },
      [&](auto stream) {
        kernels::bce_with_logits_forward_cuda(loss.data<float>(), logits.data<float>(),
                                              targets.data<float>(), logits.numel(), stream);
      });
  if (needs_grad({&logits, &targets})) {
    if (targets.requires_grad()) fail(op, "gradients with respect to targets are not supported");
    Tensor sl = logits.detach(), st = targets.detach();
    attach_node(loss, op, {logits, targets}, [sl, st](const Tensor& g) {
      Tensor gl = Tensor::empty(sl.shape(), sl.dtype(), sl.device());
      route_kernel(
          "bce_with_logits_backward", sl,
          [&](auto t) {
            using T = decltype(t);
            kernels::bce_with_logits_backward_cpu<T>(gl.data<T>(), g.data<T>(), sl.data<T>(),
                                                     st.data<T>(), sl.numel());
          },
          [&](auto stream) {
            kernels::bce_with_logits_backward_cuda(gl.data<float>(), g.data<float>(),
                                                   sl.data<float>(), st.data<float>(), sl.numel(),
                                                   stream);
          });
      return std::vector<Tensor>{gl, Tensor()};
    });
  }
  return loss;
}

}  // namespace acl
