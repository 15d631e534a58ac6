#include "train/metrics/ranked_column.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace acl::metrics::detail {

void check_matrix(const std::vector<float>& scores, const std::vector<uint8_t>& labels, int64_t n,
                  int k, const char* what) {
  if (n < 0 || k < 1) {
    throw std::invalid_argument(std::string(what) + ": shape (" + std::to_string(n) + ", " +
                                std::to_string(k) +
                                "), expected n >= 0 records and k >= 1 classes");
  }
  const auto size = static_cast<size_t>(n) * static_cast<size_t>(k);
  if (scores.size() != size || labels.size() != size) {
    throw std::invalid_argument(
        std::string(what) + ": " + std::to_string(scores.size()) + " scores and " +
        std::to_string(labels.size()) + " labels for shape (" + std::to_string(n) + ", " +
        std::to_string(k) + "), expected " + std::to_string(size) + " of each");
  }
}

template <typename T>
RankedColumn rank_column(const T* scores, int64_t n, int64_t stride, int64_t offset,
                         const char* what) {
  auto score = [&](int64_t i) { return static_cast<double>(scores[i * stride + offset]); };
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(score(i))) {
      throw std::invalid_argument(
          std::string(what) + ": the score of record " + std::to_string(i) +
          (offset > 0 || stride > 1 ? " (class " + std::to_string(offset) + ")" : std::string()) +
          " is " + std::to_string(score(i)) + ", expected a finite value");
    }
  }
  RankedColumn c;
  c.order.resize(static_cast<size_t>(n));
  std::iota(c.order.begin(), c.order.end(), int64_t{0});
  std::stable_sort(c.order.begin(), c.order.end(),
                   [&](int64_t a, int64_t b) { return score(a) < score(b); });
  for (int64_t i = 1; i <= n; ++i) {
    if (i == n ||
        score(c.order[static_cast<size_t>(i)]) != score(c.order[static_cast<size_t>(i - 1)]))
      c.group_end.push_back(i);
  }
  return c;
}

template RankedColumn rank_column<float>(const float*, int64_t, int64_t, int64_t, const char*);
template RankedColumn rank_column<double>(const double*, int64_t, int64_t, int64_t, const char*);

WeightedCounts weighted_counts(const uint8_t* labels, int64_t n, int64_t stride, int64_t offset,
                               const std::vector<int64_t>* weights) {
  WeightedCounts w;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t weight = weights ? (*weights)[static_cast<size_t>(i)] : 1;
    (labels[i * stride + offset] ? w.positives : w.negatives) += weight;
  }
  return w;
}

ColumnScores column_scores(const RankedColumn& column, const uint8_t* labels, int64_t stride,
                           int64_t offset, const std::vector<int64_t>* weights) {
  const auto n = static_cast<int64_t>(column.order.size());
  const WeightedCounts total = weighted_counts(labels, n, stride, offset, weights);
  ColumnScores out;
  out.auroc = out.ap = NAN;
  if (total.positives == 0) return out;
  // One pass over the tie groups, highest score first. A positive in a group outranks every
  // negative in the lower groups (count 1) and ties those of its own group (count 1/2); the
  // group is one threshold of the precision-recall step function.
  double pairs_won = 0, ap_sum = 0;
  int64_t tp = 0, fp = 0, negatives_below = total.negatives;
  for (auto g = static_cast<int64_t>(column.group_end.size()) - 1; g >= 0; --g) {
    const int64_t end = column.group_end[static_cast<size_t>(g)];
    const int64_t begin = g > 0 ? column.group_end[static_cast<size_t>(g - 1)] : 0;
    int64_t pos = 0, neg = 0;
    for (int64_t j = begin; j < end; ++j) {
      const int64_t i = column.order[static_cast<size_t>(j)];
      const int64_t weight = weights ? (*weights)[static_cast<size_t>(i)] : 1;
      (labels[i * stride + offset] ? pos : neg) += weight;
    }
    negatives_below -= neg;
    pairs_won += static_cast<double>(pos) *
                 (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(neg));
    tp += pos;
    fp += neg;
    if (pos > 0) ap_sum += static_cast<double>(pos) * (static_cast<double>(tp) / (tp + fp));
  }
  out.ap = ap_sum / static_cast<double>(total.positives);
  if (total.negatives > 0) {
    out.auroc =
        pairs_won / (static_cast<double>(total.positives) * static_cast<double>(total.negatives));
  }
  return out;
}

}  // namespace acl::metrics::detail
