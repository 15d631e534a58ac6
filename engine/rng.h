// CPU random number generator over the project's Philox stream convention
// (kernels/runtime/philox.h).
//
// The whole state is (seed, stream, counter), where counter is the index of the next unused Philox
// block, so saving those three integers and restoring them with Rng(seed, stream) + set_counter()
// continues the sequence exactly.
//
// Every draw starts on a fresh block and never reuses one. A fill of n values of a kind that
// yields V values per block (kPhiloxUniformsPerBlock = 4 for float uniforms, 2 for double
// uniforms and for normals) takes ceil(n / V) blocks starting at block c = counter(); its element i
// is the element-indexed helper at index c * V + i:
//   fill_uniform(float*)   out[i] = philox_affine(philox_uniform_at(seed, stream, 4c + i), lo, hi -
//   lo) fill_uniform(double*)  out[i] = philox_affine(philox_uniform_double_at(.., 2c + i), lo, hi
//   - lo) fill_normal(float*)    out[i] = philox_affine(philox_normal_at(seed, stream, 2c + i),
//   mean, stddev) fill_normal(double*)   out[i] = philox_affine(philox_normal_double_at(.., 2c +
//   i), mean, stddev)
// so a CUDA kernel given (seed, stream, offset = reserve(n, V)) produces the same values; e.g.
//   philox_fill_uniform_cuda(out, n, rng.seed(), rng.stream(), rng.reserve(n, 4), s)
// writes what rng.fill_uniform(out, n, 0.f, 1.f) would have written.
#pragma once

#include <cstdint>

#include "kernels/runtime/philox.h"

namespace acl {

// 64 random bits of Philox block (seed, stream, counter): words 1 and 0.
inline uint64_t philox_bits64(uint64_t seed, uint64_t stream, uint64_t counter) {
  const PhiloxCounter b = philox_block(seed, stream, counter);
  return (static_cast<uint64_t>(b.v[1]) << 32) | b.v[0];
}

// A uniform integer in [0, bound) from those bits by multiply-shift (bias < bound / 2^64): the
// draw behind shuffles, bootstrap resamples and label-fraction samples.
inline uint64_t philox_below(uint64_t seed, uint64_t stream, uint64_t counter, uint64_t bound) {
  return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(philox_bits64(seed, stream, counter)) * bound) >> 64);
}

class Rng {
 public:
  explicit Rng(uint64_t seed, uint64_t stream = 0) : seed_(seed), stream_(stream) {}

  // Uniform in (0, 1] with 53 random bits; the same value as fill_uniform(double*, 1, 0, 1).
  double uniform();
  // Standard normal; the same value as fill_normal(double*, 1, 0, 1).
  double normal();

  // Values lo + (hi - lo) * u, u uniform in (0, 1].
  void fill_uniform(float* out, int64_t n, float lo, float hi);
  void fill_uniform(double* out, int64_t n, double lo, double hi);
  // Values mean + stddev * z, z standard normal.
  void fill_normal(float* out, int64_t n, float mean, float stddev);
  void fill_normal(double* out, int64_t n, double mean, double stddev);

  // Takes ceil(n / values_per_block) blocks and returns the element index of the first value
  // (counter() * values_per_block before the call): the `offset` to hand to a device kernel that
  // draws the same n values. Throws std::invalid_argument for n < 0 or values_per_block not in
  // {1, 2, 4}, std::overflow_error when the element index would not fit in 64 bits.
  uint64_t reserve(int64_t n, uint64_t values_per_block);

  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }
  uint64_t counter() const { return counter_; }
  void set_counter(uint64_t counter) { counter_ = counter; }

 private:
  uint64_t seed_;
  uint64_t stream_;
  uint64_t counter_ = 0;
};

}  // namespace acl
