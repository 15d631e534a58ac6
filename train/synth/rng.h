// Small deterministic generator for the synthetic dataset: xoshiro256** (Blackman & Vigna)
// seeded through splitmix64 from (seed, stream), so record i of a dataset is a pure function of
// (seed, i) whatever order or thread generates it. Normals by Box-Muller (pairs, cached); noise
// samples by fast_normal(), the centred sum of the four 16-bit quarters of one draw (Irwin-Hall,
// unit variance, tails cut at +-3.46), one generator step per sample.
#pragma once

#include <cmath>
#include <cstdint>

namespace acl::synth {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t sm = seed;
    const uint64_t mixed = splitmix64(sm) ^ (stream * 0xD1B54A32D192ED03ull);
    uint64_t st = mixed;
    for (uint64_t& w : s_) w = splitmix64(st);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  int below(int n) { return static_cast<int>(uniform() * n); }  // 0..n-1

  // Normal(mean, sd) restricted to [lo, hi] (redrawn; the nearer bound after 32 misses).
  double normal(double mean, double sd, double lo, double hi) {
    for (int attempt = 0; attempt < 32; ++attempt) {
      const double v = mean + sd * normal();
      if (v >= lo && v <= hi) return v;
    }
    return mean < lo ? lo : (mean > hi ? hi : mean);
  }

  double fast_normal() {
    const uint64_t r = next();
    const double sum =
        static_cast<double>((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48));
    return (sum * (1.0 / 65536.0) - 2.0) * 1.7320508075688772;  // sqrt(12 / 4)
  }

  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 6.283185307179586 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace acl::synth
