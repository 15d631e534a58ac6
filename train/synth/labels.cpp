// Label names and the multi-label draw; see labels.h.
#include "train/synth/labels.h"

namespace acl::synth {

const std::array<const char*, kNumLabels>& label_names() {
  static const std::array<const char*, kNumLabels> names = {"normal",
                                                            "inferior_ste",
                                                            "anterior_ste",
                                                            "lateral_t_inversion",
                                                            "bundle_branch_block",
                                                            "atrial_fibrillation",
                                                            "bradycardia",
                                                            "tachycardia"};
  return names;
}

LabelVector sample_labels(Rng& rng, const LabelPriors& priors) {
  LabelVector y{};
  if (rng.bernoulli(priors.p_normal)) {
    y[kNormal] = 1;
    return y;
  }
  int count = 0;
  for (int c = 1; c < kNumLabels; ++c) {
    y[static_cast<size_t>(c)] = rng.bernoulli(priors.p_condition[static_cast<size_t>(c)]);
    count += y[static_cast<size_t>(c)];
  }
  if (count == 0) y[static_cast<size_t>(1 + rng.below(kNumLabels - 1))] = 1;
  if (y[kBradycardia] && y[kTachycardia]) {
    y[rng.bernoulli(0.5) ? kBradycardia : kTachycardia] = 0;
  }
  return y;
}

}  // namespace acl::synth
