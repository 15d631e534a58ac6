#include "train/metrics/score_table.h"

#include <cmath>
#include <stdexcept>

#include "train/data/csv.h"
#include "train/data/parse_util.h"

namespace acl::metrics {
nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

namespace {

nlohmann::json numbers(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(number_or_null(x));
  return out;
}

}  // namespace

ScoreTable read_score_csv(const std::string& path) {
  const data::CsvTable table = data::read_csv_table(path);
  const auto& columns = table.columns();
  if (columns.empty() || columns.size() % 2 != 0) {
    throw std::runtime_error(path + ": the header has " + std::to_string(columns.size()) +
                             " columns, expected score_0..score_{k-1} and label_0..label_{k-1}");
  }
  ScoreTable t;
  t.k = static_cast<int>(columns.size() / 2);
  t.n = static_cast<int64_t>(table.size());
  std::vector<int> score_col(static_cast<size_t>(t.k)), label_col(static_cast<size_t>(t.k));
  for (int c = 0; c < t.k; ++c) {
    const std::string s = "score_" + std::to_string(c), l = "label_" + std::to_string(c);
    if (!table.has_column(s) || !table.has_column(l)) {
      throw std::runtime_error(path + ": missing column " + (table.has_column(s) ? l : s) +
                               " (the header has " + std::to_string(columns.size()) +
                               " columns, so k = " + std::to_string(t.k) + ")");
    }
    score_col[static_cast<size_t>(c)] = table.column(s);
    label_col[static_cast<size_t>(c)] = table.column(l);
  }
  t.scores.resize(static_cast<size_t>(t.n) * t.k);
  t.labels.resize(static_cast<size_t>(t.n) * t.k);
  for (size_t i = 0; i < table.size(); ++i) {
    for (int c = 0; c < t.k; ++c) {
      const std::string& sv = table.row(i)[static_cast<size_t>(score_col[static_cast<size_t>(c)])];
      const std::string& lv = table.row(i)[static_cast<size_t>(label_col[static_cast<size_t>(c)])];
      auto where = [&](const std::string& column) {
        return path + ":" + std::to_string(table.line(i)) + ": column " + column + " ";
      };
      double score = 0;
      if (!data::detail::parse_double(sv, &score) || !std::isfinite(score)) {
        throw std::runtime_error(where("score_" + std::to_string(c)) + "is \"" + sv +
                                 "\", expected a finite number");
      }
      if (lv != "0" && lv != "1") {
        throw std::runtime_error(where("label_" + std::to_string(c)) + "is \"" + lv +
                                 "\", expected 0 or 1");
      }
      t.scores[i * static_cast<size_t>(t.k) + static_cast<size_t>(c)] = static_cast<float>(score);
      t.labels[i * static_cast<size_t>(t.k) + static_cast<size_t>(c)] = lv == "1";
    }
  }
  return t;
}

nlohmann::json metrics_json(const ClassificationMetrics& m, int64_t n) {
  return {{"n", n},
          {"k", m.auroc.size()},
          {"macro_auroc", number_or_null(m.macro_auroc)},
          {"macro_auprc", number_or_null(m.macro_auprc)},
          {"auroc", numbers(m.auroc)},
          {"auprc", numbers(m.auprc)},
          {"classes_used", m.classes_used},
          {"classes_left_out", m.classes_left_out},
          {"auprc_definition",
           "average precision, step-wise: sum over thresholds of (R_k - R_{k-1}) P_k"}};
}

nlohmann::json bootstrap_json(const BootstrapResult& b, double level, uint64_t seed) {
  return {{"resamples", b.resamples},
          {"level", level},
          {"seed", seed},
          {"macro_auroc", {number_or_null(b.macro_auroc.lo), number_or_null(b.macro_auroc.hi)}},
          {"macro_auprc", {number_or_null(b.macro_auprc.lo), number_or_null(b.macro_auprc.hi)}}};
}

}  // namespace acl::metrics
