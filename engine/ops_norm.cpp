// batchnorm1d (train/eval, running statistics), batchnorm1d_relu (the same followed by ReLU in
// one op) and row-wise l2_normalize.
#include "engine/autograd.h"
#include "engine/comm/sync_batchnorm.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/batchnorm.h"
#include "kernels/normalize.h"

namespace acl {
using namespace checks;

namespace {
template <typename T>
T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

void check_channel_vector(const char* op, const char* name, const Tensor& x, const Tensor& v,
                          int64_t C) {
  if (!v.defined()) return;
  check_compatible(op, "x", x, name, v, false);
  if (v.rank() != 1 || v.size(0) != C) {
    fail(op, std::string("'") + name + "' has shape " + v.shape().str() + ", expected [" +
                 std::to_string(C) + "] for x " + x.shape().str());
  }
}
}  // namespace

namespace {

// batchnorm1d, and with `relu` batchnorm1d_relu: the same checks, statistics and running-buffer
// updates; the fused kernels write max(out, 0) and their backward reads that output as the ReLU
// mask (saved detached, no extra activation tensor).
Tensor batchnorm_op(const char* op, bool relu, const Tensor& x, const Tensor& gamma,
                    const Tensor& beta, Tensor running_mean, Tensor running_var, bool training,
                    double momentum, double eps) {
  check_float(op, "x", x);
  if (x.rank() != 2 && x.rank() != 3) {
    fail(op, "x has shape " + x.shape().str() + ", expected (B, C) or (B, C, L)");
  }
  int B = to_int(op, "B", x.size(0)), C = to_int(op, "C", x.size(1));
  int L = x.rank() == 3 ? to_int(op, "L", x.size(2)) : 1;
  check_channel_vector(op, "gamma", x, gamma, C);
  check_channel_vector(op, "beta", x, beta, C);
  check_channel_vector(op, "running_mean", x, running_mean, C);
  check_channel_vector(op, "running_var", x, running_var, C);
  if (!training && (!running_mean.defined() || !running_var.defined())) {
    fail(op, "eval mode needs running_mean and running_var");
  }
  if (training && static_cast<int64_t>(B) * L < 2) {
    fail(op, "training mode needs more than one value per channel, got x " + x.shape().str());
  }
  if (training) {
    if (comm::Communicator* group = comm::batchnorm_sync_group()) {
      // Synchronised statistics: the group's batch norm, then a separate ReLU.
      Tensor out =
          comm::batchnorm1d_sync(*group, x, gamma, beta, running_mean, running_var, momentum, eps);
      return relu ? acl::relu(out) : out;
    }
  }
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor save_mean, save_invstd;
  if (training) {
    save_mean = Tensor::empty(Shape{C}, x.dtype(), x.device());
    save_invstd = Tensor::empty(Shape{C}, x.dtype(), x.device());
  }
  if (training) {
    route_kernel(
        op, x,
        [&](auto t) {
          using T = decltype(t);
          auto* k = relu ? kernels::batchnorm1d_relu_forward_train_cpu<T>
                         : kernels::batchnorm1d_forward_train_cpu<T>;
          k(out.data<T>(), save_mean.data<T>(), save_invstd.data<T>(), ptr_or_null<T>(running_mean),
            ptr_or_null<T>(running_var), x.data<T>(), ptr_or_null<T>(gamma), ptr_or_null<T>(beta),
            B, C, L, momentum, eps);
        },
        [&](auto stream) {
          auto* k = relu ? kernels::batchnorm1d_relu_forward_train_cuda
                         : kernels::batchnorm1d_forward_train_cuda;
          k(out.data<float>(), save_mean.data<float>(), save_invstd.data<float>(),
            ptr_or_null<float>(running_mean), ptr_or_null<float>(running_var), x.data<float>(),
            ptr_or_null<float>(gamma), ptr_or_null<float>(beta), B, C, L, momentum, eps, stream);
        });
  } else {
    route_kernel(
        op, x,
        [&](auto t) {
          using T = decltype(t);
          auto* k = relu ? kernels::batchnorm1d_relu_forward_eval_cpu<T>
                         : kernels::batchnorm1d_forward_eval_cpu<T>;
          k(out.data<T>(), x.data<T>(), running_mean.data<T>(), running_var.data<T>(),
            ptr_or_null<T>(gamma), ptr_or_null<T>(beta), B, C, L, eps);
        },
        [&](auto stream) {
          auto* k = relu ? kernels::batchnorm1d_relu_forward_eval_cuda
                         : kernels::batchnorm1d_forward_eval_cuda;
          k(out.data<float>(), x.data<float>(), running_mean.data<float>(),
            running_var.data<float>(), ptr_or_null<float>(gamma), ptr_or_null<float>(beta), B, C, L,
            eps, stream);
        });
  }
  if (needs_grad({&x, &gamma, &beta})) {
    Tensor sx = x.detach(), sg = gamma.defined() ? gamma.detach() : Tensor();
    Tensor sy = relu ? out.detach() : Tensor();  // the ReLU mask: out > 0
    Tensor rm = training ? Tensor() : running_mean.clone();
    Tensor rv = training ? Tensor() : running_var.clone();
    bool has_gamma = gamma.defined(), has_beta = beta.defined();
    const char* bop = relu ? "batchnorm1d_relu_backward" : "batchnorm1d_backward";
    attach_node(out, op, {x, gamma, beta}, [=](const Tensor& g) {
      Tensor gx = Tensor::empty(sx.shape(), sx.dtype(), sx.device());
      Tensor gg = has_gamma ? Tensor::empty(Shape{C}, sx.dtype(), sx.device()) : Tensor();
      Tensor gb = has_beta ? Tensor::empty(Shape{C}, sx.dtype(), sx.device()) : Tensor();
      if (training) {
        route_kernel(
            bop, sx,
            [&](auto t) {
              using T = decltype(t);
              if (relu) {
                kernels::batchnorm1d_relu_backward_train_cpu<T>(
                    gx.data<T>(), ptr_or_null<T>(gg), ptr_or_null<T>(gb), g.data<T>(), sy.data<T>(),
                    sx.data<T>(), save_mean.data<T>(), save_invstd.data<T>(), ptr_or_null<T>(sg), B,
                    C, L);
              } else {
                kernels::batchnorm1d_backward_train_cpu<T>(
                    gx.data<T>(), ptr_or_null<T>(gg), ptr_or_null<T>(gb), g.data<T>(), sx.data<T>(),
                    save_mean.data<T>(), save_invstd.data<T>(), ptr_or_null<T>(sg), B, C, L);
              }
            },
            [&](auto stream) {
              if (relu) {
                kernels::batchnorm1d_relu_backward_train_cuda(
                    gx.data<float>(), ptr_or_null<float>(gg), ptr_or_null<float>(gb),
                    g.data<float>(), sy.data<float>(), sx.data<float>(), save_mean.data<float>(),
                    save_invstd.data<float>(), ptr_or_null<float>(sg), B, C, L, stream);
              } else {
                kernels::batchnorm1d_backward_train_cuda(
                    gx.data<float>(), ptr_or_null<float>(gg), ptr_or_null<float>(gb),
                    g.data<float>(), sx.data<float>(), save_mean.data<float>(),
                    save_invstd.data<float>(), ptr_or_null<float>(sg), B, C, L, stream);
              }
            });
      } else {
        route_kernel(
            bop, sx,
            [&](auto t) {
              using T = decltype(t);
              if (relu) {
                kernels::batchnorm1d_relu_backward_eval_cpu<T>(
                    gx.data<T>(), ptr_or_null<T>(gg), ptr_or_null<T>(gb), g.data<T>(), sy.data<T>(),
                    sx.data<T>(), rm.data<T>(), rv.data<T>(), ptr_or_null<T>(sg), B, C, L, eps);
              } else {
                kernels::batchnorm1d_backward_eval_cpu<T>(
                    gx.data<T>(), ptr_or_null<T>(gg), ptr_or_null<T>(gb), g.data<T>(), sx.data<T>(),
                    rm.data<T>(), rv.data<T>(), ptr_or_null<T>(sg), B, C, L, eps);
              }
            },
            [&](auto stream) {
              if (relu) {
                kernels::batchnorm1d_relu_backward_eval_cuda(
                    gx.data<float>(), ptr_or_null<float>(gg), ptr_or_null<float>(gb),
                    g.data<float>(), sy.data<float>(), sx.data<float>(), rm.data<float>(),
                    rv.data<float>(), ptr_or_null<float>(sg), B, C, L, eps, stream);
              } else {
                kernels::batchnorm1d_backward_eval_cuda(
                    gx.data<float>(), ptr_or_null<float>(gg), ptr_or_null<float>(gb),
                    g.data<float>(), sx.data<float>(), rm.data<float>(), rv.data<float>(),
                    ptr_or_null<float>(sg), B, C, L, eps, stream);
              }
            });
      }
      return std::vector<Tensor>{gx, gg, gb};
    });
  }
  return out;
}

}  // namespace

Tensor batchnorm1d(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor running_mean,
                   Tensor running_var, bool training, double momentum, double eps) {
  return batchnorm_op("batchnorm1d", false, x, gamma, beta, running_mean, running_var, training,
                      momentum, eps);
}

Tensor batchnorm1d_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        Tensor running_mean, Tensor running_var, bool training, double momentum,
                        double eps) {
  return batchnorm_op("batchnorm1d_relu", true, x, gamma, beta, running_mean, running_var, training,
                      momentum, eps);
}

Tensor l2_normalize(const Tensor& x, double eps) {
  const char* op = "l2_normalize";
  check_float(op, "x", x, 2);
  int N = to_int(op, "N", x.size(0)), D = to_int(op, "D", x.size(1));
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor norms = Tensor::empty(Shape{N}, x.dtype(), x.device());
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::l2_normalize_forward_cpu<T>(out.data<T>(), norms.data<T>(), x.data<T>(), N, D,
                                             eps);
      },
      [&](auto stream) {
        kernels::l2_normalize_forward_cuda(out.data<float>(), norms.data<float>(), x.data<float>(),
                                           N, D, eps, stream);
      });
  if (needs_grad({&x})) {
    Tensor so = out.detach();
    attach_node(out, op, {x}, [so, norms, N, D, eps](const Tensor& g) {
      Tensor gx = Tensor::empty(so.shape(), so.dtype(), so.device());
      route_kernel(
          "l2_normalize_backward", so,
          [&](auto t) {
            using T = decltype(t);
            kernels::l2_normalize_backward_cpu<T>(gx.data<T>(), g.data<T>(), so.data<T>(),
                                                  norms.data<T>(), N, D, eps);
          },
          [&](auto stream) {
            kernels::l2_normalize_backward_cuda(gx.data<float>(), g.data<float>(), so.data<float>(),
                                                norms.data<float>(), N, D, eps, stream);
          });
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

}  // namespace acl
