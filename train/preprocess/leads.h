// Reordering of records into the canonical lead order of models/leads.h (I, II, III, aVR, aVL,
// aVF, V1-V6) and derivation of missing limb leads from I and II (Einthoven III = II - I;
// Goldberger aVR = -(I + II) / 2, aVL = I - II / 2, aVF = II - I / 2; computed in float from the
// float I and II samples).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/leads.h"

namespace acl::preprocess {

struct CanonicalRecord {
  std::vector<float> signal;  // (12, n_samples) lead-major, absent leads all zero
  std::array<bool, leads::kNumLeads> present{};
  std::vector<std::string> ignored;  // input names that are none of the 12 leads
};

// Reorders a lead-major (names.size(), n_samples) record into canonical order, names matched by
// leads::lead_index. Throws std::invalid_argument when two input names map to the same lead.
CanonicalRecord to_canonical_order(const float* x, const std::vector<std::string>& names,
                                   int64_t n_samples);

// x12 is (12, n_samples) in canonical order. When I and II are present, fills whichever of III,
// aVR, aVL, aVF are absent, marks them present and returns their indices (ascending); otherwise
// changes nothing and returns {}.
std::vector<int> derive_limb_leads(float* x12, int64_t n_samples,
                                   std::array<bool, leads::kNumLeads>& present);

}  // namespace acl::preprocess
