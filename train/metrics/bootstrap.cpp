#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/rng.h"
#include "engine/util/strings.h"
#include "train/metrics/metrics.h"
#include "train/metrics/ranked_column.h"

namespace acl::metrics {
namespace {

constexpr uint64_t kBootstrapStream = 0x626f6f74737472ull;  // "bootstr"

// Percentile q in [0, 1] of sorted values, linear interpolation between order statistics (numpy's
// default).
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Interval interval(std::vector<double> values, double level) {
  std::sort(values.begin(), values.end());
  const double tail = (1.0 - level) / 2.0;
  return Interval{percentile(values, tail), percentile(values, 1.0 - tail)};
}

}  // namespace

std::vector<int64_t> bootstrap_sample(int64_t n, uint64_t seed, int resample) {
  if (n < 0 || n >= (int64_t{1} << 32) || resample < 0) {
    throw std::invalid_argument("bootstrap_sample: n = " + std::to_string(n) + ", resample " +
                                std::to_string(resample) +
                                ", expected n in [0, 2^32) and resample >= 0");
  }
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t counter = (static_cast<uint64_t>(resample) << 32) | static_cast<uint64_t>(i);
    rows[static_cast<size_t>(i)] = static_cast<int64_t>(
        philox_below(seed, kBootstrapStream, counter, static_cast<uint64_t>(n)));
  }
  return rows;
}

BootstrapResult bootstrap_ci(const std::vector<float>& scores, const std::vector<uint8_t>& labels,
                             int64_t n, int k, int resamples, uint64_t seed, double level) {
  detail::check_matrix(scores, labels, n, k, "bootstrap_ci");
  if (resamples < 1) {
    throw std::invalid_argument("bootstrap_ci: resamples = " + std::to_string(resamples) +
                                ", expected >= 1");
  }
  if (!(level > 0.0 && level < 1.0)) {
    throw std::invalid_argument("bootstrap_ci: level = " + strings::format_number(level) +
                                ", expected a value in (0, 1)");
  }
  // Each column is sorted once; a resample is a multiplicity per record, and the metrics of the
  // resampled records are the weighted metrics of the originals (duplicates share a tie group).
  std::vector<detail::RankedColumn> columns;
  columns.reserve(static_cast<size_t>(k));
  for (int c = 0; c < k; ++c)
    columns.push_back(detail::rank_column(scores.data(), n, k, c, "bootstrap_ci"));
  std::vector<double> aurocs, auprcs;
  std::vector<int64_t> weights(static_cast<size_t>(n));
  for (int r = 0; r < resamples; ++r) {
    std::fill(weights.begin(), weights.end(), int64_t{0});
    for (int64_t row : bootstrap_sample(n, seed, r)) ++weights[static_cast<size_t>(row)];
    double auroc_sum = 0, auprc_sum = 0;
    int used = 0;
    for (int c = 0; c < k; ++c) {
      const detail::WeightedCounts counts =
          detail::weighted_counts(labels.data(), n, k, c, &weights);
      if (counts.positives == 0 || counts.negatives == 0) continue;
      const detail::ColumnScores s =
          detail::column_scores(columns[static_cast<size_t>(c)], labels.data(), k, c, &weights);
      auroc_sum += s.auroc;
      auprc_sum += s.ap;
      ++used;
    }
    if (used == 0) continue;
    aurocs.push_back(auroc_sum / used);
    auprcs.push_back(auprc_sum / used);
  }
  BootstrapResult result;
  result.resamples = static_cast<int>(aurocs.size());
  result.macro_auroc = interval(aurocs, level);
  result.macro_auprc = interval(auprcs, level);
  return result;
}

}  // namespace acl::metrics
