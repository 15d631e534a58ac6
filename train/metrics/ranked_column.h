// Internal to acl_metrics: one class column of scores sorted once into groups of tied scores, and
// AUROC / average precision over it for integer record weights (all ones for the plain metrics,
// resample multiplicities for the bootstrap, which is then exactly the metric of the resampled
// records without re-sorting them).
#pragma once

#include <cstdint>
#include <vector>

namespace acl::metrics::detail {

// Throws std::invalid_argument naming `what` unless n >= 0, k >= 1 and both matrices hold n * k
// values.
void check_matrix(const std::vector<float>& scores, const std::vector<uint8_t>& labels, int64_t n,
                  int k, const char* what);

struct RankedColumn {
  std::vector<int64_t> order;      // record indices, scores ascending
  std::vector<int64_t> group_end;  // exclusive end (in `order`) of each run of equal scores
};

// Sorts `n` scores read as score(i) = scores[i * stride + offset]; throws std::invalid_argument
// naming `what` and the record when a score is not finite.
template <typename T>
RankedColumn rank_column(const T* scores, int64_t n, int64_t stride, int64_t offset,
                         const char* what);

struct WeightedCounts {
  int64_t positives = 0, negatives = 0;
};
WeightedCounts weighted_counts(const uint8_t* labels, int64_t n, int64_t stride, int64_t offset,
                               const std::vector<int64_t>* weights);

// Tie-aware AUROC (NaN without a positive or a negative) and step-wise average precision (NaN
// without a positive) of the column whose labels are labels[i * stride + offset]; `weights`
// null means weight 1 for every record.
struct ColumnScores {
  double auroc = 0, ap = 0;
};
ColumnScores column_scores(const RankedColumn& column, const uint8_t* labels, int64_t stride,
                           int64_t offset, const std::vector<int64_t>* weights);

}  // namespace acl::metrics::detail
