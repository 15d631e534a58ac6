// Labels of the synthetic dataset (multi-hot; several conditions may co-occur) and how a record's
// labels are drawn: "normal" with probability p_normal, otherwise each condition independently
// with its own probability (at least one; bradycardia and tachycardia exclude each other).
#pragma once

#include <array>
#include <cstdint>

#include "train/synth/rng.h"

namespace acl::synth {

enum Label : int {
  kNormal,              // sinus rhythm 60-98 bpm, none of the below
  kInferiorSte,         // ST elevation in II, III, aVF; reciprocal depression in I, aVL
  kAnteriorSte,         // ST elevation in V1-V4, strongest in V2-V3
  kLateralTInversion,   // inverted T in I, aVL, V5, V6
  kBundleBranchBlock,   // QRS > 120 ms (right or left bundle-branch morphology)
  kAtrialFibrillation,  // irregular RR, no P waves, fibrillatory baseline
  kBradycardia,         // mean heart rate < 55 bpm (drawn 38-52)
  kTachycardia,         // mean heart rate > 105 bpm (drawn 112-150)
  kNumLabels
};

using LabelVector = std::array<uint8_t, kNumLabels>;

const std::array<const char*, kNumLabels>& label_names();

struct LabelPriors {
  double p_normal = 0.3;
  // Per-condition probabilities given "not normal" (index kNormal unused).
  std::array<double, kNumLabels> p_condition = {0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.15, 0.15};
};

LabelVector sample_labels(Rng& rng, const LabelPriors& priors);

}  // namespace acl::synth
