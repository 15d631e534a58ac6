// Per-lead standardisation and fixed-length crop / pad.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/preprocess/crop.h"
#include "train/preprocess/standardize.h"

namespace {

using namespace acl::preprocess;

TEST(Standardize, ZeroMeanUnitStdPerLead) {
  const int leads = 3, n = 1001;
  std::vector<float> x(static_cast<size_t>(leads * n));
  for (int i = 0; i < n; ++i) {
    x[static_cast<size_t>(i)] = 1000.0f + 3.0f * std::sin(0.05f * i);             // large offset
    x[static_cast<size_t>(n + i)] = 0.001f * static_cast<float>((i * 37) % 101);  // small scale
    x[static_cast<size_t>(2 * n + i)] = static_cast<float>(i % 7) - 2.0f;
  }
  std::vector<LeadStats> before;
  for (int l = 0; l < leads; ++l) before.push_back(lead_stats(x.data() + l * n, n));
  EXPECT_EQ(standardize_leads(x.data(), leads, n), 0);
  for (int l = 0; l < leads; ++l) {
    const LeadStats s = lead_stats(x.data() + l * n, n);
    EXPECT_NEAR(s.mean, 0.0, 1e-5) << l;
    EXPECT_NEAR(s.std, 1.0, 1e-5) << l;
    // Shape kept: sample 10 maps to (x - mean) / std.
    ASSERT_GT(before[static_cast<size_t>(l)].std, 0.0);
  }
  EXPECT_NEAR(x[10], (1000.0 + 3.0 * std::sin(0.5f) - before[0].mean) / before[0].std, 1e-3);
}

TEST(Standardize, FlatLeadsBecomeZeroNotNan) {
  const int n = 50;
  std::vector<float> x(static_cast<size_t>(3 * n), 0.0f);
  for (int i = 0; i < n; ++i) {
    x[static_cast<size_t>(i)] = 7.25f;                          // constant
    x[static_cast<size_t>(2 * n + i)] = static_cast<float>(i);  // normal lead
  }
  EXPECT_EQ(standardize_leads(x.data(), 3, n), 2);
  for (int i = 0; i < 2 * n; ++i) EXPECT_EQ(x[static_cast<size_t>(i)], 0.0f) << i;
  for (int i = 0; i < n; ++i) EXPECT_TRUE(std::isfinite(x[static_cast<size_t>(2 * n + i)]));
  EXPECT_NE(x[static_cast<size_t>(2 * n)], 0.0f);
}

TEST(Crop, CenterAndStartCrop) {
  const int leads = 2, n = 11, len = 4;
  std::vector<float> x(static_cast<size_t>(leads * n));
  for (int i = 0; i < leads * n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i);
  EXPECT_EQ(crop_offset(n, len, CropMode::kCenter), 3);  // (11 - 4) / 2
  const std::vector<float> c = crop_or_pad(x.data(), leads, n, len, CropMode::kCenter);
  EXPECT_EQ(c, (std::vector<float>{3, 4, 5, 6, 14, 15, 16, 17}));
  const std::vector<float> s = crop_or_pad(x.data(), leads, n, len, CropMode::kStart);
  EXPECT_EQ(s, (std::vector<float>{0, 1, 2, 3, 11, 12, 13, 14}));
}

TEST(Crop, ShortRecordsAreZeroPaddedAtTheEnd) {
  const std::vector<float> x = {1, 2, 3, -1, -2, -3};
  for (CropMode mode : {CropMode::kCenter, CropMode::kStart}) {
    EXPECT_EQ(crop_or_pad(x.data(), 2, 3, 5, mode),
              (std::vector<float>{1, 2, 3, 0, 0, -1, -2, -3, 0, 0}));
    EXPECT_EQ(crop_or_pad(x.data(), 2, 3, 3, mode), x);
  }
  EXPECT_THROW(crop_or_pad(x.data(), 2, 3, -1), std::invalid_argument);
}

}  // namespace
