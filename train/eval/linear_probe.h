// The linear probe: a multi-label logistic regression (logistic.h) on frozen embeddings,
// standardised with the labelled training rows' statistics, its L2 strength chosen from a grid by
// the validation split's macro AUROC (ties go to the stronger L2), then scored on the test split.
// The grid is fitted from the strongest L2 down, each fit warm-started from the previous one.
#pragma once

#include <cstdint>
#include <vector>

#include "train/eval/eval_config.h"

namespace acl::eval {

// Embeddings (n, d) with labels (n, k) of one split.
struct Features {
  std::vector<float> x;
  std::vector<uint8_t> y;
  int64_t n = 0;
};

struct ProbeResult {
  double l2 = 0;                   // the chosen strength
  std::vector<double> val_auroc;   // per grid entry (config order)
  std::vector<float> test_scores;  // (test.n, k) probabilities of the chosen model
  int iterations = 0;              // L-BFGS iterations of the chosen fit
};

// Fits on train.x rows `rows` (all rows when empty), chooses on `val`, scores `test`. `softmax`:
// the single-label model (one-hot labels).
ProbeResult linear_probe(const Features& train, const std::vector<int64_t>& rows,
                         const Features& val, const Features& test, int64_t d, int k,
                         const ProbeConfig& config, bool softmax = false);

}  // namespace acl::eval
