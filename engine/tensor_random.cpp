// Random tensor creation from the Philox generator.
#include "engine/rng.h"
#include "engine/tensor.h"

#include <type_traits>

namespace acl {

namespace {

// A tensor filled by fill(T* data, int64_t n) in f64 when dtype is f64, else in f32 then converted.
template <typename Fill>
Tensor random_tensor(const Shape& shape, DType dtype, Fill fill) {
  DType gen = dtype == DType::f64 ? DType::f64 : DType::f32;
  Tensor t = Tensor::empty(shape, gen);
  if (gen == DType::f64) {
    fill(t.data<double>(), t.numel());
  } else {
    fill(t.data<float>(), t.numel());
  }
  return dtype == gen ? t : t.to(dtype);
}

}  // namespace

Tensor Tensor::uniform(const Shape& shape, double lo, double hi, Rng& rng, DType dtype) {
  return random_tensor(shape, dtype, [&](auto* p, int64_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    rng.fill_uniform(p, n, static_cast<T>(lo), static_cast<T>(hi));
  });
}

Tensor Tensor::normal(const Shape& shape, double mean, double std, Rng& rng, DType dtype) {
  return random_tensor(shape, dtype, [&](auto* p, int64_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    rng.fill_normal(p, n, static_cast<T>(mean), static_cast<T>(std));
  });
}

}  // namespace acl
