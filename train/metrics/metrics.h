// Classification metrics for evaluation: exact tie-aware AUROC, step-wise average precision
// (AUPRC), their per-class and macro forms over a (records x classes) score matrix, and
// record-resampling bootstrap confidence intervals.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace acl::metrics {

// Exact, tie-aware AUROC (Mann-Whitney U with average ranks for tied scores): the probability
// that a random positive scores above a random negative, ties counting one half. NaN when the
// labels lack a positive or a negative. Labels are 0 (negative) or nonzero (positive).
double auroc(const std::vector<double>& scores, const std::vector<uint8_t>& labels);

// Average precision, step-wise, as scikit-learn's average_precision_score: the scores' distinct
// values are the thresholds, from the highest down; AP = sum over them of (R_k - R_{k-1}) * P_k,
// with R_k and P_k the recall and precision of "score >= threshold k" (R_0 = 0). No
// interpolation. NaN when there is no positive.
double average_precision(const std::vector<double>& scores, const std::vector<uint8_t>& labels);

struct ClassificationMetrics {
  double macro_auroc = NAN, macro_auprc = NAN;      // unweighted means over classes_used
  std::vector<double> auroc, auprc;                 // per class (NaN for a class left out)
  std::vector<int> classes_used, classes_left_out;  // left out: no positive or no negative
};

// scores and labels row-major (n, k): multi-label one-vs-rest, one AUROC/AP per class (for
// single-label softmax outputs pass the probabilities and one-hot labels). A class whose column
// has no positive or no negative is left out of the macro means and listed. Throws
// std::invalid_argument when the sizes disagree with (n, k).
ClassificationMetrics classification_metrics(const std::vector<float>& scores,
                                             const std::vector<uint8_t>& labels, int64_t n, int k);

struct Interval {
  double lo = NAN, hi = NAN;
};
struct BootstrapResult {
  Interval macro_auroc, macro_auprc;
  int resamples = 0;  // resamples with a finite macro value (a draw may lose every class)
};

// Resamples records (rows) with replacement `resamples` times, seeded (same seed, same
// intervals), recomputes the macro AUROC and AUPRC on each draw (classes left out per draw as in
// classification_metrics) and returns the percentile interval at `level` (0.95: the 2.5th and
// 97.5th percentiles, linear interpolation between order statistics). Throws
// std::invalid_argument on bad sizes, resamples < 1 or level outside (0, 1).
BootstrapResult bootstrap_ci(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                             int64_t n, int k, int resamples = 1000, uint64_t seed = 0,
                             double level = 0.95);

// The rows of bootstrap resample `resample` (0-based) of n records under `seed`: n draws with
// replacement, the ones bootstrap_ci uses (Philox blocks keyed by the seed at counter
// (resample << 32) | i), exposed so a caller can recompute any resample.
std::vector<int64_t> bootstrap_sample(int64_t n, uint64_t seed, int resample);

}  // namespace acl::metrics
