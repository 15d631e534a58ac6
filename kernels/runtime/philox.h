// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as
// 1, 2, 3", SC11; the algorithm of the Random123 library). Header-only and usable from host code
// and CUDA kernels alike, so both backends draw the same numbers.
//
// Stream convention of the project: a random value is a pure function of (seed, stream, counter).
//   key     = (lo32(seed), hi32(seed))
//   counter = (lo32(counter), hi32(counter), lo32(stream), hi32(stream))
// One counter value gives one Philox block of 4 uint32 words. There is no hidden state: any block,
// and so any element, can be computed independently, in any order, on any device.
//
// Element-indexed helpers (what kernels call, one value per element `index`):
//   philox_uniform_at        float (0,1]   word index%4 of block index/4     (4 per block)
//   philox_uniform_double_at double (0,1]  words 2*(index%2), +1 of block index/2 (2 per block)
//   philox_normal_double_at  double N(0,1) block index/2: Box-Muller on two 53-bit uniforms made
//                                          from words (0,1) and (2,3); even index -> cos branch,
//                                          odd index -> sin branch               (2 per block)
//   philox_normal_at         float N(0,1)  = (float)philox_normal_double_at      (2 per block)
//
// Reproducibility across devices: the uniforms use only integer operations, an exact int->float
// conversion and a multiplication by a power of two, so CPU and CUDA give identical bits. The
// normals use log/sqrt/cos/sin in double precision; glibc and CUDA's libdevice may differ by an ulp
// in double, which after rounding to float almost never shows (expected ~1 value in 10^8 differs by
// one float ulp). Use philox_affine to scale a value: it is a fused multiply-add on both devices.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/runtime/host_device.h"

namespace acl {

struct PhiloxCounter {
  uint32_t v[4];
};
struct PhiloxKey {
  uint32_t v[2];
};

// Values produced per Philox block by each element-indexed helper.
constexpr uint64_t kPhiloxUniformsPerBlock = 4;
constexpr uint64_t kPhiloxUniformDoublesPerBlock = 2;
constexpr uint64_t kPhiloxNormalsPerBlock = 2;

namespace philox_detail {
constexpr uint32_t kM0 = 0xD2511F53u;  // round multipliers
constexpr uint32_t kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u;  // Weyl key increments (golden ratio, sqrt(3) - 1)
constexpr uint32_t kW1 = 0xBB67AE85u;

ACL_HOST_DEVICE inline PhiloxCounter philox_round(PhiloxCounter c, PhiloxKey k) {
  uint64_t p0 = static_cast<uint64_t>(kM0) * c.v[0];
  uint64_t p1 = static_cast<uint64_t>(kM1) * c.v[2];
  uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  PhiloxCounter r;
  r.v[0] = hi1 ^ c.v[1] ^ k.v[0];
  r.v[1] = lo1;
  r.v[2] = hi0 ^ c.v[3] ^ k.v[1];
  r.v[3] = lo0;
  return r;
}
}  // namespace philox_detail

// The Philox4x32 bijection with 10 rounds; the key is bumped by the Weyl constants between rounds.
ACL_HOST_DEVICE inline PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      key.v[0] += philox_detail::kW0;
      key.v[1] += philox_detail::kW1;
    }
    ctr = philox_detail::philox_round(ctr, key);
  }
  return ctr;
}

// Block `counter` of stream `stream` under `seed` (the project convention above).
ACL_HOST_DEVICE inline PhiloxCounter philox_block(uint64_t seed, uint64_t stream,
                                                  uint64_t counter) {
  PhiloxKey key;
  key.v[0] = static_cast<uint32_t>(seed);
  key.v[1] = static_cast<uint32_t>(seed >> 32);
  PhiloxCounter ctr;
  ctr.v[0] = static_cast<uint32_t>(counter);
  ctr.v[1] = static_cast<uint32_t>(counter >> 32);
  ctr.v[2] = static_cast<uint32_t>(stream);
  ctr.v[3] = static_cast<uint32_t>(stream >> 32);
  return philox4x32_10(ctr, key);
}

// One word -> float in (0, 1]: the top 24 bits plus one, times 2^-24. Never 0, so log() is safe.
// Exact on every device: an integer <= 2^24 converts to float exactly.
ACL_HOST_DEVICE inline float philox_uniform(uint32_t x) {
  return static_cast<float>((x >> 8) + 1u) * 5.9604644775390625e-08f;  // 2^-24
}

// Two words -> double in (0, 1] with 53 random bits (32 from hi, 21 from the top of lo).
ACL_HOST_DEVICE inline double philox_uniform_double(uint32_t hi, uint32_t lo) {
  uint64_t m = (static_cast<uint64_t>(hi) << 21) | (lo >> 11);
  return static_cast<double>(m + 1u) * 1.1102230246251565e-16;  // 2^-53
}

struct PhiloxNormal2 {
  double z0, z1;
};

// Box-Muller on two uniforms u1 in (0, 1] and u2: r = sqrt(-2 ln u1), (r cos 2pi u2, r sin 2pi u2).
ACL_HOST_DEVICE inline PhiloxNormal2 philox_box_muller(double u1, double u2) {
  const double kTwoPi = 6.283185307179586476925286766559;
  double r = sqrt(-2.0 * log(u1));
  double theta = kTwoPi * u2;
  PhiloxNormal2 z;
  z.z0 = r * cos(theta);
  z.z1 = r * sin(theta);
  return z;
}

// Two words -> two independent standard normals (32-bit uniforms: u1 = (a + 1) 2^-32 in (0, 1],
// u2 = b 2^-32; |z| <= 6.66).
ACL_HOST_DEVICE inline PhiloxNormal2 philox_normal2(uint32_t a, uint32_t b) {
  const double k2m32 = 2.3283064365386963e-10;  // 2^-32
  return philox_box_muller((static_cast<double>(a) + 1.0) * k2m32, static_cast<double>(b) * k2m32);
}

// ---- element-indexed helpers (see the table at the top) --------------------------------------

ACL_HOST_DEVICE inline float philox_uniform_at(uint64_t seed, uint64_t stream, uint64_t index) {
  PhiloxCounter b = philox_block(seed, stream, index / kPhiloxUniformsPerBlock);
  return philox_uniform(b.v[index % kPhiloxUniformsPerBlock]);
}

ACL_HOST_DEVICE inline double philox_uniform_double_at(uint64_t seed, uint64_t stream,
                                                       uint64_t index) {
  PhiloxCounter b = philox_block(seed, stream, index / kPhiloxUniformDoublesPerBlock);
  unsigned w = 2u * static_cast<unsigned>(index % kPhiloxUniformDoublesPerBlock);
  return philox_uniform_double(b.v[w], b.v[w + 1]);
}

// Both normals of a block: Box-Muller on 53-bit uniforms from words (0,1) and (2,3) (|z| <= 8.57).
ACL_HOST_DEVICE inline PhiloxNormal2 philox_normal_block(PhiloxCounter b) {
  return philox_box_muller(philox_uniform_double(b.v[0], b.v[1]),
                           philox_uniform_double(b.v[2], b.v[3]));
}

ACL_HOST_DEVICE inline double philox_normal_double_at(uint64_t seed, uint64_t stream,
                                                      uint64_t index) {
  PhiloxNormal2 z = philox_normal_block(philox_block(seed, stream, index / kPhiloxNormalsPerBlock));
  return index % kPhiloxNormalsPerBlock == 0 ? z.z0 : z.z1;
}

ACL_HOST_DEVICE inline float philox_normal_at(uint64_t seed, uint64_t stream, uint64_t index) {
  return static_cast<float>(philox_normal_double_at(seed, stream, index));
}

// offset + scale * x with a single rounding (fused multiply-add) on host and device alike, so a
// scaled random value is bit-identical on both backends whatever the compiler's contraction flags.
ACL_HOST_DEVICE inline float philox_affine(float x, float offset, float scale) {
  return fmaf(scale, x, offset);
}
ACL_HOST_DEVICE inline double philox_affine(double x, double offset, double scale) {
  return fma(scale, x, offset);
}

}  // namespace acl
