// Logistic regression on fixed features, fitted by full-batch L-BFGS in float64 on the CPU, all
// classes jointly. Multi-label (one sigmoid per class):
//
//   objective(W, b) = (1/n) sum_i sum_c BCE(sigmoid(x_i . w_c + b_c), y_ic) + (l2/2) ||W||^2
//
// single-label (softmax over the classes; each row of y has exactly one 1):
//
//   objective(W, b) = (1/n) sum_i -log softmax(x_i W^T + b)[class of i] + (l2/2) ||W||^2
//
// (the bias is not penalised). Features are standardised first with the training rows' mean and
// standard deviation (Standardizer), so one L2 grid suits any encoder.
#pragma once

#include <cstdint>
#include <vector>

namespace acl::eval {

// Per-column mean and 1/sd of the fitted rows (a constant column gets 1/sd = 0: it becomes 0).
struct Standardizer {
  std::vector<double> mean, inv_sd;
  // X (n, d) row-major float; `rows` the rows to fit on.
  static Standardizer fit(const std::vector<float>& x, int64_t d, const std::vector<int64_t>& rows);
  // The standardised rows `rows` of x, (rows.size(), d) row-major double.
  std::vector<double> apply(const std::vector<float>& x, const std::vector<int64_t>& rows) const;
};

struct LogisticModel {
  int64_t d = 0;
  int k = 0;
  bool softmax = false;
  std::vector<double> w;  // (k, d)
  std::vector<double> b;  // (k)
  // Probabilities (n, k) row-major for standardised features x (n, d): sigmoids, or the softmax.
  std::vector<float> predict(const std::vector<double>& x, int64_t n) const;
};

struct LogisticOptions {
  double l2 = 1e-3;
  bool softmax = false;  // single-label: softmax cross-entropy
  int max_iterations = 300;
  double tolerance = 1e-7;  // relative change of the objective between iterations
  int history = 10;         // L-BFGS memory
};

struct LogisticFit {
  LogisticModel model;
  int iterations = 0;
  double objective = 0;
  bool converged = false;
};

// The objective above and its gradient at params = [W (k*d) | b (k)]; grad resized.
double logistic_objective(const std::vector<double>& params, const std::vector<double>& x,
                          const std::vector<uint8_t>& y, int64_t n, int64_t d, int k, double l2,
                          std::vector<double>* grad, bool softmax = false);

// Fits on x (n, d) standardised, y (n, k) 0/1. `init` (same d, k) warm-starts the fit.
LogisticFit fit_logistic(const std::vector<double>& x, const std::vector<uint8_t>& y, int64_t n,
                         int64_t d, int k, const LogisticOptions& options,
                         const LogisticModel* init = nullptr);

}  // namespace acl::eval
