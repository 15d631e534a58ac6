// Random tensor creation from the Philox generator.
#include "engine/rng.h"
#include "engine/tensor.h"

namespace acl {

Tensor Tensor::uniform(const Shape& shape, double lo, double hi, Rng& rng, DType dtype) {
  if (dtype == DType::f64) {
    Tensor t = empty(shape, DType::f64);
    rng.fill_uniform(t.data<double>(), t.numel(), lo, hi);
    return t;
  }
  Tensor t = empty(shape, DType::f32);
  rng.fill_uniform(t.data<float>(), t.numel(), static_cast<float>(lo), static_cast<float>(hi));
  return dtype == DType::f32 ? t : t.to(dtype);
}

Tensor Tensor::normal(const Shape& shape, double mean, double std, Rng& rng, DType dtype) {
  if (dtype == DType::f64) {
    Tensor t = empty(shape, DType::f64);
    rng.fill_normal(t.data<double>(), t.numel(), mean, std);
    return t;
  }
  Tensor t = empty(shape, DType::f32);
  rng.fill_normal(t.data<float>(), t.numel(), static_cast<float>(mean), static_cast<float>(std));
  return dtype == DType::f32 ? t : t.to(dtype);
}

}  // namespace acl
