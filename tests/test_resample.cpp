// Polyphase resampling: tones below the new Nyquist keep frequency, amplitude and timing; tones
// above it are removed; lengths, constants and edge handling.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/test_signal_util.h"
#include "train/preprocess/resample.h"

namespace {

using acl::preprocess::resample;
using acl::preprocess::resampled_length;

using acl::testing::fit_tone;
using acl::testing::kPi;
using acl::testing::tone;

// Frequency from the first and last upward zero crossings (linear interpolation).
double zero_crossing_frequency(const std::vector<float>& y, double fs, int64_t a, int64_t b) {
  double first = -1, last = -1;
  int count = 0;
  for (int64_t i = a; i + 1 < b; ++i) {
    const double y0 = y[static_cast<size_t>(i)], y1 = y[static_cast<size_t>(i + 1)];
    if (y0 < 0 && y1 >= 0) {
      const double t = i + y0 / (y0 - y1);
      if (first < 0) first = t;
      last = t;
      ++count;
    }
  }
  return count > 1 ? (count - 1) * fs / (last - first) : 0.0;
}

struct ToneCase {
  double fs_in, fs_out, f;
};

std::string case_name(const ToneCase& c) {
  return std::to_string(static_cast<int>(c.fs_in)) + "_to_" +
         std::to_string(static_cast<int>(c.fs_out)) + "_at_" +
         std::to_string(static_cast<int>(c.f)) + "Hz";
}

class ResampleTone : public ::testing::TestWithParam<ToneCase> {};

// The whole output interior must equal the ideal tone sampled at the new rate: this checks
// amplitude, frequency and alignment (group delay) together.
TEST_P(ResampleTone, KeepsFrequencyAmplitudeAndTiming) {
  const ToneCase c = GetParam();
  const int64_t n = static_cast<int64_t>(20.0 * c.fs_in);  // 20 s
  const double amp = 1.7, phase = 0.3;
  const std::vector<float> x = tone(c.f, c.fs_in, n, amp, phase);
  const std::vector<float> y = resample(x.data(), 1, n, c.fs_in, c.fs_out);
  const int64_t m = static_cast<int64_t>(y.size());
  ASSERT_EQ(m, std::llround(n * c.fs_out / c.fs_in));
  const int64_t a = m / 10, b = m - m / 10;
  double worst = 0;
  int64_t worst_i = a;
  for (int64_t k = a; k < b; ++k) {
    const double ref = amp * std::sin(2 * kPi * c.f * k / c.fs_out + phase);
    const double err = std::abs(y[static_cast<size_t>(k)] - ref);
    if (err > worst) {
      worst = err;
      worst_i = k;
    }
  }
  EXPECT_LT(worst, 0.01 * amp) << case_name(c) << ": worst sample " << worst_i;
  EXPECT_NEAR(fit_tone(y, c.f, c.fs_out, a, b).amp, amp, 0.01 * amp) << case_name(c);
  EXPECT_NEAR(zero_crossing_frequency(y, c.fs_out, a, b), c.f, 1e-3 * c.f) << case_name(c);
}

INSTANTIATE_TEST_SUITE_P(
    Rates, ResampleTone,
    ::testing::Values(ToneCase{500, 100, 5}, ToneCase{500, 100, 20}, ToneCase{500, 100, 38},
                      ToneCase{100, 500, 3}, ToneCase{100, 500, 25}, ToneCase{100, 500, 40},
                      ToneCase{360, 100, 7}, ToneCase{360, 100, 38}, ToneCase{1000, 500, 11},
                      ToneCase{1000, 500, 190}, ToneCase{257, 100, 9}, ToneCase{257, 100, 37}),
    [](const ::testing::TestParamInfo<ToneCase>& info) { return case_name(info.param); });

class ResampleAlias : public ::testing::TestWithParam<ToneCase> {};

// A tone above the new Nyquist (past the transition band) must be attenuated by > 40 dB.
TEST_P(ResampleAlias, RemovesToneAboveNewNyquist) {
  const ToneCase c = GetParam();
  ASSERT_GT(c.f, 0.5 * c.fs_out);
  ASSERT_LT(c.f, 0.5 * c.fs_in);
  const int64_t n = static_cast<int64_t>(20.0 * c.fs_in);
  const std::vector<float> x = tone(c.f, c.fs_in, n, 1.0, 0.1);
  const std::vector<float> y = resample(x.data(), 1, n, c.fs_in, c.fs_out);
  const int64_t m = static_cast<int64_t>(y.size());
  double peak = 0;
  for (int64_t k = m / 10; k < m - m / 10; ++k)
    peak = std::max(peak, std::abs(double(y[static_cast<size_t>(k)])));
  EXPECT_LT(20 * std::log10(peak + 1e-30), -40.0) << case_name(c) << ": peak " << peak;
}

INSTANTIATE_TEST_SUITE_P(Rates, ResampleAlias,
                         ::testing::Values(ToneCase{500, 100, 60}, ToneCase{500, 100, 70},
                                           ToneCase{500, 100, 150}, ToneCase{360, 100, 62},
                                           ToneCase{360, 100, 120}, ToneCase{1000, 500, 290},
                                           ToneCase{257, 100, 61}, ToneCase{257, 100, 110}),
                         [](const ::testing::TestParamInfo<ToneCase>& info) {
                           return case_name(info.param);
                         });

TEST(Resample, OutputLengthRoundsToNearest) {
  EXPECT_EQ(resampled_length(5000, 500, 100), 1000);
  EXPECT_EQ(resampled_length(1000, 100, 500), 5000);
  EXPECT_EQ(resampled_length(650000, 360, 100), 180556);  // 180555.56
  EXPECT_EQ(resampled_length(1001, 257, 100), 389);       // 389.49
  EXPECT_EQ(resampled_length(1003, 257, 100), 390);       // 390.27
  EXPECT_EQ(resampled_length(7, 1000, 500), 4);           // 3.5 rounds up
  EXPECT_EQ(resampled_length(0, 500, 100), 0);
}

TEST(Resample, ConstantStaysConstantIncludingEdges) {
  const int64_t n = 731;
  std::vector<float> x(static_cast<size_t>(n), 2.5f);
  for (auto [fi, fo] : {std::pair{500.0, 100.0}, {100.0, 500.0}, {257.0, 100.0}, {360.0, 128.0}}) {
    const std::vector<float> y = resample(x.data(), 1, n, fi, fo);
    ASSERT_FALSE(y.empty());
    for (size_t k = 0; k < y.size(); ++k)
      ASSERT_NEAR(y[k], 2.5f, 1e-5) << fi << "->" << fo << " k=" << k;
  }
}

TEST(Resample, RampKeepsSlopeAtTheEdges) {
  // Odd reflection continues a straight line exactly, so a ramp stays a ramp up to the ends.
  const int64_t n = 500;
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = 0.01f * static_cast<float>(i) - 1.0f;
  const std::vector<float> y = resample(x.data(), 1, n, 500, 100);
  for (size_t k = 0; k < y.size(); ++k) ASSERT_NEAR(y[k], 0.01 * 5 * k - 1.0, 1e-4) << k;
}

TEST(Resample, LeadsAreIndependentAndLeadMajor) {
  const int64_t n = 2000;
  std::vector<float> x(static_cast<size_t>(3 * n));
  const std::vector<float> a = tone(5, 500, n, 1.0, 0), b = tone(9, 500, n, 0.5, 1.0);
  std::copy(a.begin(), a.end(), x.begin());
  std::fill(x.begin() + n, x.begin() + 2 * n, 0.0f);
  std::copy(b.begin(), b.end(), x.begin() + 2 * n);
  const std::vector<float> y = resample(x.data(), 3, n, 500, 100);
  const std::vector<float> ya = resample(a.data(), 1, n, 500, 100);
  const std::vector<float> yb = resample(b.data(), 1, n, 500, 100);
  const size_t m = ya.size();
  ASSERT_EQ(y.size(), 3 * m);
  for (size_t k = 0; k < m; ++k) {
    ASSERT_EQ(y[k], ya[k]);
    ASSERT_EQ(y[m + k], 0.0f);
    ASSERT_EQ(y[2 * m + k], yb[k]);
  }
}

TEST(Resample, SameRateIsACopy) {
  const std::vector<float> x = tone(3, 100, 123, 1.0, 0.2);
  EXPECT_EQ(resample(x.data(), 1, 123, 100, 100), x);
}

TEST(Resample, RejectsBadRates) {
  float x[4] = {0, 1, 2, 3};
  EXPECT_THROW(resample(x, 1, 4, 0.0, 100), std::invalid_argument);
  EXPECT_THROW(resample(x, 1, 4, 100, -5), std::invalid_argument);
  EXPECT_THROW(resample(x, 1, 4, std::nan(""), 100), std::invalid_argument);
}

}  // namespace
