// Device routing for code that launches kernels (the ops, the optimizers, train/augment). A call
// site names both twins, with the element type explicit:
//
//   route_kernel("relu", x,
//       [&](auto t) {
//         using T = decltype(t);  // float or double
//         kernels::relu_forward_cpu<T>(out.data<T>(), x.data<T>(), n);
//       },
//       [&](auto stream) {
//         kernels::relu_forward_cuda(out.data<float>(), x.data<float>(), n, stream);
//       });
//
// A CPU tensor runs cpu(T{}) with T = float or double (double: the reference of the gradient
// checks); a CUDA tensor runs cuda(stream) on the current device's compute stream, f32 only (the
// CUDA kernels are compiled for float alone; another dtype throws std::invalid_argument naming
// `op`). The CUDA twins are declared in every build (kernels/*.h) but defined only in CUDA builds:
// the CUDA lambda must be generic (auto stream) so that a build without CUDA never instantiates
// it and links no CUDA symbol. Returns what the lambdas return (both the same type).
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>

#include "engine/tensor.h"
#include "kernels/runtime/gpu_stream.h"

namespace acl {

#ifdef ACL_HAVE_CUDA
inline constexpr bool kCudaBuild = true;
#else
inline constexpr bool kCudaBuild = false;
#endif

// The current device's compute stream (CUDA builds; defined in engine/device_select.cpp).
GpuStream kernel_stream();

template <typename CpuCall, typename CudaCall>
auto route_kernel(const char* op, const Tensor& t, CpuCall&& cpu, CudaCall&& cuda)
    -> std::invoke_result_t<CpuCall&, float> {
  if (t.device() == Device::CUDA) {
    if constexpr (kCudaBuild) {
      if (t.dtype() == DType::f32) return cuda(kernel_stream());
    }
    throw std::invalid_argument(std::string(op) + ": the CUDA kernels take f32 tensors, got " +
                                t.str());
  }
  switch (t.dtype()) {
    case DType::f32:
      return cpu(float{});
    case DType::f64:
      return cpu(double{});
    default:
      throw std::invalid_argument(std::string(op) + ": unsupported dtype in " + t.str() +
                                  ", expected f32 or f64");
  }
}

}  // namespace acl
