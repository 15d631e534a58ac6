// Argument checks for code that takes tensors: the op implementations, the optimizers and the
// libraries above the engine that launch kernels themselves (train/augment). Every failure throws
// std::invalid_argument naming the op, the argument and the shapes. Kernel calls are routed by
// device with route_kernel (engine/kernel_route.h).
#pragma once

#include <stdexcept>
#include <string>

#include "engine/tensor.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::checks {

using ::acl::kernels::fail;  // throws std::invalid_argument("<op>: <what>")

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

inline int to_int(const char* op, const char* what, int64_t v) {
  if (v > 0x7fffffff) fail(op, std::string(what) + " = " + std::to_string(v) + " exceeds int32");
  return static_cast<int>(v);
}

}  // namespace acl::checks
