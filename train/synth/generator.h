// The built-in synthetic 12-lead ECG dataset (generator version 2).
//
// Record i of a dataset is a pure function of (seed, i). It belongs to a patient (patient.h:
// 1-5 records per patient, laid out in blocks) whose anatomy, intervals and chronic conditions
// every record of the patient shares; the record adds its own visit drift (QRS axis +-3 deg,
// amplitude 5 %, QTc 6 ms), heart rate, record-level conditions (rhythm, ectopy, rate, regional
// ST/T changes; labels.h), electrode placement (lead_projection.h), beats (rhythm.h,
// beat_model.h) and noise and artefacts (artefacts.h) on I, II, V1-V6. III, aVR, aVL, aVF are
// then formed from I and II, so Einthoven's and Goldberger's identities hold to float rounding.
// The labels are the annotation: the conditions present, with a few percent of annotation noise
// (LabelPriors); true_labels keeps what was generated. Output in mV.
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
  double noise_scale = 1.0;  // multiplies every noise and artefact amplitude; 0 gives clean records
  LabelPriors priors;
};

// Nominal intervals of the record's sinus (or conducted) beat at the record's mean RR.
struct BeatIntervals {
  double pr_s = 0;  // P onset to QRS onset; 0 without P waves (AF, flutter)
  double qrs_s = 0;
  double qt_s = 0;  // QRS onset to T end
  double rr_s = 0;
};

struct SynthRecord {
  int n_leads = leads::kNumLeads;
  int n_samples = 0;
  double fs = 0;
  std::vector<float> signal;  // (12, n_samples) lead-major, I II III aVR aVL aVF V1-V6, mV
  std::vector<int> rpeaks;    // ascending R-peak samples within [0, n_samples)
  LabelVector labels{};       // annotated multi-hot, names in label_names()
  LabelVector true_labels{};  // the conditions generated (labels before annotation noise)
  uint64_t patient_id = 0;    // records of one patient share anatomy
  int visit = 0;              // 0-based record number within the patient
  int sex = 0;                // 0 male, 1 female
  double age_years = 0;
  double qrs_axis_deg = 0;  // frontal QRS axis of the normal QRS, before conditions reshape it
  BeatIntervals intervals;
  double mean_hr_bpm = 0;  // 60 / mean RR of the beats inside the record
  uint32_t artefacts = 0;  // Artefact bits (artefacts.h)
};

SynthRecord generate_record(const SynthConfig& cfg, uint64_t index);

// The same record with the label set given instead of drawn, and no annotation noise (the rest
// stays a function of (seed, index); nothing is implied by the given labels): for tests and
// class-balanced sampling.
SynthRecord generate_record(const SynthConfig& cfg, uint64_t index, const LabelVector& labels);

}  // namespace acl::synth
