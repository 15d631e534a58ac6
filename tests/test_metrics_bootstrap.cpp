// Bootstrap confidence intervals: determinism, agreement with metrics recomputed on each
// materialised resample, and the coverage of the true AUROC on simulated data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "train/metrics/metrics.h"

namespace acl::metrics {
namespace {

struct Data {
  std::vector<float> scores;
  std::vector<uint8_t> labels;
  int64_t n;
  int k;
};

// k classes, prevalence ~p; positives score N(shift, 1), negatives N(0, 1), rounded to a grid of
// 0.25 so that many scores tie.
Data simulated(int64_t n, int k, double p, double shift, uint64_t seed, bool grid = true) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  std::bernoulli_distribution label(p);
  Data d{std::vector<float>(static_cast<size_t>(n * k)),
         std::vector<uint8_t>(static_cast<size_t>(n * k)), n, k};
  for (size_t i = 0; i < d.scores.size(); ++i) {
    d.labels[i] = label(gen);
    double v = normal(gen) + (d.labels[i] ? shift : 0.0);
    if (grid) v = std::round(v * 4.0) / 4.0;
    d.scores[i] = static_cast<float>(v);
  }
  return d;
}

double percentile_linear(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

TEST(Bootstrap, SameSeedSameIntervalsOtherSeedOtherIntervals) {
  const Data d = simulated(300, 3, 0.2, 1.0, 11);
  const BootstrapResult a = bootstrap_ci(d.scores, d.labels, d.n, d.k, 200, 5);
  const BootstrapResult b = bootstrap_ci(d.scores, d.labels, d.n, d.k, 200, 5);
  const BootstrapResult c = bootstrap_ci(d.scores, d.labels, d.n, d.k, 200, 6);
  EXPECT_EQ(a.resamples, 200);
  EXPECT_EQ(a.macro_auroc.lo, b.macro_auroc.lo);
  EXPECT_EQ(a.macro_auroc.hi, b.macro_auroc.hi);
  EXPECT_EQ(a.macro_auprc.lo, b.macro_auprc.lo);
  EXPECT_EQ(a.macro_auprc.hi, b.macro_auprc.hi);
  EXPECT_NE(a.macro_auroc.lo, c.macro_auroc.lo);
  const ClassificationMetrics m = classification_metrics(d.scores, d.labels, d.n, d.k);
  EXPECT_LT(a.macro_auroc.lo, m.macro_auroc);
  EXPECT_GT(a.macro_auroc.hi, m.macro_auroc);
  EXPECT_LT(a.macro_auprc.lo, m.macro_auprc);
  EXPECT_GT(a.macro_auprc.hi, m.macro_auprc);
}

TEST(Bootstrap, EqualsPercentilesOfMaterialisedResamples) {
  // A rare class (prevalence 3 %) drops out of some resamples: they use the remaining classes.
  Data d = simulated(120, 3, 0.3, 0.8, 21);
  for (int64_t i = 0; i < d.n; ++i) d.labels[static_cast<size_t>(i * 3 + 2)] = i % 33 == 0;
  const int resamples = 60;
  const uint64_t seed = 99;
  std::vector<double> aurocs, auprcs;
  for (int r = 0; r < resamples; ++r) {
    const std::vector<int64_t> rows = bootstrap_sample(d.n, seed, r);
    ASSERT_EQ(static_cast<int64_t>(rows.size()), d.n);
    std::vector<float> s;
    std::vector<uint8_t> y;
    for (int64_t row : rows) {
      ASSERT_GE(row, 0);
      ASSERT_LT(row, d.n);
      for (int c = 0; c < d.k; ++c) {
        s.push_back(d.scores[static_cast<size_t>(row * d.k + c)]);
        y.push_back(d.labels[static_cast<size_t>(row * d.k + c)]);
      }
    }
    const ClassificationMetrics m = classification_metrics(s, y, d.n, d.k);
    aurocs.push_back(m.macro_auroc);
    auprcs.push_back(m.macro_auprc);
  }
  const BootstrapResult b = bootstrap_ci(d.scores, d.labels, d.n, d.k, resamples, seed, 0.9);
  EXPECT_EQ(b.resamples, resamples);
  EXPECT_NEAR(b.macro_auroc.lo, percentile_linear(aurocs, 0.05), 1e-12);
  EXPECT_NEAR(b.macro_auroc.hi, percentile_linear(aurocs, 0.95), 1e-12);
  EXPECT_NEAR(b.macro_auprc.lo, percentile_linear(auprcs, 0.05), 1e-12);
  EXPECT_NEAR(b.macro_auprc.hi, percentile_linear(auprcs, 0.95), 1e-12);
}

TEST(Bootstrap, SamplesAreUniformDrawsWithReplacement) {
  const int64_t n = 1000;
  const std::vector<int64_t> a = bootstrap_sample(n, 3, 0), b = bootstrap_sample(n, 3, 1);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, bootstrap_sample(n, 3, 0));
  std::vector<int> hits(static_cast<size_t>(n), 0);
  for (int r = 0; r < 200; ++r)
    for (int64_t row : bootstrap_sample(n, 3, r)) ++hits[static_cast<size_t>(row)];
  // Each row is drawn Binomial(200000, 1/1000) times: mean 200, sd ~14.1.
  const auto [lo, hi] = std::minmax_element(hits.begin(), hits.end());
  EXPECT_GT(*lo, 200 - 75);
  EXPECT_LT(*hi, 200 + 75);
  // About 1/e of the rows are missing from one resample.
  std::vector<uint8_t> present(static_cast<size_t>(n), 0);
  for (int64_t row : a) present[static_cast<size_t>(row)] = 1;
  const int missing = static_cast<int>(std::count(present.begin(), present.end(), 0));
  EXPECT_NEAR(missing, 368, 50);
}

TEST(Bootstrap, CoversTheTrueAurocAboutAtTheLevel) {
  // Positives N(1, 1), negatives N(0, 1): true AUROC = Phi(1 / sqrt 2) = 0.76025. Continuous
  // scores (no grid) so that the population value is exact.
  const double truth = 0.5 * std::erfc(-(1.0 / std::sqrt(2.0)) / std::sqrt(2.0));
  int covered = 0;
  const int experiments = 100;
  for (int e = 0; e < experiments; ++e) {
    const Data d = simulated(200, 1, 0.3, 1.0, 1000 + static_cast<uint64_t>(e), false);
    const BootstrapResult b = bootstrap_ci(d.scores, d.labels, d.n, d.k, 300, e);
    ASSERT_EQ(b.resamples, 300);
    covered += b.macro_auroc.lo <= truth && truth <= b.macro_auroc.hi;
  }
  std::printf("covered %d of %d\n", covered, experiments);
  // Binomial(100, 0.95): sd 2.2. A percentile interval on n = 200 is slightly liberal.
  EXPECT_GE(covered, 86);
  EXPECT_LE(covered, 100);
  // A 50 % interval covers far less often than a 95 % one.
  int covered_half = 0;
  for (int e = 0; e < experiments; ++e) {
    const Data d = simulated(200, 1, 0.3, 1.0, 1000 + static_cast<uint64_t>(e), false);
    const BootstrapResult b = bootstrap_ci(d.scores, d.labels, d.n, d.k, 300, e, 0.5);
    covered_half += b.macro_auroc.lo <= truth && truth <= b.macro_auroc.hi;
  }
  std::printf("covered_half %d\n", covered_half);
  EXPECT_GE(covered_half, 35);
  EXPECT_LE(covered_half, 65);
}

TEST(Bootstrap, BadArgumentsAreRefused) {
  const Data d = simulated(20, 2, 0.5, 1.0, 1);
  EXPECT_THROW(bootstrap_ci(d.scores, d.labels, d.n, d.k, 0), std::invalid_argument);
  EXPECT_THROW(bootstrap_ci(d.scores, d.labels, d.n, d.k, 10, 0, 1.0), std::invalid_argument);
  EXPECT_THROW(bootstrap_ci(d.scores, d.labels, d.n, 3, 10), std::invalid_argument);
  EXPECT_THROW(bootstrap_sample(-1, 0, 0), std::invalid_argument);
}

TEST(Bootstrap, NoUsableResampleGivesNaN) {
  const BootstrapResult b = bootstrap_ci({0.1f, 0.2f, 0.3f}, {0, 0, 0}, 3, 1, 20);
  EXPECT_EQ(b.resamples, 0);
  EXPECT_TRUE(std::isnan(b.macro_auroc.lo) && std::isnan(b.macro_auroc.hi));
}

}  // namespace
}  // namespace acl::metrics
