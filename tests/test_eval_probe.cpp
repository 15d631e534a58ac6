// The linear probe: the logistic objective's gradient against float64 central differences, the
// standardiser, and the probe on separable features (AUROC ~1) and on shuffled labels (~0.5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/rng.h"
#include "train/eval/linear_probe.h"
#include "train/eval/logistic.h"
#include "train/metrics/metrics.h"

namespace acl::eval {
namespace {

// n rows of d features; class c is positive when feature c (plus noise * normal) is > 0.
Features make_features(int64_t n, int64_t d, int k, double noise, uint64_t seed) {
  Rng rng(seed);
  Features f;
  f.n = n;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> row(static_cast<size_t>(d));
    for (double& v : row) v = rng.normal();
    for (double v : row) f.x.push_back(static_cast<float>(3.0 * v + 1.0));  // not standardised
    for (int c = 0; c < k; ++c) f.y.push_back(row[c] + noise * rng.normal() > 0 ? 1 : 0);
  }
  return f;
}

TEST(Logistic, GradientMatchesCentralDifferences) {
  const int64_t n = 7, d = 4;
  const int k = 3;
  Rng rng(3);
  std::vector<double> x(n * d), p(k * d + k);
  std::vector<uint8_t> y(n * k);
  for (double& v : x) v = rng.normal();
  for (double& v : p) v = 0.5 * rng.normal();
  for (uint8_t& v : y) v = rng.uniform() > 0.5;
  std::vector<double> grad;
  logistic_objective(p, x, y, n, d, k, 0.3, &grad);
  for (size_t i = 0; i < p.size(); ++i) {
    const double h = 1e-6;
    std::vector<double> a = p, b = p;
    a[i] += h;
    b[i] -= h;
    const double fd = (logistic_objective(a, x, y, n, d, k, 0.3, nullptr) -
                       logistic_objective(b, x, y, n, d, k, 0.3, nullptr)) /
                      (2 * h);
    EXPECT_NEAR(grad[i], fd, 1e-8) << "parameter " << i;
  }
}

TEST(Logistic, SoftmaxGradientMatchesCentralDifferences) {
  const int64_t n = 6, d = 3;
  const int k = 4;
  Rng rng(5);
  std::vector<double> x(n * d), p(k * d + k);
  std::vector<uint8_t> y(n * k, 0);
  for (double& v : x) v = rng.normal();
  for (double& v : p) v = 0.5 * rng.normal();
  for (int64_t i = 0; i < n; ++i) y[i * k + i % k] = 1;
  std::vector<double> grad;
  logistic_objective(p, x, y, n, d, k, 0.2, &grad, true);
  for (size_t i = 0; i < p.size(); ++i) {
    const double h = 1e-6;
    std::vector<double> a = p, b = p;
    a[i] += h;
    b[i] -= h;
    const double fd = (logistic_objective(a, x, y, n, d, k, 0.2, nullptr, true) -
                       logistic_objective(b, x, y, n, d, k, 0.2, nullptr, true)) /
                      (2 * h);
    EXPECT_NEAR(grad[i], fd, 1e-8) << "parameter " << i;
  }
}

TEST(LinearProbe, SoftmaxOnSeparableSingleLabelFeatures) {
  // Class of a row: the argmax of its first k features.
  const int k = 3;
  auto single = [&](int64_t n, uint64_t seed) {
    Features f = make_features(n, 8, k, 0.0, seed);
    for (int64_t i = 0; i < n; ++i) {
      int best = 0;
      for (int c = 1; c < k; ++c)
        if (f.x[i * 8 + c] > f.x[i * 8 + best]) best = c;
      for (int c = 0; c < k; ++c) f.y[i * k + c] = c == best;
    }
    return f;
  };
  const Features tr = single(900, 21), va = single(300, 22), te = single(600, 23);
  const ProbeResult r = linear_probe(tr, {}, va, te, 8, k, ProbeConfig{}, true);
  for (int64_t i = 0; i < te.n; ++i) {  // probabilities of a row sum to 1
    double s = 0;
    for (int c = 0; c < k; ++c) s += r.test_scores[i * k + c];
    ASSERT_NEAR(s, 1.0, 1e-5);
  }
  EXPECT_GT(metrics::classification_metrics(r.test_scores, te.y, te.n, k).macro_auroc, 0.99);
}

TEST(Logistic, StandardizerZeroesConstantColumns) {
  const std::vector<float> x{1, 5, 3, 5, 5, 5};  // (3, 2): column 1 constant
  const Standardizer s = Standardizer::fit(x, 2, {0, 1, 2});
  const std::vector<double> z = s.apply(x, {0, 1, 2});
  EXPECT_NEAR(z[0] + z[2] + z[4], 0.0, 1e-12);
  EXPECT_NEAR(z[0] * z[0] + z[2] * z[2] + z[4] * z[4], 3.0, 1e-9);
  EXPECT_EQ(z[1], 0.0);
  EXPECT_EQ(z[5], 0.0);
}

TEST(Logistic, FitReachesTheMinimum) {
  const Features f = make_features(300, 5, 2, 1.0, 11);
  std::vector<int64_t> rows(300);
  for (int i = 0; i < 300; ++i) rows[i] = i;
  const std::vector<double> x = Standardizer::fit(f.x, 5, rows).apply(f.x, rows);
  LogisticOptions o;
  o.l2 = 1e-2;
  o.tolerance = 1e-12;
  o.max_iterations = 500;
  const LogisticFit fit = fit_logistic(x, f.y, 300, 5, 2, o);
  std::vector<double> p = fit.model.w;
  p.insert(p.end(), fit.model.b.begin(), fit.model.b.end());
  std::vector<double> grad;
  logistic_objective(p, x, f.y, 300, 5, 2, o.l2, &grad);
  double norm = 0;
  for (double g : grad) norm = std::max(norm, std::fabs(g));
  EXPECT_LT(norm, 1e-4);
  EXPECT_TRUE(fit.converged);
}

TEST(LinearProbe, SeparableFeaturesGiveAurocNearOne) {
  const int k = 3;
  const Features tr = make_features(600, 16, k, 0.0, 1), va = make_features(300, 16, k, 0.0, 2),
                 te = make_features(500, 16, k, 0.0, 3);
  ProbeConfig c;
  const ProbeResult r = linear_probe(tr, {}, va, te, 16, k, c);
  const metrics::ClassificationMetrics m =
      metrics::classification_metrics(r.test_scores, te.y, te.n, k);
  EXPECT_GT(m.macro_auroc, 0.995);
  EXPECT_EQ(r.val_auroc.size(), c.l2_grid.size());
  // The choice is the grid entry with the best validation AUROC.
  const size_t best = static_cast<size_t>(std::max_element(r.val_auroc.begin(), r.val_auroc.end()) -
                                          r.val_auroc.begin());
  EXPECT_EQ(r.l2, c.l2_grid[best]);
}

TEST(LinearProbe, ShuffledLabelsGiveChance) {
  const int k = 4;
  Features tr = make_features(2000, 16, k, 0.0, 4), va = make_features(500, 16, k, 0.0, 5),
           te = make_features(4000, 16, k, 0.0, 6);
  // Labels independent of the features: each row takes another row's labels.
  Rng rng(9);
  for (Features* f : {&tr, &va, &te}) {
    std::vector<uint8_t> y = f->y;
    for (int64_t i = f->n - 1; i > 0; --i) {
      const int64_t j = static_cast<int64_t>(rng.uniform() * static_cast<double>(i + 1)) % (i + 1);
      for (int c = 0; c < k; ++c) std::swap(y[i * k + c], y[j * k + c]);
    }
    f->y = y;
  }
  const ProbeResult r = linear_probe(tr, {}, va, te, 16, k, ProbeConfig{});
  const metrics::ClassificationMetrics m =
      metrics::classification_metrics(r.test_scores, te.y, te.n, k);
  EXPECT_NEAR(m.macro_auroc, 0.5, 0.04);
}

TEST(LinearProbe, UsesOnlyTheGivenRows) {
  const int k = 2;
  Features tr = make_features(400, 8, k, 0.0, 7);
  const Features va = make_features(200, 8, k, 0.0, 8), te = make_features(200, 8, k, 0.0, 9);
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < 200; ++i) rows.push_back(i);
  const ProbeResult a = linear_probe(tr, rows, va, te, 8, k, ProbeConfig{});
  // Rows outside the subset get garbage: the result does not change.
  for (int64_t i = 200; i < 400; ++i) {
    for (int c = 0; c < k; ++c) tr.y[i * k + c] = 1 - tr.y[i * k + c];
    tr.x[i * 8] = 1e6f;
  }
  const ProbeResult b = linear_probe(tr, rows, va, te, 8, k, ProbeConfig{});
  EXPECT_EQ(a.test_scores, b.test_scores);
}

}  // namespace
}  // namespace acl::eval
