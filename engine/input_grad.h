// The backward of an op whose gradient flows to its first input only and is one kernel call into
// a fresh tensor of that input's shape (internal header of the op implementations):
//
//   attach_input_grad(out, "avg_pool1d", {x}, GradInit::kEmpty, "avg_pool1d_backward",
//       [=](auto t, Tensor& gx, const Tensor& g) {
//         using T = decltype(t);
//         kernels::avg_pool1d_backward_cpu<T>(gx.data<T>(), g.data<T>(), ...);
//       },
//       [=](Tensor& gx, const Tensor& g, auto stream) {
//         kernels::avg_pool1d_backward_cuda(gx.data<float>(), g.data<float>(), ..., stream);
//       });
//
// Nothing is attached when inputs[0] needs no gradient. The other inputs (e.g. an index tensor)
// get no gradient. kZeros fills the gradient with zeros first, for kernels that write part of it.
#pragma once

#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/kernel_route.h"

namespace acl {

enum class GradInit { kEmpty, kZeros };

template <typename Cpu, typename Cuda>
void attach_input_grad(Tensor& out, const char* op, const std::vector<Tensor>& inputs,
                       GradInit init, const char* backward_op, Cpu cpu, Cuda cuda) {
  const Tensor& x = inputs.front();
  if (!needs_grad({&x})) return;
  const Shape shape = x.shape();
  const size_t n_inputs = inputs.size();
  attach_node(out, op, inputs, [=](const Tensor& g) {
    Tensor gx = init == GradInit::kZeros ? Tensor::zeros(shape, g.dtype(), g.device())
                                         : Tensor::empty(shape, g.dtype(), g.device());
    route_kernel(
        backward_op, g, [&](auto t) { cpu(t, gx, g); }, [&](auto stream) { cuda(gx, g, stream); });
    std::vector<Tensor> grads(n_inputs);
    grads[0] = gx;
    return grads;
  });
}

}  // namespace acl
