// The class-stratified label-fraction sampler: sizes, positives kept per class, determinism,
// nesting across fractions, proportions, and refused input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "train/metrics/label_fraction.h"

namespace acl::metrics {
namespace {

struct Labels {
  std::vector<uint8_t> y;
  int64_t n;
  int k;
};

// Multi-label: class c has prevalence prev[c]; class 4 is very rare (3 positives).
Labels make_labels(int64_t n, uint64_t seed) {
  const std::vector<double> prev = {0.4, 0.2, 0.1, 0.05, 0.0};
  const int k = static_cast<int>(prev.size());
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u;
  Labels l{std::vector<uint8_t>(static_cast<size_t>(n * k)), n, k};
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < k; ++c) l.y[static_cast<size_t>(i * k + c)] = u(gen) < prev[c];
  for (int64_t i : {int64_t{17}, n / 2, n - 3}) l.y[static_cast<size_t>(i * k + 4)] = 1;
  return l;
}

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
  return rows;
}

int64_t positives(const Labels& l, const std::vector<int64_t>& rows, int c) {
  int64_t p = 0;
  for (int64_t r : rows) p += l.y[static_cast<size_t>(r * l.k + c)];
  return p;
}

bool is_subset(const std::vector<int64_t>& small, const std::vector<int64_t>& large) {
  return std::includes(large.begin(), large.end(), small.begin(), small.end());
}

TEST(LabelFraction, SizeSortedUniqueSubsetOfRows) {
  const Labels l = make_labels(1000, 1);
  std::vector<int64_t> rows;  // the even rows, listed in reverse
  for (int64_t i = l.n - 2; i >= 0; i -= 2) rows.push_back(i);
  const std::vector<int64_t> s = sample_label_fraction(l.y, l.n, l.k, rows, 0.1, 0, 4);
  EXPECT_EQ(s.size(), 50u);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_EQ(std::adjacent_find(s.begin(), s.end()), s.end());
  for (int64_t r : s) EXPECT_EQ(r % 2, 0) << r;
  EXPECT_EQ(sample_label_fraction(l.y, l.n, l.k, rows, 1.0, 0, 4).size(), rows.size());
  EXPECT_EQ(sample_label_fraction(l.y, l.n, l.k, rows, 0.5, 123, 4).size(), 123u);  // count wins
  EXPECT_EQ(sample_label_fraction(l.y, l.n, l.k, rows, 0.5, 10000, 4).size(), rows.size());
  EXPECT_TRUE(sample_label_fraction(l.y, l.n, l.k, {}, 0.5, 0, 4).empty());
}

TEST(LabelFraction, EveryClassWithAPositiveKeepsOne) {
  const Labels l = make_labels(2000, 2);
  const std::vector<int64_t> rows = all_rows(l.n);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const std::vector<int64_t> s = sample_label_fraction(l.y, l.n, l.k, rows, 0.01, 0, seed);
    EXPECT_GE(s.size(), 20u);
    EXPECT_LE(s.size(), 20u + static_cast<size_t>(l.k));
    for (int c = 0; c < l.k; ++c) EXPECT_GE(positives(l, s, c), 1) << "class " << c;
  }
  // A single requested record still gets one positive per class.
  const std::vector<int64_t> one = sample_label_fraction(l.y, l.n, l.k, rows, 0.5, 1, 0);
  for (int c = 0; c < l.k; ++c) EXPECT_GE(positives(l, one, c), 1) << "class " << c;
  EXPECT_LE(one.size(), static_cast<size_t>(l.k));
}

TEST(LabelFraction, DeterministicInTheSeed) {
  const Labels l = make_labels(800, 3);
  const std::vector<int64_t> rows = all_rows(l.n);
  const auto a = sample_label_fraction(l.y, l.n, l.k, rows, 0.1, 0, 7);
  EXPECT_EQ(a, sample_label_fraction(l.y, l.n, l.k, rows, 0.1, 0, 7));
  EXPECT_NE(a, sample_label_fraction(l.y, l.n, l.k, rows, 0.1, 0, 8));
}

TEST(LabelFraction, SmallerDrawsAreNestedInLargerOnes) {
  const Labels l = make_labels(1500, 4);
  const std::vector<int64_t> rows = all_rows(l.n);
  for (uint64_t seed = 0; seed < 3; ++seed) {
    std::vector<int64_t> previous;
    for (double f : {0.01, 0.02, 0.1, 0.25, 0.5, 1.0}) {
      const auto s = sample_label_fraction(l.y, l.n, l.k, rows, f, 0, seed);
      EXPECT_TRUE(is_subset(previous, s)) << "fraction " << f << " seed " << seed;
      previous = s;
    }
    EXPECT_TRUE(is_subset(sample_label_fraction(l.y, l.n, l.k, rows, 0.5, 37, seed),
                          sample_label_fraction(l.y, l.n, l.k, rows, 0.5, 38, seed)));
  }
}

TEST(LabelFraction, ProportionsFollowTheRows) {
  const Labels l = make_labels(3000, 5);
  const std::vector<int64_t> rows = all_rows(l.n);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const auto s = sample_label_fraction(l.y, l.n, l.k, rows, 0.1, 0, seed);
    for (int c = 0; c < 4; ++c) {
      const double expected = 0.1 * static_cast<double>(positives(l, rows, c));
      // Stratified by label combination: within a few rows of the proportional count (a random
      // draw would have a standard deviation of ~10 rows for the 40 % class).
      EXPECT_NEAR(static_cast<double>(positives(l, s, c)), expected, 5.0)
          << "class " << c << " seed " << seed;
    }
  }
}

TEST(LabelFraction, SingleLabelClassesAreBalanced) {
  // One-hot labels, 3 classes of 600 / 300 / 100 rows.
  const int k = 3;
  const int64_t n = 1000;
  std::vector<uint8_t> y(static_cast<size_t>(n * k), 0);
  for (int64_t i = 0; i < n; ++i)
    y[static_cast<size_t>(i * k + (i < 600 ? 0 : i < 900 ? 1 : 2))] = 1;
  const auto s = sample_label_fraction(y, n, k, all_rows(n), 0.05, 0, 1);
  ASSERT_EQ(s.size(), 50u);
  int counts[3] = {0, 0, 0};
  for (int64_t r : s) ++counts[r < 600 ? 0 : r < 900 ? 1 : 2];
  EXPECT_NEAR(counts[0], 30, 1);
  EXPECT_NEAR(counts[1], 15, 1);
  EXPECT_NEAR(counts[2], 5, 1);
}

TEST(LabelFraction, BadInputIsRefused) {
  const Labels l = make_labels(50, 6);
  auto message = [&](std::vector<int64_t> rows, double f, int64_t count) {
    try {
      sample_label_fraction(l.y, l.n, l.k, rows, f, count, 0);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({1, 50}, 0.5, 0).find("row 50 is outside [0, 50)"), std::string::npos);
  EXPECT_NE(message({1, 2, 1}, 0.5, 0).find("row 1 is listed twice"), std::string::npos);
  EXPECT_NE(message({1, 2}, 0.0, 0).find("fraction 0"), std::string::npos);
  EXPECT_NE(message({1, 2}, 1.5, 0).find("fraction 1.5"), std::string::npos);
  EXPECT_EQ(message({1, 2}, 0.0, 1), "no error");
  EXPECT_THROW(sample_label_fraction(l.y, l.n, 4, {1}, 0.5, 0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace acl::metrics
