#include "train/metrics/metrics.h"

#include <stdexcept>
#include <string>

#include "train/metrics/ranked_column.h"

namespace acl::metrics {
namespace {

detail::ColumnScores single_column(const std::vector<double>& scores,
                                   const std::vector<uint8_t>& labels, const char* what) {
  if (scores.size() != labels.size()) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(scores.size()) +
                                " scores but " + std::to_string(labels.size()) + " labels");
  }
  const auto n = static_cast<int64_t>(scores.size());
  const detail::RankedColumn column = detail::rank_column(scores.data(), n, 1, 0, what);
  return detail::column_scores(column, labels.data(), 1, 0, nullptr);
}

}  // namespace

double auroc(const std::vector<double>& scores, const std::vector<uint8_t>& labels) {
  return single_column(scores, labels, "auroc").auroc;
}

double average_precision(const std::vector<double>& scores, const std::vector<uint8_t>& labels) {
  return single_column(scores, labels, "average_precision").ap;
}

ClassificationMetrics classification_metrics(const std::vector<float>& scores,
                                             const std::vector<uint8_t>& labels, int64_t n, int k) {
  detail::check_matrix(scores, labels, n, k, "classification_metrics");
  ClassificationMetrics m;
  m.auroc.assign(static_cast<size_t>(k), NAN);
  m.auprc.assign(static_cast<size_t>(k), NAN);
  double auroc_sum = 0, auprc_sum = 0;
  for (int c = 0; c < k; ++c) {
    const detail::RankedColumn column =
        detail::rank_column(scores.data(), n, k, c, "classification_metrics");
    const detail::WeightedCounts counts = detail::weighted_counts(labels.data(), n, k, c, nullptr);
    if (counts.positives == 0 || counts.negatives == 0) {
      m.classes_left_out.push_back(c);
      continue;
    }
    const detail::ColumnScores s = detail::column_scores(column, labels.data(), k, c, nullptr);
    m.auroc[static_cast<size_t>(c)] = s.auroc;
    m.auprc[static_cast<size_t>(c)] = s.ap;
    auroc_sum += s.auroc;
    auprc_sum += s.ap;
    m.classes_used.push_back(c);
  }
  if (!m.classes_used.empty()) {
    m.macro_auroc = auroc_sum / static_cast<double>(m.classes_used.size());
    m.macro_auprc = auprc_sum / static_cast<double>(m.classes_used.size());
  }
  return m;
}

}  // namespace acl::metrics
