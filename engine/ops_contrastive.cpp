// contrastive_loss: l2_normalize (differentiable op) followed by the fused similarity + masked
// softmax kernels of kernels/contrastive.h. The forward saves O(M) row statistics (log-sum-exp
// and positive count) for the backward, which recomputes the similarity tiles.
#include "engine/ops_contrastive.h"

#include <cmath>
#include <string>

#include "engine/autograd.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/contrastive.h"

namespace acl {
using namespace checks;

ContrastiveOutput contrastive_loss(const Tensor& z, const Tensor& ids, double tau) {
  const char* op = "contrastive_loss";
  check_float(op, "z", z, 2);
  check_index(op, "ids", ids, 2);
  if (ids.size(0) != z.size(0) || ids.size(1) != 3) {
    fail(op, "argument 'ids' has shape " + ids.shape().str() + ", expected (" +
                 std::to_string(z.size(0)) + ", 3) = (record, region, view) per row of 'z' " +
                 z.shape().str());
  }
  if (ids.device() != z.device()) {
    fail(op,
         "argument 'ids' is " + ids.str() + " but 'z' is " + z.str() + " (same device expected)");
  }
  if (!(tau > 0.0) || !std::isfinite(tau) || !std::isfinite(1.0 / tau)) {
    fail(op, "argument 'tau' = " + std::to_string(tau) + " must be positive and finite");
  }
  const int M = to_int(op, "M", z.size(0)), d = to_int(op, "d", z.size(1));
  if (d < 1) fail(op, "argument 'z' has shape " + z.shape().str() + ": no embedding dimensions");
  auto no_anchor = [&]() {
    fail(op, "no anchor: no row of argument 'ids' (M = " + std::to_string(M) +
                 ") has a positive (a row with the same record and region and another view)");
  };
  if (M < 2) no_anchor();

  const double inv_tau = 1.0 / tau;
  const Device dev = z.device();
  Tensor zhat = l2_normalize(z);
  ContrastiveOutput out;
  out.loss = Tensor::empty(Shape{}, z.dtype(), dev);
  out.accuracy = Tensor::empty(Shape{}, DType::f32, dev);
  Tensor anchors = Tensor::empty(Shape{}, DType::i32, dev);
  Tensor row_lse = Tensor::empty(Shape{M}, z.dtype(), dev);
  Tensor row_pos = Tensor::empty(Shape{M}, DType::i32, dev);
  Tensor row_spos = Tensor::empty(Shape{M}, z.dtype(), dev);
  Tensor row_hit = Tensor::empty(Shape{M}, DType::i32, dev);
  route_kernel(
      op, z,
      [&](auto t) {
        using T = decltype(t);
        kernels::contrastive_forward_cpu<T>(
            out.loss.data<T>(), out.accuracy.data<float>(), anchors.data<int32_t>(),
            row_lse.data<T>(), row_pos.data<int32_t>(), row_spos.data<T>(), row_hit.data<int32_t>(),
            zhat.data<T>(), ids.data<int32_t>(), M, d, inv_tau);
      },
      [&](auto stream) {
        kernels::contrastive_forward_cuda(out.loss.data<float>(), out.accuracy.data<float>(),
                                          anchors.data<int32_t>(), row_lse.data<float>(),
                                          row_pos.data<int32_t>(), row_spos.data<float>(),
                                          row_hit.data<int32_t>(), zhat.data<float>(),
                                          ids.data<int32_t>(), M, d, inv_tau, stream);
      });
  out.anchors = static_cast<int64_t>(anchors.item());  // waits for the device
  if (out.anchors == 0) no_anchor();

  if (needs_grad({&zhat})) {
    Tensor sz = zhat.detach();
    const int n_anchors = static_cast<int>(out.anchors);
    attach_node(out.loss, op, {zhat},
                [sz, ids, row_lse, row_pos, n_anchors, M, d, inv_tau](const Tensor& g) {
                  Tensor gz = Tensor::empty(sz.shape(), sz.dtype(), sz.device());
                  route_kernel(
                      "contrastive_loss_backward", sz,
                      [&](auto t) {
                        using T = decltype(t);
                        kernels::contrastive_backward_cpu<T>(
                            gz.data<T>(), g.data<T>(), sz.data<T>(), ids.data<int32_t>(),
                            row_lse.data<T>(), row_pos.data<int32_t>(), n_anchors, M, d, inv_tau);
                      },
                      [&](auto stream) {
                        kernels::contrastive_backward_cuda(
                            gz.data<float>(), g.data<float>(), sz.data<float>(),
                            ids.data<int32_t>(), row_lse.data<float>(), row_pos.data<int32_t>(),
                            n_anchors, M, d, inv_tau, stream);
                      });
                  return std::vector<Tensor>{gz};
                });
  }
  return out;
}

}  // namespace acl
