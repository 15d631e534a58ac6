// dropout with a Philox mask recomputed in backward.
#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "engine/tensor_checks.h"
#include "kernels/dropout.h"

namespace acl {
using namespace checks;

namespace {
Tensor apply_mask(const char* op, const Tensor& x, float p, uint64_t seed, uint64_t stream,
                  uint64_t offset) {
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  route_kernel(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::dropout_cpu<T>(out.data<T>(), x.data<T>(), x.numel(), p, seed, stream, offset);
      },
      [&](auto gpu_stream) {
        kernels::dropout_cuda(out.data<float>(), x.data<float>(), x.numel(), p, seed, stream,
                              offset, gpu_stream);
      });
  return out;
}
}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, Rng& rng) {
  check_float("dropout", "x", x);
  if (!(p >= 0.0 && p < 1.0)) {
    fail("dropout", "probability p = " + std::to_string(p) + " is outside [0, 1)");
  }
  if (!training || p == 0.0) return x;
  uint64_t seed = rng.seed(), stream = rng.stream();
  uint64_t offset = rng.reserve(x.numel(), 4);  // element offset of philox_uniform_at
  float pf = static_cast<float>(p);
  Tensor out = apply_mask("dropout", x, pf, seed, stream, offset);
  if (needs_grad({&x})) {
    attach_node(out, "dropout", {x}, [=](const Tensor& g) {
      return std::vector<Tensor>{apply_mask("dropout_backward", g, pf, seed, stream, offset)};
    });
  }
  return out;
}

}  // namespace acl
