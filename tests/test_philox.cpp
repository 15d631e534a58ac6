// Philox4x32-10 and the CPU Rng: known-answer vectors, the stream convention, the element-indexed
// helpers that CUDA kernels share, moments of the distributions, determinism and restore.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "engine/rng.h"
#include "kernels/runtime/philox.h"

namespace acl {
namespace {

// Known-answer vectors: the three "philox4x32 10" rows of the Random123 distribution's
// tests/kat_vectors (D. E. Shaw Research, Random123 1.14.0, github.com/DEShawResearch/random123),
// format "philox4x32 10 <counter[4]> <key[2]> <expected[4]>" in hex:
//   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d
//   bc57ac4c 9b00dbd8 philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff 408f276d
//   41c83b0e a20bc7c6 6d5451fd philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0
//   d16cfe09 94fdcceb 5001e420 24126ea1
struct Kat {
  PhiloxCounter ctr;
  PhiloxKey key;
  PhiloxCounter expected;
};
const Kat kKats[] = {
    {{{0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u}},
     {{0x00000000u, 0x00000000u}},
     {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}}},
    {{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}},
     {{0xffffffffu, 0xffffffffu}},
     {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}}},
    {{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
     {{0xa4093822u, 0x299f31d0u}},
     {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}}},
};

TEST(Philox, Random123KnownAnswerVectors) {
  for (int k = 0; k < 3; ++k) {
    PhiloxCounter out = philox4x32_10(kKats[k].ctr, kKats[k].key);
    for (int w = 0; w < 4; ++w) {
      EXPECT_EQ(out.v[w], kKats[k].expected.v[w]) << "kat row " << k << " word " << w;
    }
  }
}

TEST(Philox, BlockFollowsTheStreamConvention) {
  const uint64_t seed = 0xa409382299f31d0aull, stream = 0x13198a2e03707344ull;
  const uint64_t counter = 0x85a308d3243f6a88ull;
  PhiloxCounter ctr = {{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32),
                        static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)}};
  PhiloxKey key = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  PhiloxCounter expected = philox4x32_10(ctr, key);
  PhiloxCounter got = philox_block(seed, stream, counter);
  for (int w = 0; w < 4; ++w) EXPECT_EQ(got.v[w], expected.v[w]) << "word " << w;
  // Seed 0, stream 0, counter 0 is the all-zero known-answer vector.
  PhiloxCounter zero = philox_block(0, 0, 0);
  for (int w = 0; w < 4; ++w) EXPECT_EQ(zero.v[w], kKats[0].expected.v[w]) << "word " << w;
}

TEST(Philox, UniformMapsToOpenZeroClosedOne) {
  EXPECT_EQ(philox_uniform(0u), std::ldexp(1.0f, -24));
  EXPECT_EQ(philox_uniform(0xffu), std::ldexp(1.0f, -24));  // the low 8 bits are dropped
  EXPECT_EQ(philox_uniform(0x100u), std::ldexp(2.0f, -24));
  EXPECT_EQ(philox_uniform(0xffffffffu), 1.0f);
  EXPECT_EQ(philox_uniform(0x80000000u), 0.5f + std::ldexp(1.0f, -24));
  EXPECT_EQ(philox_uniform_double(0u, 0u), std::ldexp(1.0, -53));
  EXPECT_EQ(philox_uniform_double(0u, 0x7ffu), std::ldexp(1.0, -53));  // low 11 bits dropped
  EXPECT_EQ(philox_uniform_double(0u, 0x800u), std::ldexp(2.0, -53));
  EXPECT_EQ(philox_uniform_double(0xffffffffu, 0xffffffffu), 1.0);
  EXPECT_EQ(philox_uniform_double(0x80000000u, 0u), 0.5 + std::ldexp(1.0, -53));
}

TEST(Philox, BoxMullerOfKnownUniforms) {
  // u1 = 1 gives radius 0; u1 = e^-2 gives radius 2 at angle 2 pi u2.
  PhiloxNormal2 z = philox_box_muller(1.0, 0.3);
  EXPECT_EQ(z.z0, 0.0);
  EXPECT_EQ(z.z1, 0.0);
  z = philox_box_muller(std::exp(-2.0), 0.25);
  EXPECT_NEAR(z.z0, 0.0, 1e-12);
  EXPECT_NEAR(z.z1, 2.0, 1e-12);
  z = philox_box_muller(std::exp(-2.0), 0.5);
  EXPECT_NEAR(z.z0, -2.0, 1e-12);
  // philox_normal2: u1 = (a + 1) 2^-32, u2 = b 2^-32.
  PhiloxNormal2 n = philox_normal2(0xffffffffu, 0x40000000u);  // u1 = 1, u2 = 1/4
  EXPECT_EQ(n.z0, 0.0);
  n = philox_normal2(0u, 0u);  // u1 = 2^-32, angle 0: the largest z0
  EXPECT_NEAR(n.z0, std::sqrt(64.0 * std::log(2.0)), 1e-12);
  EXPECT_EQ(n.z1, 0.0);
}

TEST(Philox, ElementHelpersIndexWordsOfBlocks) {
  const uint64_t seed = 42, stream = 0x1234567890ull;
  for (uint64_t block : {uint64_t{0}, uint64_t{1}, uint64_t{7}, (uint64_t{1} << 40) + 3}) {
    PhiloxCounter b = philox_block(seed, stream, block);
    for (uint64_t w = 0; w < 4; ++w) {
      EXPECT_EQ(philox_uniform_at(seed, stream, 4 * block + w), philox_uniform(b.v[w]));
    }
    EXPECT_EQ(philox_uniform_double_at(seed, stream, 2 * block),
              philox_uniform_double(b.v[0], b.v[1]));
    EXPECT_EQ(philox_uniform_double_at(seed, stream, 2 * block + 1),
              philox_uniform_double(b.v[2], b.v[3]));
    PhiloxNormal2 z = philox_normal_block(b);
    EXPECT_EQ(philox_normal_double_at(seed, stream, 2 * block), z.z0);
    EXPECT_EQ(philox_normal_double_at(seed, stream, 2 * block + 1), z.z1);
    EXPECT_EQ(philox_normal_at(seed, stream, 2 * block), static_cast<float>(z.z0));
    EXPECT_EQ(philox_normal_at(seed, stream, 2 * block + 1), static_cast<float>(z.z1));
  }
}

// ---- moments: 10^6 draws, bounds at 5 standard errors ----------------------------------------

constexpr int64_t kN = 1000000;

struct Moments {
  double mean = 0, var = 0;
};
template <typename T>
Moments moments(const std::vector<T>& x) {
  Moments m;
  for (T v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (T v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<double>(x.size() - 1);
  return m;
}

TEST(Philox, UniformFloatMomentsAndRange) {
  Rng rng(20240601, 3);
  std::vector<float> u(kN);
  rng.fill_uniform(u.data(), kN, 0.0f, 1.0f);
  std::vector<int64_t> bins(10, 0);
  for (float v : u) {
    ASSERT_GT(v, 0.0f);
    ASSERT_LE(v, 1.0f);
    ++bins[std::min(9, static_cast<int>(v * 10.0f))];
  }
  Moments m = moments(u);
  // Uniform(0,1): variance 1/12; the sample variance has standard error sqrt((1/80 - 1/144) / n).
  EXPECT_NEAR(m.mean, 0.5, 5 * std::sqrt(1.0 / 12 / kN));
  EXPECT_NEAR(m.var, 1.0 / 12, 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / kN));
  for (int b = 0; b < 10; ++b) {
    EXPECT_NEAR(static_cast<double>(bins[b]), kN / 10.0, 5 * std::sqrt(kN * 0.1 * 0.9))
        << "bin " << b;
  }
}

TEST(Philox, UniformDoubleMomentsAndRange) {
  Rng rng(7, 0);
  std::vector<double> u(kN);
  rng.fill_uniform(u.data(), kN, -2.0, 6.0);  // width 8
  for (double v : u) {
    ASSERT_GT(v, -2.0);
    ASSERT_LE(v, 6.0);
  }
  Moments m = moments(u);
  EXPECT_NEAR(m.mean, 2.0, 5 * 8 * std::sqrt(1.0 / 12 / kN));
  EXPECT_NEAR(m.var, 64.0 / 12, 5 * 64 * std::sqrt((1.0 / 80 - 1.0 / 144) / kN));
}

template <typename T>
void check_normal(const std::vector<T>& z, double mean, double stddev) {
  Moments m = moments(z);
  // N(mu, s^2): SE of the mean s / sqrt(n), of the sample variance s^2 sqrt(2 / n).
  EXPECT_NEAR(m.mean, mean, 5 * stddev / std::sqrt(static_cast<double>(kN)));
  EXPECT_NEAR(m.var, stddev * stddev, 5 * stddev * stddev * std::sqrt(2.0 / kN));
  // The shape, not only two moments: P(Z < -1) = 0.158655, P(|Z| > 2) = 0.0455003.
  int64_t below = 0, outside = 0;
  for (T v : z) {
    double s = (v - mean) / stddev;
    below += s < -1.0;
    outside += std::fabs(s) > 2.0;
  }
  const double p1 = 0.158655253931457, p2 = 0.0455002638963584;
  EXPECT_NEAR(below / static_cast<double>(kN), p1, 5 * std::sqrt(p1 * (1 - p1) / kN));
  EXPECT_NEAR(outside / static_cast<double>(kN), p2, 5 * std::sqrt(p2 * (1 - p2) / kN));
}

TEST(Philox, NormalFloatMoments) {
  Rng rng(99, 1);
  std::vector<float> z(kN);
  rng.fill_normal(z.data(), kN, 0.0f, 1.0f);
  check_normal(z, 0.0, 1.0);
}

TEST(Philox, NormalDoubleMomentsWithMeanAndStd) {
  Rng rng(123456789, 2);
  std::vector<double> z(kN);
  rng.fill_normal(z.data(), kN, 3.0, 0.5);
  check_normal(z, 3.0, 0.5);
}

TEST(Philox, ScalarDrawsMoments) {
  Rng rng(5);
  const int64_t n = 200000;
  std::vector<double> u(n), z(n);
  for (int64_t i = 0; i < n; ++i) u[i] = rng.uniform();
  for (int64_t i = 0; i < n; ++i) z[i] = rng.normal();
  Moments mu = moments(u), mz = moments(z);
  EXPECT_NEAR(mu.mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(mz.mean, 0.0, 5 / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(mz.var, 1.0, 5 * std::sqrt(2.0 / n));
}

// ---- the Rng object ---------------------------------------------------------------------------

TEST(Rng, SameSeedAndStreamGiveTheSameSequence) {
  Rng a(2024, 5), b(2024, 5);
  std::vector<float> fa(1001), fb(1001);
  a.fill_uniform(fa.data(), 1001, 0.0f, 1.0f);
  b.fill_uniform(fb.data(), 1001, 0.0f, 1.0f);
  EXPECT_EQ(fa, fb);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a.uniform(), b.uniform());
    EXPECT_EQ(a.normal(), b.normal());
  }
  EXPECT_EQ(a.counter(), b.counter());
}

TEST(Rng, RestoreFromCounterContinuesExactly) {
  Rng a(77, 9);
  std::vector<double> skip(13);
  a.fill_normal(skip.data(), 13, 0.0, 1.0);
  (void)a.uniform();
  const uint64_t seed = a.seed(), stream = a.stream(), counter = a.counter();
  EXPECT_EQ(seed, 77u);
  EXPECT_EQ(stream, 9u);
  EXPECT_EQ(counter, 7u + 1u);  // ceil(13 / 2) blocks + 1

  std::vector<float> fa(37), fb(37);
  std::vector<double> da(11), db(11);
  a.fill_uniform(fa.data(), 37, -1.0f, 1.0f);
  a.fill_normal(da.data(), 11, 0.0, 2.0);
  double ua = a.uniform();

  Rng b(seed, stream);
  b.set_counter(counter);
  b.fill_uniform(fb.data(), 37, -1.0f, 1.0f);
  b.fill_normal(db.data(), 11, 0.0, 2.0);
  EXPECT_EQ(fa, fb);
  EXPECT_EQ(da, db);
  EXPECT_EQ(ua, b.uniform());
  EXPECT_EQ(a.counter(), b.counter());
}

TEST(Rng, DifferentStreamsAndSeedsDiffer) {
  const int64_t n = 4096;
  std::vector<float> s0(n), s1(n), seed1(n);
  Rng(1, 0).fill_uniform(s0.data(), n, 0.0f, 1.0f);
  Rng(1, 1).fill_uniform(s1.data(), n, 0.0f, 1.0f);
  Rng(2, 0).fill_uniform(seed1.data(), n, 0.0f, 1.0f);
  int64_t same_stream = 0, same_seed = 0;
  for (int64_t i = 0; i < n; ++i) {
    same_stream += s0[i] == s1[i];
    same_seed += s0[i] == seed1[i];
  }
  // Two independent 24-bit uniforms coincide with probability 2^-24 each.
  EXPECT_LE(same_stream, 1);
  EXPECT_LE(same_seed, 1);
  // Streams that differ only in their high 32 bits are distinct too.
  EXPECT_NE(philox_uniform_at(1, 0, 0), philox_uniform_at(1, uint64_t{1} << 32, 0));
  EXPECT_NE(philox_uniform_at(uint64_t{1} << 32, 0, 0), philox_uniform_at(0, 0, 0));
}

TEST(Rng, FillsEqualTheElementIndexedHelpers) {
  const uint64_t seed = 0x0123456789abcdefull, stream = 11;
  Rng rng(seed, stream);
  rng.set_counter(5);
  // n not a multiple of the values per block, so the last block is partly used.
  const int64_t nf = 1003, nd = 501;
  std::vector<float> uf(nf), zf(nf);
  std::vector<double> ud(nd), zd(nd);
  const float lo = -0.25f, hi = 3.5f, mean = 1.5f, stddev = 0.3f;

  rng.fill_uniform(uf.data(), nf, lo, hi);  // blocks 5 .. 5 + 251
  uint64_t c = 5 + (nf + 3) / 4;
  EXPECT_EQ(rng.counter(), c);
  for (int64_t i = 0; i < nf; ++i) {
    ASSERT_EQ(uf[i], philox_affine(philox_uniform_at(seed, stream, 4 * 5 + i), lo, hi - lo)) << i;
  }
  rng.fill_normal(zf.data(), nf, mean, stddev);
  for (int64_t i = 0; i < nf; ++i) {
    ASSERT_EQ(zf[i], philox_affine(philox_normal_at(seed, stream, 2 * c + i), mean, stddev)) << i;
  }
  c += (nf + 1) / 2;
  EXPECT_EQ(rng.counter(), c);
  rng.fill_uniform(ud.data(), nd, 1.0, 2.0);
  for (int64_t i = 0; i < nd; ++i) {
    ASSERT_EQ(ud[i], philox_affine(philox_uniform_double_at(seed, stream, 2 * c + i), 1.0, 1.0))
        << i;
  }
  c += (nd + 1) / 2;
  rng.fill_normal(zd.data(), nd, -4.0, 2.0);
  for (int64_t i = 0; i < nd; ++i) {
    ASSERT_EQ(zd[i], philox_affine(philox_normal_double_at(seed, stream, 2 * c + i), -4.0, 2.0))
        << i;
  }
  c += (nd + 1) / 2;
  EXPECT_EQ(rng.counter(), c);
  // Scalar draws are fills of one value.
  EXPECT_EQ(rng.uniform(), philox_uniform_double_at(seed, stream, 2 * c));
  EXPECT_EQ(rng.normal(), philox_normal_double_at(seed, stream, 2 * (c + 1)));
  EXPECT_EQ(rng.counter(), c + 2);
}

TEST(Rng, ReserveReturnsTheOffsetForADeviceKernel) {
  Rng rng(3, 4);
  rng.set_counter(10);
  EXPECT_EQ(rng.reserve(9, kPhiloxUniformsPerBlock), 40u);  // 3 blocks
  EXPECT_EQ(rng.counter(), 13u);
  EXPECT_EQ(rng.reserve(0, kPhiloxUniformsPerBlock), 52u);  // takes nothing
  EXPECT_EQ(rng.counter(), 13u);
  EXPECT_EQ(rng.reserve(3, kPhiloxNormalsPerBlock), 26u);  // 2 blocks
  EXPECT_EQ(rng.counter(), 15u);
  EXPECT_THROW(rng.reserve(-1, 4), std::invalid_argument);
  EXPECT_THROW(rng.reserve(1, 3), std::invalid_argument);
  rng.set_counter(std::numeric_limits<uint64_t>::max() / 4);
  EXPECT_THROW(rng.reserve(5, 4), std::overflow_error);
  EXPECT_EQ(rng.reserve(4, 4), std::numeric_limits<uint64_t>::max() - 3);  // the very last block
  EXPECT_THROW(rng.reserve(0, 4), std::overflow_error);
}

TEST(Rng, AffineIsAFusedMultiplyAdd) {
  EXPECT_EQ(philox_affine(0.5f, 1.0f, 4.0f), 3.0f);
  EXPECT_EQ(philox_affine(0.25, -1.0, 8.0), 1.0);
  // 1 + 2^-12 squared is 1 + 2^-11 + 2^-24; only a fused operation keeps the last term.
  const float a = 1.0f + std::ldexp(1.0f, -12);
  EXPECT_EQ(philox_affine(a, -1.0f - std::ldexp(1.0f, -11), a), std::ldexp(1.0f, -24));
}

}  // namespace
}  // namespace acl
