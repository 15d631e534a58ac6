// Canonical reordering and limb-lead derivation; see leads.h.
#include "train/preprocess/leads.h"

#include <algorithm>
#include <stdexcept>

namespace acl::preprocess {

using namespace leads;  // kNumLeads, the LeadIndex enumerators

CanonicalRecord to_canonical_order(const float* x, const std::vector<std::string>& names,
                                   int64_t n_samples) {
  CanonicalRecord rec;
  rec.signal.assign(static_cast<size_t>(kNumLeads * n_samples), 0.0f);
  std::array<int, kNumLeads> source;
  source.fill(-1);
  for (size_t j = 0; j < names.size(); ++j) {
    const int c = lead_index(names[j]);
    if (c < 0) {
      rec.ignored.push_back(names[j]);
      continue;
    }
    if (source[static_cast<size_t>(c)] >= 0) {
      throw std::invalid_argument("to_canonical_order: leads '" +
                                  names[static_cast<size_t>(source[static_cast<size_t>(c)])] +
                                  "' and '" + names[j] + "' both map to " +
                                  lead_names()[static_cast<size_t>(c)]);
    }
    source[static_cast<size_t>(c)] = static_cast<int>(j);
    rec.present[static_cast<size_t>(c)] = true;
    std::copy(x + static_cast<int64_t>(j) * n_samples,
              x + (static_cast<int64_t>(j) + 1) * n_samples, rec.signal.begin() + c * n_samples);
  }
  return rec;
}

std::vector<int> derive_limb_leads(float* x12, int64_t n_samples,
                                   std::array<bool, kNumLeads>& present) {
  std::vector<int> derived;
  if (!present[kI] || !present[kII]) return derived;
  const float* lead_i = x12 + kI * n_samples;
  const float* lead_ii = x12 + kII * n_samples;
  for (int target : {kIII, kAVR, kAVL, kAVF}) {
    if (present[static_cast<size_t>(target)]) continue;
    float* out = x12 + target * n_samples;
    for (int64_t t = 0; t < n_samples; ++t) {
      const float a = lead_i[t], b = lead_ii[t];
      switch (target) {
        case kIII:
          out[t] = b - a;
          break;
        case kAVR:
          out[t] = -0.5f * (a + b);
          break;
        case kAVL:
          out[t] = a - 0.5f * b;
          break;
        default:
          out[t] = b - 0.5f * a;
          break;  // aVF
      }
    }
    present[static_cast<size_t>(target)] = true;
    derived.push_back(target);
  }
  return derived;
}

}  // namespace acl::preprocess
