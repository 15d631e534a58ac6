// A synthetic patient: who (sex, age), the heart's anatomy and conduction (QRS axis, rotation,
// amplitudes, intervals, where the chest electrodes sit) and the patient's chronic conditions with
// their severities. Every record of a patient is drawn from it (generator.cpp), each visit with a
// small drift and its own record-level conditions.
//
// Distributions (adults; published norms in brackets):
//   sex 1:1; age N(60, 17) within [18, 95] years (PTB-XL median 62).
//   frontal QRS axis: normal N(55 - 0.35 (age - 60), 25) deg within [-25, 95] (normal -30..+90,
//     drifting left with age); left axis deviation [-80, -33]; right [+103, +160] deg.
//   PR at 60 bpm: N(156 + 0.2 (age - 60), 16) ms within [122, 196] (120-200 ms); first-degree AV
//     block 206-320 ms, most of it just past 200 ms. PR shortens with rate: PR(RR) =
//     PR60 (0.8 + 0.2 RR), not below 120 ms (200 ms in AV block).
//   QRS: N(88, 8) ms (women), N(94, 8) ms (men), within [74, 112] (< 120 ms, typically 80-100);
//     incomplete bundle-branch block 100-118 ms; complete 122-170 ms; LVH +6 ms.
//   QTc (Bazett): N(404, 17) ms men within [360, 444], N(418, 17) ms women within [370, 454]
//     (upper limits of normal 450 / 460 ms); QT(RR) = QTc sqrt(RR); wide QRS lengthens QT by the
//     QRS excess.
//   resting heart rate: N(72, 11) bpm (women +3) within [58, 100].
//   respiratory swing of the QRS/T axis: 2-8 deg with each breath.
//   amplitude (body habitus): log-normal, sd 0.22 in log, times 0.88 for women, falling 0.4 %
//     a year after 40; precordial gain log-normal sd 0.15 (chest wall).
//   chest electrode band: rotated about the vertical axis N(0, 10) deg and tilted N(0, 6) deg.
//   normal variants of the waveforms: each QRS wave of the patient turned N(0, 30) deg about
//     each axis, its gain log-normal (sd 0.45), its centre moved N(0, 4) ms, its width times
//     log-normal (sd 0.2); T loop turned N(0, 30) deg, T down/up ratio 0.6-1.5; early
//     repolarisation (0.03-0.12 mV J/ST elevation toward the anterior-lateral wall, unlabelled)
//     in 6 % of patients, mostly young men; a notch in the QRS (an extra wave of 0.05-0.2 mV) in
//     15 %; a U wave (0.03-0.1 mV, 80-140 ms after the T's end) in 25 %; a biphasic P (terminal
//     negative part up to 60 %) in 20 %.
//
// Records are laid out in blocks of kBlockRecords: each block is filled by patients with 1-5
// records (probabilities .35 .25 .20 .12 .08; the block's last patient is cut at its end), so
// record i's patient and visit follow from (seed, i) alone.
#pragma once

#include <array>
#include <cstdint>

#include "train/synth/labels.h"
#include "train/synth/rng.h"
#include "train/synth/vec3.h"
#include "train/synth/wave.h"

namespace acl::synth {

inline constexpr int kBlockRecords = 16;

struct PatientSlot {
  uint64_t patient_id = 0;
  int visit = 0;   // 0-based record number within the patient
  int visits = 1;  // the patient's records
};

PatientSlot patient_slot(uint64_t seed, uint64_t index);

// Myocardial regions, each with the outward direction of its wall: conditions confined to a
// region show in the leads whose lead vectors point at it (inferior: II, III, aVF; anterior:
// V2-V4; septal: V1-V2; lateral: I, aVL, V5, V6).
enum Region : int { kRegionInferior, kRegionAnterior, kRegionSeptal, kRegionLateral, kNumRegions };
Vec3 region_direction(int region);
// The myocardial infarction label of a region (kInferiorMi ... kLateralMi).
int infarct_label(int region);

// The frontal QRS axis range (deg) of a patient with labels y: left axis deviation [-80, -33],
// right [+103, +160], otherwise the normal range [-25, 95].
struct AxisRange {
  double lo, hi;
};
AxisRange qrs_axis_range(const LabelVector& y);

enum class Conduction { kNormal, kLbbb, kRbbb, kIncompleteLbbb, kIncompleteRbbb };

struct Infarct {
  bool present = false;
  double severity = 0;     // (0, 1]: Q depth and loss of R toward the region
  double t_inversion = 0;  // mV of inverted T in the region (0: none)
  double st_mv = 0;        // acute: ST elevation in the region (0: none)
};

// A patient's own version of one template wave.
struct WaveVariant {
  double turn_x = 0, turn_y = 0, turn_z = 0;  // radians
  double gain = 1, shift_s = 0, width = 1;
};
inline constexpr int kWaveVariants = 6;

struct Patient {
  uint64_t id = 0;
  int sex = 0;  // 0 male, 1 female
  double age_years = 60;
  LabelVector labels{};  // patient labels only (is_patient_label)
  // Per record-level label: the rate it is drawn with in this patient's records (prior times the
  // patient's propensity and a per-patient factor, so conditions recur across visits).
  std::array<double, kNumLabels> record_rate{};

  double qrs_axis_deg = 55;
  double horizontal_deg = 0, sagittal_deg = 0;  // further rotation of the QRS loop
  double t_lag = 0.5;                           // share of the axis deviation the T loop follows
  double t_offset_deg = 0;
  double p_offset_deg = 0;
  double amplitude = 1;  // all waves (body habitus, sex, age)
  double chest_gain = 1;
  double chest_rotation_deg = 0, chest_tilt_deg = 0;
  double qrs_amp = 1, p_amp = 1, t_amp = 1;
  double p_duration_s = 0.095;
  std::array<WaveVariant, kWaveVariants> qrs_variant{};
  double t_turn_frontal_deg = 0, t_turn_horizontal_deg = 0;
  double t_down_ratio = 1;          // T downstroke gain relative to the upstroke
  double early_repolarisation = 0;  // mV (0: none)
  double resp_axis_deg = 4;         // frontal QRS/T swing with breathing
  Wave notch;                       // a small extra QRS wave (fragmented QRS; zero for none)
  Vec3 u_wave;                      // U wave after the T (zero for none)
  double p_biphasic = 0;            // share of a terminal P component in the opposite direction

  double pr60_s = 0.156, qrs_s = 0.09, qtc_s = 0.41, base_hr = 70;

  Conduction conduction = Conduction::kNormal;
  double rprime_gain = 1;
  std::array<Infarct, kNumRegions> infarct{};
  double lvh_factor = 1;  // posterior-left QRS voltage gain
  double lvh_strain = 0;  // mV of lateral ST depression / T inversion of strain (0: none)
  Vec3 pvc_origin;        // direction of the premature ventricular complexes' QRS
};

// Draws patient `id`. `forced`: when given, the patient labels are exactly its patient labels and
// nothing is added (tests, class-balanced sampling); the rest is still drawn.
Patient sample_patient(Rng& rng, uint64_t id, const LabelPriors& priors, const LabelVector* forced);

}  // namespace acl::synth
