#include "engine/tensor.h"

#include <cstring>

#include "engine/autograd.h"

namespace acl {
namespace {

template <typename Dst, typename Src>
Dst convert(Src v) {
  if constexpr (std::is_same_v<Dst, Src>) {
    return v;
  } else if constexpr (std::is_same_v<Dst, bf16>) {
    return float_to_bf16(static_cast<float>(v));
  } else if constexpr (std::is_same_v<Src, bf16>) {
    return static_cast<Dst>(bf16_to_float(v));
  } else {
    return static_cast<Dst>(v);
  }
}

// Converts n host elements of src_type into dst of dst_type.
void convert_host(void* dst, DType dst_type, const void* src, DType src_type, int64_t n) {
  visit_dtype(dst_type, [&](auto dst_tag) {
    using Dst = decltype(dst_tag);
    visit_dtype(src_type, [&](auto src_tag) {
      using Src = decltype(src_tag);
      auto d = static_cast<Dst*>(dst);
      auto s = static_cast<const Src*>(src);
      for (int64_t i = 0; i < n; ++i) d[i] = convert<Dst>(s[i]);
    });
  });
}

template <typename T>
Tensor from_host(const std::vector<T>& v, const Shape& shape) {
  if (static_cast<int64_t>(v.size()) != shape.numel()) {
    throw std::invalid_argument("Tensor::from_vector: " + std::to_string(v.size()) +
                                " values for shape " + shape.str() + " (" +
                                std::to_string(shape.numel()) + " elements)");
  }
  Tensor t = Tensor::empty(shape, dtype_of<T>::value);
  if (!v.empty()) std::memcpy(t.raw_data(), v.data(), v.size() * sizeof(T));
  return t;
}

}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage =
      std::make_shared<Storage>(static_cast<size_t>(shape.numel()) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->dtype = dtype;
  impl->device = device;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  zero_bytes(t.raw_data(), device, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, Device::CPU);
  t.fill_(value);
  return device == Device::CPU ? t : t.to(device);
}

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& s) {
  return from_host(v, s);
}
Tensor Tensor::from_vector(const std::vector<double>& v, const Shape& s) {
  return from_host(v, s);
}
Tensor Tensor::from_vector(const std::vector<int32_t>& v, const Shape& s) {
  return from_host(v, s);
}

std::string Tensor::str() const {
  if (!defined()) return "undefined";
  return std::string(dtype_name(dtype())) + shape().str() + " " + device_name(device());
}

void Tensor::check_access(DType want) const {
  if (dtype() != want) {
    throw std::invalid_argument(std::string("Tensor::data: requested ") + dtype_name(want) +
                                " from a " + str() + " tensor");
  }
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = device() == Device::CPU ? *this : to(Device::CPU);
  std::vector<T> out(static_cast<size_t>(numel()));
  convert_host(out.data(), dtype_of<T>::value, host.raw_data(), dtype(), numel());
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<bf16> Tensor::to_vector<bf16>() const;

double Tensor::item() const {
  if (numel() != 1) {
    throw std::invalid_argument("Tensor::item: tensor " + str() + " has " +
                                std::to_string(numel()) + " elements, expected 1");
  }
  return to_vector<double>()[0];
}

Tensor Tensor::to(DType target) const {
  Tensor host = device() == Device::CPU ? *this : to(Device::CPU);
  Tensor out = empty(shape(), target, Device::CPU);
  convert_host(out.raw_data(), target, host.raw_data(), dtype(), numel());
  return device() == Device::CPU ? out : out.to(device());
}

Tensor Tensor::to(Device target) const {
  Tensor out = empty(shape(), dtype(), target);
  copy_bytes(out.raw_data(), target, raw_data(), device(), nbytes());
  return out;
}

Tensor Tensor::clone() const {
  return to(device());
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = this->impl().storage;
  impl->shape = shape();
  impl->dtype = dtype();
  impl->device = device();
  return Tensor(std::move(impl));
}

void Tensor::fill_(double value) {
  if (device() != Device::CPU) {
    copy_from(full(shape(), value, dtype(), Device::CPU));
    return;
  }
  convert_host(raw_data(), dtype(), &value, DType::f64, 1);
  size_t es = dtype_size(dtype());
  auto* bytes = static_cast<unsigned char*>(raw_data());
  for (int64_t i = 1; i < numel(); ++i) std::memcpy(bytes + i * es, bytes, es);
}

void Tensor::copy_from(const Tensor& src) {
  if (src.shape() != shape() || src.dtype() != dtype()) {
    throw std::invalid_argument("Tensor::copy_from: source " + src.str() + " does not match " +
                                str());
  }
  copy_bytes(raw_data(), device(), src.raw_data(), src.device(), nbytes());
}

bool Tensor::requires_grad() const {
  return impl().requires_grad || impl().grad_fn != nullptr;
}

Tensor& Tensor::set_requires_grad(bool value) {
  if (value && !is_floating(dtype())) {
    throw std::invalid_argument("Tensor::set_requires_grad: " + str() +
                                " is an index tensor and cannot require grad");
  }
  if (!is_leaf()) {
    throw std::invalid_argument(
        "Tensor::set_requires_grad: only leaves (parameters) can be "
        "marked; " +
        str() + " was produced by op '" + impl().grad_fn->op + "'");
  }
  impl().requires_grad = value;
  return *this;
}

Tensor Tensor::grad() const {
  return Tensor(impl().grad);
}

void Tensor::zero_grad() {
  impl().grad.reset();
}

void Tensor::backward(const Tensor& grad_output) const {
  if (!requires_grad()) {
    throw std::invalid_argument("backward: " + str() +
                                " does not require grad (no parameter contributed to it)");
  }
  Tensor seed = grad_output;
  if (!seed.defined()) {
    if (numel() != 1) {
      throw std::invalid_argument("backward: implicit gradient needs a one-element tensor, got " +
                                  str() + "; pass grad_output");
    }
    seed = full(shape(), 1.0, dtype(), device());
  } else if (seed.shape() != shape() || seed.dtype() != dtype() || seed.device() != device()) {
    throw std::invalid_argument("backward: grad_output " + seed.str() + " does not match " + str());
  }
  run_backward(*this, seed);
}

Tensor Tensor::reshape(const Shape& s) const {
  if (s.numel() != numel()) {
    throw std::invalid_argument("reshape: cannot view " + str() + " (" + std::to_string(numel()) +
                                " elements) as " + s.str() + " (" + std::to_string(s.numel()) +
                                " elements)");
  }
  Tensor out = detach();
  out.impl().shape = s;
  if (needs_grad({this})) {
    Shape in_shape = shape();
    attach_node(out, "reshape", {*this},
                [in_shape](const Tensor& g) { return std::vector<Tensor>{g.reshape(in_shape)}; });
  }
  return out;
}

}  // namespace acl
