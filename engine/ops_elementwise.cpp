// add, sub, mul, scale, relu, gelu and the in-place accumulate used by autograd.
#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/elementwise.h"

namespace acl {
using namespace checks;

namespace {

// out = a (op) b for two same-shape operands: checks them, allocates out and runs
// cpu(out, a, b, n) or cuda(out, a, b, n, stream).
template <typename Cpu, typename Cuda>
Tensor binary(const char* op, const Tensor& a, const Tensor& b, Cpu cpu, Cuda cuda) {
  check_float(op, "a", a);
  check_compatible(op, "a", a, "b", b, true);
  Tensor out = Tensor::empty(a.shape(), a.dtype(), a.device());
  route_kernel(
      op, a,
      [&](auto t) {
        using T = decltype(t);
        cpu(out.data<T>(), a.data<T>(), b.data<T>(), a.numel());
      },
      [&](auto stream) {
        cuda(out.data<float>(), a.data<float>(), b.data<float>(), a.numel(), stream);
      });
  return out;
}

}  // namespace

void add_(Tensor& dst, const Tensor& src) {
  check_float("add_", "dst", dst);
  check_compatible("add_", "dst", dst, "src", src, true);
  route_kernel(
      "add_", dst,
      [&](auto t) {
        using T = decltype(t);
        kernels::axpy_cpu<T>(dst.data<T>(), src.data<T>(), T(1), dst.numel());
      },
      [&](auto stream) {
        kernels::axpy_cuda(dst.data<float>(), src.data<float>(), 1.0f, dst.numel(), stream);
      });
}

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary(
      "add", a, b,
      [](auto* o, const auto* x, const auto* y, int64_t n) { kernels::add_cpu(o, x, y, n); },
      [](float* o, const float* x, const float* y, int64_t n, auto stream) {
        kernels::add_cuda(o, x, y, n, stream);
      });
  if (needs_grad({&a, &b})) {
    attach_node(out, "add", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary(
      "sub", a, b,
      [](auto* o, const auto* x, const auto* y, int64_t n) { kernels::sub_cpu(o, x, y, n); },
      [](float* o, const float* x, const float* y, int64_t n, auto stream) {
        kernels::sub_cuda(o, x, y, n, stream);
      });
  if (needs_grad({&a, &b})) {
    attach_node(out, "sub", {a, b}, [](const Tensor& g) {
      return std::vector<Tensor>{g, scale(g, -1.0)};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary(
      "mul", a, b,
      [](auto* o, const auto* x, const auto* y, int64_t n) { kernels::mul_cpu(o, x, y, n); },
      [](float* o, const float* x, const float* y, int64_t n, auto stream) {
        kernels::mul_cuda(o, x, y, n, stream);
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
  route_kernel(
      "scale", x,
      [&](auto t) {
        using T = decltype(t);
        kernels::scale_cpu<T>(out.data<T>(), x.data<T>(), static_cast<T>(s), x.numel());
      },
      [&](auto stream) {
        kernels::scale_cuda(out.data<float>(), x.data<float>(), static_cast<float>(s), x.numel(),
                            stream);
      });
  if (needs_grad({&x})) {
    attach_node(out, "scale", {x},
                [s](const Tensor& g) { return std::vector<Tensor>{scale(g, s)}; });
  }
  return out;
}

namespace {

// y = f(x) elementwise, with backward dx = dy * f'(x) from the saved input. The four kernels come
// as callables so that each op names its own: forward_cpu(y, x, n), forward_cuda(y, x, n,
// stream), backward_cpu(dx, dy, x, n), backward_cuda(dx, dy, x, n, stream).
template <typename ForwardCpu, typename ForwardCuda, typename BackwardCpu, typename BackwardCuda>
Tensor activation(const char* op, const char* op_backward, const Tensor& x, ForwardCpu forward_cpu,
                  ForwardCuda forward_cuda, BackwardCpu backward_cpu, BackwardCuda backward_cuda) {
  check_float(op, "x", x);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        forward_cpu(out.data<T>(), x.data<T>(), x.numel());
      },
      [&](auto stream) { forward_cuda(out.data<float>(), x.data<float>(), x.numel(), stream); });
  if (needs_grad({&x})) {
    Tensor sx = x.detach();
    attach_node(out, op, {x}, [=](const Tensor& g) {
      Tensor gi = Tensor::empty(sx.shape(), sx.dtype(), sx.device());
      route_kernel(
          op_backward, sx,
          [&](auto t) {
            using T = decltype(t);
            backward_cpu(gi.data<T>(), g.data<T>(), sx.data<T>(), sx.numel());
          },
          [&](auto stream) {
            backward_cuda(gi.data<float>(), g.data<float>(), sx.data<float>(), sx.numel(), stream);
          });
      return std::vector<Tensor>{gi};
    });
  }
  return out;
}

}  // namespace

Tensor relu(const Tensor& x) {
  return activation(
      "relu", "relu_backward", x,
      [](auto* y, const auto* in, int64_t n) { kernels::relu_forward_cpu(y, in, n); },
      [](float* y, const float* in, int64_t n, auto stream) {
        kernels::relu_forward_cuda(y, in, n, stream);
      },
      [](auto* dx, const auto* dy, const auto* in, int64_t n) {
        kernels::relu_backward_cpu(dx, dy, in, n);
      },
      [](float* dx, const float* dy, const float* in, int64_t n, auto stream) {
        kernels::relu_backward_cuda(dx, dy, in, n, stream);
      });
}

Tensor gelu(const Tensor& x) {
  return activation(
      "gelu", "gelu_backward", x,
      [](auto* y, const auto* in, int64_t n) { kernels::gelu_forward_cpu(y, in, n); },
      [](float* y, const float* in, int64_t n, auto stream) {
        kernels::gelu_forward_cuda(y, in, n, stream);
      },
      [](auto* dx, const auto* dy, const auto* in, int64_t n) {
        kernels::gelu_backward_cpu(dx, dy, in, n);
      },
      [](float* dx, const float* dy, const float* in, int64_t n, auto stream) {
        kernels::gelu_backward_cuda(dx, dy, in, n, stream);
      });
}

}  // namespace acl
