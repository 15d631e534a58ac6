// acl_metrics_check SCORES.csv [--bootstrap R --seed S --level L]: reads a CSV of per-class
// scores and labels (columns score_0.., label_0..) and prints the per-class and macro AUROC and
// AUPRC (and bootstrap intervals) as JSON; tools/check_metrics_sklearn.py compares it with
// scikit-learn.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "train/metrics/metrics.h"
#include "train/metrics/score_table.h"

int main(int argc, char** argv) {
  CLI::App app{"Classification metrics (AUROC, AUPRC, bootstrap CIs) of a CSV of scores/labels"};
  std::string csv;
  int resamples = 0;
  uint64_t seed = 0;
  double level = 0.95;
  app.add_option("SCORES", csv, "CSV with columns score_0..score_{k-1}, label_0..label_{k-1}")
      ->required();
  app.add_option("--bootstrap", resamples, "bootstrap resamples (0: no intervals)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "bootstrap seed");
  app.add_option("--level", level, "interval level")->check(CLI::Range(0.0, 1.0));
  CLI11_PARSE(app, argc, argv);
  try {
    const acl::metrics::ScoreTable t = acl::metrics::read_score_csv(csv);
    const acl::metrics::ClassificationMetrics m =
        acl::metrics::classification_metrics(t.scores, t.labels, t.n, t.k);
    nlohmann::json out = acl::metrics::metrics_json(m, t.n);
    if (resamples > 0) {
      out["bootstrap"] = acl::metrics::bootstrap_json(
          acl::metrics::bootstrap_ci(t.scores, t.labels, t.n, t.k, resamples, seed, level), level,
          seed);
    }
    std::cout << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "acl_metrics_check: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
