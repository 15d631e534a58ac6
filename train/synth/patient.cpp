// Patients: layout of records into patients, anatomy, intervals and chronic conditions; see
// patient.h.
#include "train/synth/patient.h"

#include <algorithm>
#include <cmath>

namespace acl::synth {
namespace {

constexpr uint64_t kLayoutSalt = 0x5EC0DE5A17E11Aull;
constexpr double kVisitsCdf[5] = {0.35, 0.60, 0.80, 0.92, 1.0};

int draw_visits(Rng& rng) {
  const double u = rng.uniform();
  int k = 0;
  while (k < 4 && u >= kVisitsCdf[k]) ++k;
  return k + 1;
}

// A positive factor of mean 1: exp(s z - s^2 / 2).
double lognormal_factor(Rng& rng, double s) {
  return std::exp(s * rng.normal() - 0.5 * s * s);
}

}  // namespace

PatientSlot patient_slot(uint64_t seed, uint64_t index) {
  const uint64_t block = index / kBlockRecords;
  const int slot = static_cast<int>(index % kBlockRecords);
  Rng rng(seed ^ kLayoutSalt, block);
  int start = 0;
  for (int k = 0;; ++k) {
    const int visits = std::min(draw_visits(rng), kBlockRecords - start);
    if (slot < start + visits) {
      return {block * kBlockRecords + static_cast<uint64_t>(k), slot - start, visits};
    }
    start += visits;
  }
}

Vec3 region_direction(int region) {
  switch (region) {
    case kRegionInferior:
      return normalised({0.05, 1.0, 0.1});
    case kRegionAnterior:
      return normalised({0.45, -0.05, -0.89});
    case kRegionSeptal:
      return normalised({-0.35, 0.1, -0.93});
    default:
      return normalised({0.9, -0.35, 0.15});
  }
}

int infarct_label(int region) {
  static const int kLabels[kNumRegions] = {kInferiorMi, kAnteriorMi, kSeptalMi, kLateralMi};
  return kLabels[region];
}

AxisRange qrs_axis_range(const LabelVector& y) {
  if (y[kLeftAxisDeviation]) return {-80, -33};
  if (y[kRightAxisDeviation]) return {103, 160};
  return {-25, 95};
}

Patient sample_patient(Rng& rng, uint64_t id, const LabelPriors& priors,
                       const LabelVector* forced) {
  Patient p;
  p.id = id;
  p.sex = rng.bernoulli(0.5) ? 1 : 0;
  const bool woman = p.sex == 1;
  p.age_years = rng.normal(60, 17, 18, 95);
  const double propensity =
      std::exp(0.03 * (p.age_years - 60.0)) * lognormal_factor(rng, 0.6) / 1.04;

  // --- patient labels: independent draws, then exclusions and implications ---
  LabelVector y{};
  for (int l = 1; l < kNumLabels; ++l) {
    const double rate = std::min(0.9, priors.rate[static_cast<size_t>(l)] * propensity);
    const bool drawn = rng.bernoulli(rate);
    if (is_patient_label(l)) {
      y[static_cast<size_t>(l)] = drawn;
    } else {
      p.record_rate[static_cast<size_t>(l)] = std::min(
          0.9, priors.rate[static_cast<size_t>(l)] * propensity * lognormal_factor(rng, 1.2));
    }
  }
  const bool anteroseptal = rng.bernoulli(0.5), lbbb_lad = rng.bernoulli(0.3);
  if (y[kAnteriorMi] && anteroseptal) y[kSeptalMi] = 1;
  const int conduction_order[4] = {kLbbb, kRbbb, kIncompleteRbbb, kIncompleteLbbb};
  bool conduction_taken = false;
  for (int l : conduction_order) {
    if (y[static_cast<size_t>(l)] && conduction_taken) y[static_cast<size_t>(l)] = 0;
    conduction_taken = conduction_taken || y[static_cast<size_t>(l)];
  }
  if (y[kLbbb] && lbbb_lad) y[kLeftAxisDeviation] = 1;
  if (y[kLeftAxisDeviation]) y[kRightAxisDeviation] = 0;
  if (forced) {
    for (int l = 1; l < kNumLabels; ++l) {
      if (is_patient_label(l)) y[static_cast<size_t>(l)] = (*forced)[static_cast<size_t>(l)];
    }
  }
  p.labels = y;

  // --- anatomy ---
  const AxisRange axis = qrs_axis_range(y);
  if (y[kLeftAxisDeviation] || y[kRightAxisDeviation]) {
    p.qrs_axis_deg = rng.uniform(axis.lo, axis.hi);
  } else {
    p.qrs_axis_deg = rng.normal(55.0 - 0.35 * (p.age_years - 60.0), 25, axis.lo, axis.hi);
  }
  p.horizontal_deg = rng.normal(0, 12, -30, 30);
  p.sagittal_deg = rng.normal(0, 7, -20, 20);
  p.t_lag = rng.uniform(0.3, 0.7);
  p.t_offset_deg = rng.normal(0, 10, -25, 25);
  p.p_offset_deg = rng.normal(0, 12, -30, 30);
  p.amplitude = std::exp(0.22 * rng.normal()) * (woman ? 0.88 : 1.0) *
                (1.0 - 0.004 * std::max(0.0, p.age_years - 40.0));
  p.chest_gain = std::exp(0.15 * rng.normal());
  p.chest_rotation_deg = rng.normal(0, 10, -25, 25);
  p.chest_tilt_deg = rng.normal(0, 6, -15, 15);
  p.qrs_amp = rng.uniform(0.8, 1.25);
  p.p_amp = rng.uniform(0.4, 1.5);
  p.t_amp = p.qrs_amp * rng.uniform(0.25, 1.3);
  p.p_duration_s = rng.uniform(0.08, 0.11);
  for (WaveVariant& w : p.qrs_variant) {
    w.turn_x = rng.normal(0, 30, -70, 70) * kDeg;
    w.turn_y = rng.normal(0, 30, -70, 70) * kDeg;
    w.turn_z = rng.normal(0, 30, -70, 70) * kDeg;
    w.gain = lognormal_factor(rng, 0.45);
    w.shift_s = rng.normal(0, 0.004, -0.01, 0.01);
    w.width = std::exp(0.2 * rng.normal());
  }
  p.t_turn_frontal_deg = rng.normal(0, 30, -60, 60);
  p.t_turn_horizontal_deg = rng.normal(0, 30, -60, 60);
  p.t_down_ratio = rng.uniform(0.6, 1.5);
  const double young_man = (!woman && p.age_years < 45) ? 3.0 : 0.6;
  const bool early_repol = rng.bernoulli(0.06 * young_man / 1.1);
  const double early_repol_mv = rng.uniform(0.03, 0.12);
  if (early_repol) p.early_repolarisation = early_repol_mv;
  p.resp_axis_deg = rng.uniform(2, 8);
  const bool notch = rng.bernoulli(0.15), u_wave = rng.bernoulli(0.25),
             biphasic = rng.bernoulli(0.2);
  const double na = rng.uniform(0, kTwoPi), ne = rng.uniform(-0.8, 0.8);
  const Vec3 notch_dir{std::cos(na) * std::cos(ne), std::sin(ne), std::sin(na) * std::cos(ne)};
  const double notch_mv = rng.uniform(0.05, 0.2), notch_at = rng.uniform(-0.02, 0.03);
  const double u_mv = rng.uniform(0.03, 0.1), p_neg = rng.uniform(0.2, 0.6);
  if (notch) p.notch = {notch_at, 0.005, notch_dir * notch_mv};
  if (u_wave) p.u_wave = normalised(Vec3{0.3, 0.25, -0.5}) * u_mv;
  if (biphasic) p.p_biphasic = p_neg;

  // --- intervals ---
  if (y[kFirstDegreeAvBlock]) {
    const double u = rng.uniform();
    p.pr60_s = 0.206 + 0.114 * u * u;
  } else {
    p.pr60_s = rng.normal(0.156 + 0.0002 * (p.age_years - 60.0), 0.016, 0.122, 0.196);
  }
  p.qrs_s = woman ? rng.normal(0.088, 0.008, 0.074, 0.112) : rng.normal(0.094, 0.008, 0.074, 0.112);
  p.qtc_s = woman ? rng.normal(0.418, 0.017, 0.370, 0.454) : rng.normal(0.404, 0.017, 0.360, 0.444);
  p.base_hr = rng.normal(woman ? 75 : 72, 11, 58, 100);

  // --- conduction ---
  const double wide = rng.uniform(0.122, 0.170), incomplete = rng.uniform(0.100, 0.118);
  p.rprime_gain = rng.uniform(0.8, 1.2);
  if (y[kLbbb]) {
    p.conduction = Conduction::kLbbb;
    p.qrs_s = wide;
  } else if (y[kRbbb]) {
    p.conduction = Conduction::kRbbb;
    p.qrs_s = wide;
  } else if (y[kIncompleteLbbb]) {
    p.conduction = Conduction::kIncompleteLbbb;
    p.qrs_s = incomplete;
  } else if (y[kIncompleteRbbb]) {
    p.conduction = Conduction::kIncompleteRbbb;
    p.qrs_s = incomplete;
    p.rprime_gain *= 0.45;
  }

  // --- infarcts: severity skewed toward subtle (most under 0.5); T inversion in half; acute in 15
  // % ---
  for (int r = 0; r < kNumRegions; ++r) {
    Infarct& inf = p.infarct[static_cast<size_t>(r)];
    const double u = rng.uniform();
    const bool t_inv = rng.bernoulli(0.5), acute = rng.bernoulli(0.15);
    const double t_depth = rng.uniform(0.05, 0.3), st = rng.uniform(0.08, 0.3);
    if (!y[static_cast<size_t>(infarct_label(r))]) continue;
    inf.present = true;
    inf.severity = 0.1 + 0.9 * std::pow(u, 1.5);
    inf.t_inversion = t_inv ? t_depth : 0.0;
    inf.st_mv = acute ? st : 0.0;
  }

  // --- LVH: voltage gain 1.35-2.4, strain in 35 % ---
  const double lvh = rng.uniform(1.35, 2.4);
  const bool strain = rng.bernoulli(0.35);
  const double strain_mv = rng.uniform(0.05, 0.2);
  if (y[kLvh]) {
    p.lvh_factor = lvh;
    p.lvh_strain = strain ? strain_mv : 0.0;
    const double cap =
        p.conduction == Conduction::kNormal
            ? 0.114
            : (p.conduction == Conduction::kLbbb || p.conduction == Conduction::kRbbb ? 0.176
                                                                                      : 0.118);
    p.qrs_s = std::min(p.qrs_s + 0.006, cap);
  }

  const double a = rng.uniform(0, kTwoPi), e = rng.uniform(-0.8, 0.8);
  p.pvc_origin = {std::cos(a) * std::cos(e), std::sin(e), std::sin(a) * std::cos(e)};
  return p;
}

}  // namespace acl::synth
