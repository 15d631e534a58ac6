// AUROC, average precision and the per-class/macro metrics against hand-computed values and an
// independent O(n^2) / threshold-by-threshold reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "train/metrics/metrics.h"

namespace acl::metrics {
namespace {

// Probability that a positive outranks a negative, ties one half, by counting every pair.
double pairwise_auroc(const std::vector<double>& s, const std::vector<uint8_t>& y) {
  double won = 0, pairs = 0;
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j < s.size(); ++j)
      if (y[i] && !y[j]) {
        pairs += 1;
        won += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
      }
  return won / pairs;
}

// sum over distinct thresholds t (descending) of (R(t) - R(prev)) * P(t), "score >= t" predicted.
double threshold_ap(const std::vector<double>& s, const std::vector<uint8_t>& y) {
  std::set<double> thresholds(s.begin(), s.end());
  double positives = 0;
  for (uint8_t v : y) positives += v;
  double ap = 0, prev_recall = 0;
  for (auto t = thresholds.rbegin(); t != thresholds.rend(); ++t) {
    double tp = 0, fp = 0;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] >= *t) (y[i] ? tp : fp) += 1;
    const double recall = tp / positives;
    ap += (recall - prev_recall) * tp / (tp + fp);
    prev_recall = recall;
  }
  return ap;
}

TEST(Metrics, ScikitLearnDocumentationExample) {
  // roc_auc_score / average_precision_score docstring example: 0.75 and 0.8333...
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8};
  const std::vector<uint8_t> y = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(auroc(s, y), 0.75);
  EXPECT_DOUBLE_EQ(average_precision(s, y), 5.0 / 6.0);
}

TEST(Metrics, HandComputedTies) {
  // Positives 0.35, 0.8, 0.4; negatives 0.1, 0.4. Pairs won: 1 + 2 + 1.5 (tie) = 4.5 of 6.
  // Thresholds 0.8 (P 1, R 1/3), 0.4 (P 2/3, R 2/3), 0.35 (P 3/4, R 1): AP = (1 + 2/3 + 3/4) / 3.
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8, 0.4};
  const std::vector<uint8_t> y = {0, 0, 1, 1, 1};
  EXPECT_DOUBLE_EQ(auroc(s, y), 0.75);
  EXPECT_DOUBLE_EQ(average_precision(s, y), 29.0 / 36.0);
  // A tie between positives only changes nothing; one positive tied with every negative.
  EXPECT_DOUBLE_EQ(auroc({0.2, 0.2, 0.2, 0.9}, {0, 0, 1, 1}), (0.5 + 0.5 + 1 + 1) / 4.0);
  EXPECT_DOUBLE_EQ(average_precision({0.2, 0.2, 0.2, 0.9}, {0, 0, 1, 1}),
                   0.5 * 1.0 + 0.5 * (2.0 / 4.0));
}

TEST(Metrics, AllEqualScores) {
  const std::vector<double> s(10, 0.3);
  const std::vector<uint8_t> y = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0};
  EXPECT_DOUBLE_EQ(auroc(s, y), 0.5);
  EXPECT_DOUBLE_EQ(average_precision(s, y), 0.3);  // the prevalence
}

TEST(Metrics, PerfectReversedAndMissingClass) {
  const std::vector<uint8_t> y = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(auroc({1, 2, 3, 4}, y), 1.0);
  EXPECT_DOUBLE_EQ(average_precision({1, 2, 3, 4}, y), 1.0);
  EXPECT_DOUBLE_EQ(auroc({4, 3, 2, 1}, y), 0.0);
  EXPECT_DOUBLE_EQ(average_precision({4, 3, 2, 1}, y), 0.5 * (1.0 / 3.0) + 0.5 * 0.5);
  EXPECT_TRUE(std::isnan(auroc({1, 2}, {0, 0})));
  EXPECT_TRUE(std::isnan(average_precision({1, 2}, {0, 0})));
  EXPECT_TRUE(std::isnan(auroc({1, 2}, {1, 1})));
  EXPECT_DOUBLE_EQ(average_precision({1, 2}, {1, 1}), 1.0);
  EXPECT_TRUE(std::isnan(auroc({}, {})));
}

TEST(Metrics, MatchesPairwiseAndThresholdReferencesWithTies) {
  std::mt19937_64 gen(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 30 + trial * 7;
    std::vector<double> s(static_cast<size_t>(n));
    std::vector<uint8_t> y(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      y[static_cast<size_t>(i)] = gen() % 3 == 0;
      // Scores on a coarse grid (many ties), shifted up for positives.
      s[static_cast<size_t>(i)] = static_cast<double>(gen() % 8) + 2.0 * y[static_cast<size_t>(i)];
    }
    y[0] = 1;
    y[1] = 0;
    const double ref_auc = pairwise_auroc(s, y), ref_ap = threshold_ap(s, y);
    ASSERT_GT(ref_auc, 0.5);
    EXPECT_NEAR(auroc(s, y), ref_auc, 1e-12) << "trial " << trial;
    EXPECT_NEAR(average_precision(s, y), ref_ap, 1e-12) << "trial " << trial;
    // Invariant under a strictly increasing transform of the scores.
    std::vector<double> t = s;
    for (double& v : t) v = std::exp(0.3 * v) - 5.0;
    EXPECT_DOUBLE_EQ(auroc(t, y), auroc(s, y));
    EXPECT_DOUBLE_EQ(average_precision(t, y), average_precision(s, y));
  }
}

TEST(Metrics, ClassificationMetricsLeavesOutClassesWithoutBothLabels) {
  // 4 records x 3 classes: class 1 has no positive, class 2 no negative.
  const std::vector<float> s = {0.1f,  0.5f, 0.9f,  //
                                0.4f,  0.2f, 0.8f,  //
                                0.35f, 0.7f, 0.6f,  //
                                0.8f,  0.1f, 0.7f};
  const std::vector<uint8_t> y = {0, 0, 1,  //
                                  0, 0, 1,  //
                                  1, 0, 1,  //
                                  1, 0, 1};
  const ClassificationMetrics m = classification_metrics(s, y, 4, 3);
  EXPECT_EQ(m.classes_used, std::vector<int>({0}));
  EXPECT_EQ(m.classes_left_out, std::vector<int>({1, 2}));
  ASSERT_EQ(m.auroc.size(), 3u);
  EXPECT_NEAR(m.auroc[0], 0.75, 1e-12);
  EXPECT_NEAR(m.auprc[0], 5.0 / 6.0, 1e-7);
  EXPECT_TRUE(std::isnan(m.auroc[1]) && std::isnan(m.auroc[2]));
  EXPECT_TRUE(std::isnan(m.auprc[1]) && std::isnan(m.auprc[2]));
  EXPECT_DOUBLE_EQ(m.macro_auroc, m.auroc[0]);
  EXPECT_DOUBLE_EQ(m.macro_auprc, m.auprc[0]);
}

TEST(Metrics, MacroIsTheMeanOverClasses) {
  std::mt19937_64 gen(3);
  const int n = 50, k = 4;
  std::vector<float> s(n * k);
  std::vector<uint8_t> y(n * k);
  for (int i = 0; i < n * k; ++i) {
    y[static_cast<size_t>(i)] = gen() % 4 == 0 || i < k;
    s[static_cast<size_t>(i)] = static_cast<float>(gen() % 10) + 3.0f * y[static_cast<size_t>(i)];
  }
  for (int c = 0; c < k; ++c) y[static_cast<size_t>(k + c)] = 0;
  const ClassificationMetrics m = classification_metrics(s, y, n, k);
  ASSERT_EQ(m.classes_used.size(), 4u);
  double sum_auc = 0, sum_ap = 0;
  for (int c = 0; c < k; ++c) {
    std::vector<double> sc;
    std::vector<uint8_t> yc;
    for (int i = 0; i < n; ++i) {
      sc.push_back(s[static_cast<size_t>(i * k + c)]);
      yc.push_back(y[static_cast<size_t>(i * k + c)]);
    }
    EXPECT_DOUBLE_EQ(m.auroc[static_cast<size_t>(c)], auroc(sc, yc));
    EXPECT_DOUBLE_EQ(m.auprc[static_cast<size_t>(c)], average_precision(sc, yc));
    sum_auc += auroc(sc, yc);
    sum_ap += average_precision(sc, yc);
  }
  EXPECT_NEAR(m.macro_auroc, sum_auc / k, 1e-15);
  EXPECT_NEAR(m.macro_auprc, sum_ap / k, 1e-15);
  EXPECT_GT(m.macro_auroc, 0.6);
}

TEST(Metrics, NoClassUsableGivesNaN) {
  const ClassificationMetrics m = classification_metrics({0.1f, 0.2f}, {0, 0}, 2, 1);
  EXPECT_TRUE(std::isnan(m.macro_auroc));
  EXPECT_TRUE(std::isnan(m.macro_auprc));
  EXPECT_EQ(m.classes_left_out, std::vector<int>({0}));
}

TEST(Metrics, BadInputIsRefusedWithItsSize) {
  try {
    classification_metrics({0.1f, 0.2f, 0.3f}, {0, 1, 0}, 2, 2);
    FAIL() << "expected a throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("3 scores"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(2, 2)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(auroc({0.1, 0.2}, {0}), std::invalid_argument);
  try {
    classification_metrics({0.1f, NAN, 0.3f, 0.4f}, {0, 1, 1, 0}, 2, 2);
    FAIL() << "expected a throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("record 0 (class 1)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(average_precision({0.1, INFINITY}, {0, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace acl::metrics
