// The built-in synthetic 12-lead ECG dataset.
//
// Record i of a dataset is a pure function of (seed, i): labels (labels.h), a patient
// (beat_model.h), beat times (rhythm.h), the dipole d(t) summed from per-beat Gaussian waves
// (each evaluated only within +-4 sigma of its centre), projected onto I, II, V1-V6
// (lead_projection.h), plus noise on those 8 leads -- white Gaussian and baseline wander (two
// sinusoids of 0.05-0.5 Hz per lead), both scaled by noise_scale -- and, in AF, fibrillatory atrial
// waves on the dipole. III, aVR, aVL, aVF are then formed from I and II, so Einthoven's and
// Goldberger's identities hold to float rounding. Output in mV.
#pragma once

#include <cstdint>
#include <vector>

#include "models/leads.h"
#include "train/synth/labels.h"

namespace acl::synth {

// Recorded in a prepared cache's index ("generator": {"version": ...}).
inline constexpr int kGeneratorVersion = 2;

struct SynthConfig {
  uint64_t seed = 0;
  double fs = 100.0;  // Hz
  double duration_s = 10.0;
  double noise_scale = 1.0;  // multiplies white noise and baseline wander; 0 gives clean records
  LabelPriors priors;
};

struct SynthRecord {
  int n_leads = leads::kNumLeads;
  int n_samples = 0;
  double fs = 0;
  std::vector<float> signal;  // (12, n_samples) lead-major, I II III aVR aVL aVF V1-V6, mV
  std::vector<int> rpeaks;    // ascending R-peak samples within [0, n_samples)
  LabelVector labels{};       // multi-hot, names in label_names()
  double mean_hr_bpm = 0;     // 60 / mean RR of the beats inside the record
  uint64_t patient_id = 0;  // records of one patient share anatomy
};

SynthRecord generate_record(const SynthConfig& cfg, uint64_t index);

// The same record generator with the label set given instead of drawn (the rest stays a function
// of (seed, index)): for tests and class-balanced sampling.
SynthRecord generate_record(const SynthConfig& cfg, uint64_t index, const LabelVector& labels);

}  // namespace acl::synth
