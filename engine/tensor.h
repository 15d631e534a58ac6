// Tensor: shared storage + shape (rank <= 4) + dtype + device, always contiguous row-major.
// reshape()/detach() are metadata-only views of the same storage. A Tensor is a cheap handle:
// copies alias the same data and the same autograd state.
//
// Autograd state lives with the tensor: `requires_grad` marks parameters (leaves), `grad_fn` is the
// tape node of the op that produced a non-leaf, and `grad()` holds a leaf's accumulated gradient.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/dtype.h"
#include "engine/shape.h"
#include "engine/storage.h"

namespace acl {

struct Node;
class Rng;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  DType dtype = DType::f32;
  Device device = Device::CPU;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // leaves: accumulated gradient (same shape/dtype/device)
  std::shared_ptr<Node> grad_fn;     // non-leaves: the tape node that produced this tensor
};

class Tensor {
 public:
  Tensor() = default;  // undefined tensor (e.g. an absent bias)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation -------------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::CPU);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::CPU);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32,
                     Device device = Device::CPU);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::CPU) {
    return full(shape, 1.0, dtype, device);
  }
  static Tensor scalar(double value, DType dtype = DType::f32) {
    return full(Shape{}, value, dtype);
  }
  // Copies host values into a new CPU tensor; the element count must match the shape.
  static Tensor from_vector(const std::vector<float>& v, const Shape& shape);
  static Tensor from_vector(const std::vector<double>& v, const Shape& shape);
  static Tensor from_vector(const std::vector<int32_t>& v, const Shape& shape);
  // Philox draws from `rng` (advancing it): uniform in (lo, hi] / normal(mean, std).
  static Tensor uniform(const Shape& shape, double lo, double hi, Rng& rng,
                        DType dtype = DType::f32);
  static Tensor normal(const Shape& shape, double mean, double std, Rng& rng,
                       DType dtype = DType::f32);

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int rank() const { return shape().rank(); }
  int64_t size(int dim) const { return shape().dim(dim); }
  int64_t numel() const { return shape().numel(); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().device; }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }
  std::string str() const;  // "f32[2, 3] cpu"

  // ---- data access ----------------------------------------------------------------------------
  void* raw_data() const { return impl().storage->data(); }
  template <typename T>
  T* data() const {
    check_access(dtype_of<T>::value);
    return static_cast<T*>(raw_data());
  }
  // Host copy of the elements converted to T (works for any dtype/device).
  template <typename T>
  std::vector<T> to_vector() const;
  double item() const;  // the value of a one-element tensor

  // ---- conversion -----------------------------------------------------------------------------
  Tensor to(DType dtype) const;              // converted copy (no autograd)
  Tensor to(Device device) const;            // copied to device (no autograd)
  Tensor clone() const;                      // deep copy (no autograd)
  Tensor detach() const;                     // same storage, no autograd history
  Tensor reshape(const Shape& shape) const;  // metadata view; differentiable
  void fill_(double value);
  void copy_from(const Tensor& src);  // same shape and dtype; any devices

  // ---- autograd -------------------------------------------------------------------------------
  // True for parameters and for anything computed from them while grad mode is on.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool value = true);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  Tensor grad() const;  // undefined until a backward reached this leaf
  void zero_grad();     // drops the accumulated gradient
  // Reverse-mode pass from this tensor. With no argument it must hold one element (seed 1).
  void backward(const Tensor& grad_output = Tensor()) const;

  TensorImpl& impl() const {
    if (!impl_) throw std::logic_error("Tensor: use of an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  void check_access(DType want) const;
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace acl
