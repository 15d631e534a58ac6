#include "engine/optim/sum_squares.h"

#include "engine/kernel_route.h"
#include "engine/tensor_checks.h"
#include "kernels/optim.h"

namespace acl {

std::vector<double> sums_of_squares(const std::vector<SquareSumTerm>& terms) {
  std::vector<double> out(terms.size(), 0.0);
  std::vector<size_t> on_device;  // indices of the CUDA terms, in order
  for (size_t i = 0; i < terms.size(); ++i) {
    const SquareSumTerm& t = terms[i];
    checks::check_defined("sums_of_squares", "x", t.x);
    if (t.decay_with.defined()) {
      checks::check_compatible("sums_of_squares", "decay_with", t.decay_with, "x", t.x, true);
    }
    if (t.x.device() != Device::CPU) on_device.push_back(i);
  }
  Tensor device_sums;
  if (!on_device.empty()) {
    device_sums = Tensor::empty(Shape{static_cast<int64_t>(on_device.size())}, DType::f64,
                                terms[on_device.front()].x.device());
  }
  size_t slot = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    const SquareSumTerm& t = terms[i];
    const bool decay = t.decay_with.defined() && t.weight_decay != 0;
    const int64_t n = t.x.numel();
    route_kernel(
        "sums_of_squares", t.x,
        [&](auto tag) {
          using T = decltype(tag);
          kernels::sum_squares_to_cpu<T>(t.x.data<T>(), decay ? t.decay_with.data<T>() : nullptr, n,
                                         t.weight_decay, &out[i]);
        },
        [&](auto stream) {
          kernels::sum_squares_to_cuda(t.x.data<float>(),
                                       decay ? t.decay_with.data<float>() : nullptr, n,
                                       t.weight_decay, device_sums.data<double>() + slot++, stream);
        });
  }
  if (!on_device.empty()) {
    const std::vector<double> host = device_sums.to_vector<double>();  // the one host wait
    for (size_t k = 0; k < on_device.size(); ++k) out[on_device[k]] = host[k];
  }
  return out;
}

}  // namespace acl
