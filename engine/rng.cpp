#include "engine/rng.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace acl {

uint64_t Rng::reserve(int64_t n, uint64_t values_per_block) {
  if (n < 0) throw std::invalid_argument("Rng::reserve: n = " + std::to_string(n) + " < 0");
  if (values_per_block != 1 && values_per_block != 2 && values_per_block != 4) {
    throw std::invalid_argument("Rng::reserve: values_per_block = " +
                                std::to_string(values_per_block) + ", expected 1, 2 or 4");
  }
  uint64_t blocks = (static_cast<uint64_t>(n) + values_per_block - 1) / values_per_block;
  // The largest block whose last element index still fits in 64 bits.
  uint64_t last_block = std::numeric_limits<uint64_t>::max() / values_per_block;
  if (counter_ > last_block || blocks > last_block - counter_ + 1) {
    throw std::overflow_error("Rng::reserve: counter " + std::to_string(counter_) + " + " +
                              std::to_string(blocks) +
                              " blocks overflows the 64-bit element index");
  }
  uint64_t first = counter_ * values_per_block;
  counter_ += blocks;
  return first;
}

double Rng::uniform() {
  return philox_uniform_double_at(seed_, stream_, reserve(1, kPhiloxUniformDoublesPerBlock));
}

double Rng::normal() {
  return philox_normal_double_at(seed_, stream_, reserve(1, kPhiloxNormalsPerBlock));
}

// The loops below compute each block once and hand out its values in order; element i lies in
// block c + i / V at position i % V, which is exactly what the *_at helpers compute (tested).

void Rng::fill_uniform(float* out, int64_t n, float lo, float hi) {
  uint64_t c = reserve(n, kPhiloxUniformsPerBlock) / kPhiloxUniformsPerBlock;
  float scale = hi - lo;
  for (int64_t i = 0; i < n; i += 4, ++c) {
    PhiloxCounter b = philox_block(seed_, stream_, c);
    for (int64_t j = 0; j < 4 && i + j < n; ++j) {
      out[i + j] = philox_affine(philox_uniform(b.v[j]), lo, scale);
    }
  }
}

void Rng::fill_uniform(double* out, int64_t n, double lo, double hi) {
  uint64_t c = reserve(n, kPhiloxUniformDoublesPerBlock) / kPhiloxUniformDoublesPerBlock;
  double scale = hi - lo;
  for (int64_t i = 0; i < n; i += 2, ++c) {
    PhiloxCounter b = philox_block(seed_, stream_, c);
    out[i] = philox_affine(philox_uniform_double(b.v[0], b.v[1]), lo, scale);
    if (i + 1 < n) out[i + 1] = philox_affine(philox_uniform_double(b.v[2], b.v[3]), lo, scale);
  }
}

void Rng::fill_normal(float* out, int64_t n, float mean, float stddev) {
  uint64_t c = reserve(n, kPhiloxNormalsPerBlock) / kPhiloxNormalsPerBlock;
  for (int64_t i = 0; i < n; i += 2, ++c) {
    PhiloxNormal2 z = philox_normal_block(philox_block(seed_, stream_, c));
    out[i] = philox_affine(static_cast<float>(z.z0), mean, stddev);
    if (i + 1 < n) out[i + 1] = philox_affine(static_cast<float>(z.z1), mean, stddev);
  }
}

void Rng::fill_normal(double* out, int64_t n, double mean, double stddev) {
  uint64_t c = reserve(n, kPhiloxNormalsPerBlock) / kPhiloxNormalsPerBlock;
  for (int64_t i = 0; i < n; i += 2, ++c) {
    PhiloxNormal2 z = philox_normal_block(philox_block(seed_, stream_, c));
    out[i] = philox_affine(z.z0, mean, stddev);
    if (i + 1 < n) out[i + 1] = philox_affine(z.z1, mean, stddev);
  }
}

}  // namespace acl
