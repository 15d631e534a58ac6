#include "engine/init.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace acl {

Tensor init_uniform_fan_in(const Shape& shape, int64_t fan_in, Rng& rng, DType dtype) {
  if (fan_in <= 0) {
    throw std::invalid_argument("init_uniform_fan_in: fan_in = " + std::to_string(fan_in) +
                                " for shape " + shape.str());
  }
  double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  Tensor t = Tensor::uniform(shape, -bound, bound, rng, dtype);
  t.set_requires_grad(true);
  return t;
}

}  // namespace acl
