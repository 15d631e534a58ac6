#include "train/eval/linear_probe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "train/eval/logistic.h"
#include "train/metrics/metrics.h"

namespace acl::eval {

namespace {

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> r(static_cast<size_t>(n));
  std::iota(r.begin(), r.end(), 0);
  return r;
}

}  // namespace

ProbeResult linear_probe(const Features& train, const std::vector<int64_t>& rows_in,
                         const Features& val, const Features& test, int64_t d, int k,
                         const ProbeConfig& config, bool softmax) {
  const std::vector<int64_t> rows = rows_in.empty() ? all_rows(train.n) : rows_in;
  const Standardizer st = Standardizer::fit(train.x, d, rows);
  const std::vector<double> xtr = st.apply(train.x, rows);
  std::vector<uint8_t> ytr;
  ytr.reserve(rows.size() * static_cast<size_t>(k));
  for (int64_t r : rows)
    ytr.insert(ytr.end(), train.y.begin() + r * k, train.y.begin() + (r + 1) * k);
  const std::vector<double> xval = st.apply(val.x, all_rows(val.n));

  std::vector<size_t> order(config.l2_grid.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return config.l2_grid[a] > config.l2_grid[b]; });
  ProbeResult out;
  out.val_auroc.assign(config.l2_grid.size(), NAN);
  LogisticModel best, previous;
  double best_auroc = -1;
  bool have_previous = false;
  for (size_t g : order) {
    LogisticOptions o;
    o.l2 = config.l2_grid[g];
    o.max_iterations = config.max_iterations;
    o.tolerance = config.tolerance;
    o.softmax = softmax;
    LogisticFit fit = fit_logistic(xtr, ytr, static_cast<int64_t>(rows.size()), d, k, o,
                                   have_previous ? &previous : nullptr);
    const metrics::ClassificationMetrics m =
        metrics::classification_metrics(fit.model.predict(xval, val.n), val.y, val.n, k);
    out.val_auroc[g] = m.macro_auroc;
    const double score = std::isnan(m.macro_auroc) ? 0.0 : m.macro_auroc;
    if (score > best_auroc) {
      best_auroc = score;
      best = fit.model;
      out.l2 = o.l2;
      out.iterations = fit.iterations;
    }
    previous = std::move(fit.model);
    have_previous = true;
  }
  out.test_scores = best.predict(st.apply(test.x, all_rows(test.n)), test.n);
  return out;
}

}  // namespace acl::eval
