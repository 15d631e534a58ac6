// add, sub, mul, scale, relu, gelu and the in-place accumulate used by autograd.
#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"
#include "kernels/elementwise.h"

namespace acl {
using namespace detail;

namespace {

// Checks two same-shape operands and allocates their output.
Tensor binary_out(const char* op, const Tensor& a, const Tensor& b) {
  check_float(op, "a", a);
  check_compatible(op, "a", a, "b", b, true);
  return Tensor::empty(a.shape(), a.dtype(), a.device());
}

}  // namespace

void add_(Tensor& dst, const Tensor& src) {
  check_float("add_", "dst", dst);
  check_compatible("add_", "dst", dst, "src", src, true);
  dispatch("add_", dst, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(dst.device(), axpy, dst.data<T>(), src.data<T>(), T(1), dst.numel());
  });
}

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_out("add", a, b);
  dispatch("add", a, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(a.device(), add, out.data<T>(), a.data<T>(), b.data<T>(), a.numel());
  });
  if (needs_grad({&a, &b})) {
    attach_node(out, "add", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_out("sub", a, b);
  dispatch("sub", a, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(a.device(), sub, out.data<T>(), a.data<T>(), b.data<T>(), a.numel());
  });
  if (needs_grad({&a, &b})) {
    attach_node(out, "sub", {a, b}, [](const Tensor& g) {
      return std::vector<Tensor>{g, scale(g, -1.0)};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_out("mul", a, b);
  dispatch("mul", a, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(a.device(), mul, out.data<T>(), a.data<T>(), b.data<T>(), a.numel());
  });
  if (needs_grad({&a, &b})) {
    Tensor sa = a.detach(), sb = b.detach();
    attach_node(out, "mul", {a, b}, [sa, sb](const Tensor& g) {
      return std::vector<Tensor>{mul(g, sb), mul(g, sa)};
    });
  }
  return out;
}

Tensor scale(const Tensor& x, double s) {
  check_float("scale", "x", x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  dispatch("scale", x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), scale, out.data<T>(), x.data<T>(), static_cast<T>(s), x.numel());
  });
  if (needs_grad({&x})) {
    attach_node(out, "scale", {x},
                [s](const Tensor& g) { return std::vector<Tensor>{scale(g, s)}; });
  }
  return out;
}

Tensor relu(const Tensor& x) {
  check_float("relu", "x", x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  dispatch("relu", x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), relu_forward, out.data<T>(), x.data<T>(), x.numel());
  });
  if (needs_grad({&x})) {
    Tensor sx = x.detach();
    attach_node(out, "relu", {x}, [sx](const Tensor& g) {
      Tensor gi = Tensor::empty(sx.shape(), sx.dtype(), sx.device());
      dispatch("relu_backward", sx, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(sx.device(), relu_backward, gi.data<T>(), g.data<T>(), sx.data<T>(), sx.numel());
      });
      return std::vector<Tensor>{gi};
    });
  }
  return out;
}

Tensor gelu(const Tensor& x) {
  check_float("gelu", "x", x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  dispatch("gelu", x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), gelu_forward, out.data<T>(), x.data<T>(), x.numel());
  });
  if (needs_grad({&x})) {
    Tensor sx = x.detach();
    attach_node(out, "gelu", {x}, [sx](const Tensor& g) {
      Tensor gi = Tensor::empty(sx.shape(), sx.dtype(), sx.device());
      dispatch("gelu_backward", sx, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(sx.device(), gelu_backward, gi.data<T>(), g.data<T>(), sx.data<T>(), sx.numel());
      });
      return std::vector<Tensor>{gi};
    });
  }
  return out;
}

}  // namespace acl
