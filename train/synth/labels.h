// Labels of the synthetic dataset (multi-hot; several conditions may co-occur), which of them
// belong to the patient (shared by every record of a patient) and which to the record, and the
// population priors they are drawn from (patient.cpp, generator.cpp).
//
// Marginal rates per record roughly follow PTB-XL's statements (normal about 40 %; inferior and
// anteroseptal MI, LVH, left axis deviation, AF, PVCs among the common ones; flutter, right axis
// deviation, incomplete LBBB rare). Conditions cluster in older patients and in patients with a
// high per-patient propensity, and some imply others (acute MI brings ST elevation, LVH a strain
// pattern, complete LBBB left axis deviation more often), so labels co-occur as in clinical data.
#pragma once

#include <array>
#include <cstdint>

namespace acl::synth {

enum Label : int {
  kNormal,              // sinus rhythm 60-100 bpm and none of the below
  kInferiorMi,          // pathological Q waves (graded) in II, III, aVF; old or evolving ST/T
  kAnteriorMi,          // Q waves / poor R progression in V2-V4
  kSeptalMi,            // QS / loss of r in V1-V2
  kLateralMi,           // Q waves in I, aVL, V5, V6
  kStElevation,         // 0.05-0.3 mV ST elevation confined to one region
  kStDepression,        // 0.05-0.3 mV ST depression confined to one region
  kTInversion,          // regional T inversion, graded depth
  kLbbb,                // complete left bundle-branch block, QRS >= 120 ms
  kRbbb,                // complete right bundle-branch block, QRS >= 120 ms
  kIncompleteLbbb,      // QRS 100-119 ms, no septal q, slurred R
  kIncompleteRbbb,      // QRS 100-119 ms, terminal r' in V1
  kLvh,                 // left ventricular hypertrophy by voltage (graded), sometimes strain
  kLeftAxisDeviation,   // frontal QRS axis < -30 deg
  kRightAxisDeviation,  // frontal QRS axis > +100 deg
  kFirstDegreeAvBlock,  // PR > 200 ms
  kAtrialFibrillation,  // irregular RR, no P waves, fibrillatory baseline
  kAtrialFlutter,       // 240-340 /min sawtooth flutter waves, 2:1 to 4:1 conduction
  kPac,                 // premature atrial complexes
  kPvc,                 // premature ventricular complexes
  kSinusBradycardia,    // sinus rhythm < 60 bpm
  kSinusTachycardia,    // sinus rhythm > 100 bpm
  kNumLabels
};

using LabelVector = std::array<uint8_t, kNumLabels>;

const std::array<const char*, kNumLabels>& label_names();

// Sets y[kNormal]: 1 when no other label is set, else 0.
void set_normal(LabelVector& y);

// Whether a label is a property of the patient (every record of the patient has it) rather than
// of one recording (rhythm, ectopy, rate, ST/T changes).
bool is_patient_label(int label);

// Per-record prevalence each condition is drawn with before the age / propensity modulation
// (index kNormal unused: a record is normal when nothing else is drawn).
struct LabelPriors {
  std::array<double, kNumLabels> rate = {
      0.0,     // normal
      0.0952,  // inferior_mi
      0.0504,  // anterior_mi
      0.0672,  // septal_mi
      0.0336,  // lateral_mi
      0.028,   // st_elevation (besides acute MI)
      0.0672,  // st_depression (besides LVH strain)
      0.0504,  // t_inversion (besides MI and strain)
      0.028,   // lbbb
      0.0336,  // rbbb
      0.0134,  // incomplete_lbbb
      0.0504,  // incomplete_rbbb
      0.0784,  // lvh
      0.0672,  // left_axis_deviation (besides LBBB's)
      0.0224,  // right_axis_deviation
      0.0448,  // first_degree_av_block
      0.0672,  // atrial_fibrillation
      0.0134,  // atrial_flutter
      0.0336,  // pac
      0.056,   // pvc
      0.0392,  // sinus_bradycardia
      0.0448,  // sinus_tachycardia
  };
  double label_miss = 0.04;      // annotation noise: a present condition left unlabelled (scaled by
                                 // how borderline it is, generator.cpp)
  double label_spurious = 0.03;  // annotation noise: a record given one absent condition
};

}  // namespace acl::synth
