// log_softmax, cross_entropy, bce_with_logits.
#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"
#include "kernels/softmax.h"

namespace acl {
using namespace detail;

Tensor log_softmax(const Tensor& x) {
  const char* op = "log_softmax";
  check_float(op, "x", x, 2);
  int N = to_int(op, "N", x.size(0)), C = to_int(op, "C", x.size(1));
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  dispatch(op, x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), log_softmax_forward, out.data<T>(), x.data<T>(), N, C);
  });
  if (needs_grad({&x})) {
    Tensor so = out.detach();
    attach_node(out, op, {x}, [so, N, C](const Tensor& g) {
      Tensor gx = Tensor::empty(so.shape(), so.dtype(), so.device());
      dispatch("log_softmax_backward", so, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(so.device(), log_softmax_backward, gx.data<T>(), g.data<T>(), so.data<T>(), N,
                   C);
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
  dispatch(op, logits, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(logits.device(), cross_entropy_forward, loss.data<T>(), lse.data<T>(),
               logits.data<T>(), targets.data<int32_t>(), N, C);
  });
  if (needs_grad({&logits})) {
    Tensor sl = logits.detach();
    attach_node(loss, op, {logits, targets}, [sl, lse, targets, N, C](const Tensor& g) {
      Tensor gl = Tensor::empty(sl.shape(), sl.dtype(), sl.device());
      dispatch("cross_entropy_backward", sl, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(sl.device(), cross_entropy_backward, gl.data<T>(), g.data<T>(), sl.data<T>(),
                   lse.data<T>(), targets.data<int32_t>(), N, C);
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
  dispatch(op, logits, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(logits.device(), bce_with_logits_forward, loss.data<T>(), logits.data<T>(),
               targets.data<T>(), logits.numel());
  });
  if (needs_grad({&logits, &targets})) {
    if (targets.requires_grad()) fail(op, "gradients with respect to targets are not supported");
    Tensor sl = logits.detach(), st = targets.detach();
    attach_node(loss, op, {logits, targets}, [sl, st](const Tensor& g) {
      Tensor gl = Tensor::empty(sl.shape(), sl.dtype(), sl.device());
      dispatch("bce_with_logits_backward", sl, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(sl.device(), bce_with_logits_backward, gl.data<T>(), g.data<T>(), sl.data<T>(),
                   st.data<T>(), sl.numel());
      });
      return std::vector<Tensor>{gl, Tensor()};
    });
  }
  return loss;
}

}  // namespace acl
