// The canonical 12 leads (PTB-XL order I, II, III, aVR, aVL, aVF, V1-V6), lead-name
// normalisation, reordering of records into that order, and derivation of missing limb leads
// from I and II (Einthoven III = II - I; Goldberger aVR = -(I + II) / 2, aVL = I - II / 2,
// aVF = II - I / 2; computed in float from the float I and II samples).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace acl::preprocess {

inline constexpr int kNumLeads = 12;
enum LeadIndex : int { kI, kII, kIII, kAVR, kAVL, kAVF, kV1, kV2, kV3, kV4, kV5, kV6 };

const std::array<const char*, kNumLeads>& canonical_lead_names();

// Index 0..11 of a lead name, or -1 when it is not one of the 12. Case-insensitive; ignores
// spaces, '_' and a "lead" prefix; accepts MIT-BIH modified limb leads (MLI, MLII, MLIII) and the
// D1/DI.. spellings of the limb leads. A leading '-' (Cabrera -aVR) is not the same lead: -1.
int canonical_lead_index(std::string_view name);

struct CanonicalRecord {
  std::vector<float> signal;  // (12, n_samples) lead-major, absent leads all zero
  std::array<bool, kNumLeads> present{};
  std::vector<std::string> ignored;  // input names that are none of the 12 leads
};

// Reorders a lead-major (names.size(), n_samples) record into canonical order. Throws
// std::invalid_argument when two input names map to the same lead.
CanonicalRecord to_canonical_order(const float* x, const std::vector<std::string>& names,
                                   int64_t n_samples);

// x12 is (12, n_samples) in canonical order. When I and II are present, fills whichever of III,
// aVR, aVL, aVF are absent, marks them present and returns their indices (ascending); otherwise
// changes nothing and returns {}.
std::vector<int> derive_limb_leads(float* x12, int64_t n_samples,
                                   std::array<bool, kNumLeads>& present);

}  // namespace acl::preprocess
