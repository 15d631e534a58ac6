// Argument checks, dtype dispatch and device routing shared by the op implementations (internal
// header). Every failure throws std::invalid_argument naming the op, the argument and the shapes.
//
// An op body is device-agnostic:
//   dispatch(op, x, [&](auto t) {
//     using T = decltype(t);
//     ACL_KERNEL(x.device(), relu_forward, out.data<T>(), x.data<T>(), x.numel());
//   });
// dispatch picks T from the dtype; ACL_KERNEL(device, name, args...) calls
// kernels::name_cpu<T>(args...) for a CPU tensor and kernels::name_cuda<T>(args..., stream) on the
// current device's compute stream for a CUDA tensor (CUDA builds only; without ACL_HAVE_CUDA a
// CUDA tensor cannot exist, Storage refuses to allocate one). The kernel names follow kernels/*.h.
#pragma once

#include <stdexcept>
#include <string>

#include "engine/tensor.h"

#ifdef ACL_HAVE_CUDA
#include "engine/cuda/stream.h"

#define ACL_KERNEL(device, name, ...)                                       \
  do {                                                                      \
    if ((device) == ::acl::Device::CUDA) {                                  \
      ::acl::kernels::name##_cuda<T>(__VA_ARGS__, ::acl::compute_stream()); \
    } else {                                                                \
      ::acl::kernels::name##_cpu<T>(__VA_ARGS__);                           \
    }                                                                       \
  } while (0)
// The same routing for a kernel that returns a value (an expression).
#define ACL_KERNEL_VALUE(device, name, ...)                                   \
  (((device) == ::acl::Device::CUDA)                                          \
       ? ::acl::kernels::name##_cuda<T>(__VA_ARGS__, ::acl::compute_stream()) \
       : ::acl::kernels::name##_cpu<T>(__VA_ARGS__))
#else
#define ACL_KERNEL(device, name, ...)           \
  do {                                          \
    (void)(device);                             \
    ::acl::kernels::name##_cpu<T>(__VA_ARGS__); \
  } while (0)
#define ACL_KERNEL_VALUE(device, name, ...) \
  ((void)(device), ::acl::kernels::name##_cpu<T>(__VA_ARGS__))
#endif

namespace acl::detail {

[[noreturn]] inline void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

inline void check_defined(const char* op, const char* name, const Tensor& t) {
  if (!t.defined()) fail(op, std::string("argument '") + name + "' is undefined");
}

// A floating tensor (f32/f64) of the given rank (-1: any).
inline void check_float(const char* op, const char* name, const Tensor& t, int rank = -1) {
  check_defined(op, name, t);
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64) {
    fail(op, std::string("argument '") + name + "' is " + t.str() + ", expected f32 or f64" +
                 (t.dtype() == DType::bf16 ? " (convert bf16 with .to(DType::f32))" : ""));
  }
  if (rank >= 0 && t.rank() != rank) {
    fail(op, std::string("argument '") + name + "' has shape " + t.shape().str() + " (rank " +
                 std::to_string(t.rank()) + "), expected rank " + std::to_string(rank));
  }
}

inline void check_index(const char* op, const char* name, const Tensor& t, int rank) {
  check_defined(op, name, t);
  if (t.dtype() != DType::i32 || t.rank() != rank) {
    fail(op, std::string("argument '") + name + "' is " + t.str() + ", expected i32 of rank " +
                 std::to_string(rank));
  }
}

// b matches a in dtype and device (and shape when `same_shape`).
inline void check_compatible(const char* op, const char* an, const Tensor& a, const char* bn,
                             const Tensor& b, bool same_shape) {
  check_defined(op, bn, b);
  if (a.dtype() != b.dtype() || a.device() != b.device()) {
    fail(op, std::string("'") + an + "' is " + a.str() + " but '" + bn + "' is " + b.str());
  }
  if (same_shape && a.shape() != b.shape()) {
    fail(op, std::string("shape mismatch: '") + an + "' " + a.shape().str() + " vs '" + bn + "' " +
                 b.shape().str());
  }
}

// Calls f(T{}) with T the C++ type of t's floating dtype (f32 or f64), whatever device t lives
// on: f routes its kernel calls by device with ACL_KERNEL.
template <typename F>
void dispatch(const char* op, const Tensor& t, F&& f) {
  switch (t.dtype()) {
    case DType::f32:
      f(float{});
      return;
    case DType::f64:
      f(double{});
      return;
    default:
      fail(op, "unsupported dtype in " + t.str());
  }
}

inline int to_int(const char* op, const char* what, int64_t v) {
  if (v > 0x7fffffff) fail(op, std::string(what) + " = " + std::to_string(v) + " exceeds int32");
  return static_cast<int>(v);
}

}  // namespace acl::detail
