// Scores and labels of a (records x classes) evaluation as CSV, and metrics as JSON: the format
// acl_metrics_check reads and prints (tools/check_metrics_sklearn.py writes and compares it).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "train/metrics/metrics.h"

namespace acl::metrics {

struct ScoreTable {
  std::vector<float> scores;    // (n, k) row-major
  std::vector<uint8_t> labels;  // (n, k) row-major, 0 or 1
  int64_t n = 0;
  int k = 0;
};

// A CSV file with a header of columns score_0 .. score_{k-1} and label_0 .. label_{k-1} (any
// order, k >= 1, no other columns); one record per row; scores finite numbers, labels 0 or 1.
// Errors (std::runtime_error / acl::data::DataError) name the file, the line and the column.
ScoreTable read_score_csv(const std::string& path);

// {"n", "k", "macro_auroc", "macro_auprc", "auroc": [per class], "auprc": [...],
//  "classes_used", "classes_left_out", "auprc_definition"}; NaN is written as null. With a
// bootstrap result, also "bootstrap": {"resamples", "level", "seed", "macro_auroc": [lo, hi],
// "macro_auprc": [lo, hi]}.
// A number for the results JSON: the value when finite, null otherwise (NaN: undefined metric).
nlohmann::json number_or_null(double v);
nlohmann::json metrics_json(const ClassificationMetrics& m, int64_t n);
nlohmann::json bootstrap_json(const BootstrapResult& b, double level, uint64_t seed);

}  // namespace acl::metrics
