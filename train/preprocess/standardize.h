// Per-lead standardisation: x <- (x - mean) / std per lead, population std, sums in double.
// A lead whose std is <= eps (flat, or all zeros) becomes all zeros instead of NaN/Inf.
#pragma once

#include <cstdint>

namespace acl::preprocess {

struct LeadStats {
  double mean = 0.0;
  double std = 0.0;
};

LeadStats lead_stats(const float* x, int64_t n);

// In place over a lead-major (n_leads, n_samples) signal. Returns the number of flat leads.
int standardize_leads(float* x, int n_leads, int64_t n_samples, double eps = 1e-6);

}  // namespace acl::preprocess
