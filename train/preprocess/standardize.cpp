// Per-lead zero-mean unit-std scaling; see standardize.h.
#include "train/preprocess/standardize.h"

#include <cmath>

namespace acl::preprocess {

LeadStats lead_stats(const float* x, int64_t n) {
  LeadStats s;
  if (n <= 0) return s;
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  s.mean = sum / static_cast<double>(n);
  double ss = 0.0;  // two-pass: no cancellation for large offsets
  for (int64_t i = 0; i < n; ++i) {
    const double d = x[i] - s.mean;
    ss += d * d;
  }
  s.std = std::sqrt(ss / static_cast<double>(n));
  return s;
}

int standardize_leads(float* x, int n_leads, int64_t n_samples, double eps) {
  int flat = 0;
  for (int l = 0; l < n_leads; ++l) {
    float* lead = x + l * n_samples;
    const LeadStats s = lead_stats(lead, n_samples);
    if (!(s.std > eps)) {
      for (int64_t i = 0; i < n_samples; ++i) lead[i] = 0.0f;
      ++flat;
      continue;
    }
    const double inv = 1.0 / s.std;
    for (int64_t i = 0; i < n_samples; ++i) lead[i] = static_cast<float>((lead[i] - s.mean) * inv);
  }
  return flat;
}

}  // namespace acl::preprocess
