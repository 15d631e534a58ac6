// matmul and linear: GEMMs (OpenBLAS on the CPU, cuBLAS on CUDA).
#include <vector>

#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"

namespace acl {
using namespace checks;

namespace {

// C (M, N) = op(A) @ op(B).
Tensor gemm(const char* op, const Tensor& A, bool ta, const Tensor& B, bool tb, int M, int N,
            int K) {
  Tensor C = Tensor::empty(Shape{M, N}, A.dtype(), A.device());
  route_kernel(
      op, A,
      [&](auto t) {
        using T = decltype(t);
        kernels::gemm_cpu<T>(ta, tb, M, N, K, T(1), A.data<T>(), B.data<T>(), T(0), C.data<T>());
      },
      [&](auto stream) {
        kernels::gemm_cuda(ta, tb, M, N, K, 1.0f, A.data<float>(), B.data<float>(), 0.0f,
                           C.data<float>(), stream);
      });
  return C;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_float("matmul", "a", a, 2);
  check_float("matmul", "b", b, 2);
  check_compatible("matmul", "a", a, "b", b, false);
  if (a.size(1) != b.size(0)) {
    fail("matmul", "inner dimensions differ: a " + a.shape().str() + " @ b " + b.shape().str());
  }
  int M = to_int("matmul", "M", a.size(0)), K = to_int("matmul", "K", a.size(1)),
      N = to_int("matmul", "N", b.size(1));
  Tensor out = gemm("matmul", a, false, b, false, M, N, K);
  if (needs_grad({&a, &b})) {
    Tensor sa = a.detach(), sb = b.detach();
    attach_node(out, "matmul", {a, b}, [sa, sb, M, N, K](const Tensor& g) {
      return std::vector<Tensor>{gemm("matmul_backward", g, false, sb, true, M, K, N),
                                 gemm("matmul_backward", sa, true, g, false, K, N, M)};
    });
  }
  return out;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_float("linear", "x", x, 2);
  check_float("linear", "weight", w, 2);
  check_compatible("linear", "x", x, "weight", w, false);
  if (x.size(1) != w.size(1)) {
    fail("linear", "x " + x.shape().str() + " has " + std::to_string(x.size(1)) +
                       " features but weight " + w.shape().str() + " expects " +
                       std::to_string(w.size(1)));
  }
  int N = to_int("linear", "N", x.size(0)), In = to_int("linear", "in", x.size(1)),
      Out = to_int("linear", "out", w.size(0));
  if (b.defined()) {
    check_compatible("linear", "x", x, "bias", b, false);
    if (b.rank() != 1 || b.size(0) != Out) {
      fail("linear", "bias " + b.shape().str() + " does not match weight " + w.shape().str());
    }
  }
  Tensor out = gemm("linear", x, false, w, true, N, Out, In);
  if (b.defined()) {
    // out += ones (N, 1) @ b (1, Out): the bias as a rank-1 GEMM update, on either device.
    Tensor ones = Tensor::empty(Shape{N}, x.dtype(), x.device());
    route_kernel(
        "linear", x,
        [&](auto t) {
          using T = decltype(t);
          kernels::fill_cpu<T>(ones.data<T>(), T(1), N);
          kernels::gemm_cpu<T>(false, false, N, Out, 1, T(1), ones.data<T>(), b.data<T>(), T(1),
                               out.data<T>());
        },
        [&](auto stream) {
          kernels::fill_cuda(ones.data<float>(), 1.0f, N, stream);
          kernels::gemm_cuda(false, false, N, Out, 1, 1.0f, ones.data<float>(), b.data<float>(),
                             1.0f, out.data<float>(), stream);
        });
  }
  if (needs_grad({&x, &w, &b})) {
    Tensor sx = x.detach(), sw = w.detach();
    bool has_bias = b.defined();
    attach_node(out, "linear", {x, w, b}, [sx, sw, has_bias, N, In, Out](const Tensor& g) {
      Tensor gx = gemm("linear_backward", g, false, sw, false, N, In, Out);
      Tensor gw = gemm("linear_backward", g, true, sx, false, Out, In, N);
      Tensor gb;
      if (has_bias) {
        gb = Tensor::empty(Shape{Out}, g.dtype(), g.device());
        route_kernel(
            "linear_backward", g,
            [&](auto t) {
              using T = decltype(t);
              kernels::sum_dim_cpu<T>(gb.data<T>(), g.data<T>(), 1, N, Out);
            },
            [&](auto stream) {
              kernels::sum_dim_cuda(gb.data<float>(), g.data<float>(), 1, N, Out, stream);
            });
      }
      return std::vector<Tensor>{gx, gw, gb};
    });
  }
  return out;
}

}  // namespace acl
