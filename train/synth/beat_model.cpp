// Per-patient dipole waves and how each condition changes them; see beat_model.h.
//
// Base waves (Frank x left, y inferior, z posterior; mV; centres/widths in s at RR = 1 s) were
// chosen so that the projected 12 leads look like a normal ECG: P ~0.13 mV in II, septal q in I
// and V6 with r in V1, R ~1.3 mV in II, R-wave progression from rS in V1 to qR in V5-V6, upright
// T in I, II, V2-V6. Condition vectors are fixed in anatomy (not rotated with the patient's axis)
// up to a +-10 deg jitter, so a region-specific label always shows in its region:
//   inferior STE   ST vector at 95-110 deg in the frontal plane: II, III, aVF up; aVL, I down.
//   anterior STE   ST vector anterior and slightly left: V2-V3 > V4 > V1 up.
//   lateral T inv. T vector rightward-inferior-anterior: T negative in I, aVL, V5, V6 (V4
//                  less), upright in V1-V3.
//   BBB            right: a terminal rightward-anterior R' at +75 ms (rSR' in V1, wide S in I,
//                  V6); left: no septal q, broad slurred high-voltage R with a late posterior
//                  component (secondary T changes are left out: they would read as T inversion).
//   AF             no P wave; RR log-normal; fibrillatory 4.5-8 Hz atrial waves (generator.cpp).
//   brady/tachy    mean heart rate drawn 38-52 / 112-150 bpm (sinus: 60-98).
#include "train/synth/beat_model.h"

#include <cmath>

namespace acl::synth {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

Vec3 scale(const Vec3& a, double s) {
  return {a.x * s, a.y * s, a.z * s};
}
Vec3 add(const Vec3& a, const Vec3& b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
Vec3 normalised(const Vec3& a) {
  return scale(a, 1.0 / std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z));
}

// Rotation by `frontal` about z (x towards y), `horizontal` about y (x towards z) and `sagittal`
// about x (y towards z), applied in that order after the sagittal one.
struct Rotation {
  double m[3][3];
  Rotation(double frontal, double horizontal, double sagittal) {
    const double cf = std::cos(frontal), sf = std::sin(frontal);
    const double ch = std::cos(horizontal), sh = std::sin(horizontal);
    const double cs = std::cos(sagittal), ss = std::sin(sagittal);
    const double rz[3][3] = {{cf, -sf, 0}, {sf, cf, 0}, {0, 0, 1}};
    const double ry[3][3] = {{ch, 0, -sh}, {0, 1, 0}, {sh, 0, ch}};
    const double rx[3][3] = {{1, 0, 0}, {0, cs, -ss}, {0, ss, cs}};
    double t[3][3];
    mul(ry, rx, t);
    mul(rz, t, m);
  }
  Vec3 operator()(const Vec3& v) const {
    return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
            m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
            m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
  }
  static void mul(const double a[3][3], const double b[3][3], double c[3][3]) {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  }
};

Rotation jitter(Rng& rng, double deg) {
  return Rotation(rng.uniform(-deg, deg) * kDeg, rng.uniform(-deg, deg) * kDeg,
                  rng.uniform(-deg, deg) * kDeg);
}

}  // namespace

void wave_timing(const Wave& w, const BeatModel& m, double rr, double& centre, double& sigma) {
  switch (w.timing) {
    case Timing::kPr:
      centre = w.centre * m.pr_factor * (0.10 + 0.07 * rr) / 0.17;
      sigma = w.sigma;
      break;
    case Timing::kQt: {
      const double s = std::sqrt(rr) * m.qt_factor;
      centre = w.centre * s;
      sigma = w.sigma * (0.5 + 0.5 * s);  // T narrows less than QT shortens
      break;
    }
    default:
      centre = w.centre;
      sigma = w.sigma;
  }
}

Patient sample_patient(Rng& rng, const LabelVector& labels) {
  Patient p;
  p.labels = labels;
  BeatModel& m = p.beat;
  const bool af = labels[kAtrialFibrillation];

  // --- normal morphology, rotated and scaled per patient ---
  const Rotation rot(rng.uniform(-30, 30) * kDeg, rng.uniform(-15, 15) * kDeg,
                     rng.uniform(-10, 10) * kDeg);
  const double qrs = rng.uniform(0.6, 1.4), pw = rng.uniform(0.6, 1.3);
  const double tw = qrs * rng.uniform(0.6, 1.2);  // T amplitude follows QRS amplitude
  const double width = rng.uniform(0.9, 1.1);
  m.pr_factor = rng.uniform(0.9, 1.1);
  m.qt_factor = rng.uniform(0.93, 1.07);
  const double p_sigma = 0.024 * rng.uniform(0.9, 1.1);
  if (!af) m.waves.push_back({-0.17, p_sigma, rot(scale({0.06, 0.12, -0.02}, pw)), Timing::kPr});
  Wave q{-0.030, 0.010 * width, rot(scale({-0.12, 0.02, -0.12}, qrs)), Timing::kFixed};
  Wave r1{-0.006, 0.011 * width, rot(scale({0.7, 0.6, 0.15}, qrs)), Timing::kFixed};
  Wave r2{0.008, 0.011 * width, rot(scale({0.6, 0.45, 0.45}, qrs)), Timing::kFixed};
  Wave s{0.030, 0.011 * width, rot(scale({-0.25, -0.15, 0.35}, qrs)), Timing::kFixed};
  Vec3 t_vec = rot(scale({0.28, 0.22, -0.12}, tw));

  // --- conditions ---
  if (labels[kBundleBranchBlock]) {
    if (rng.bernoulli(0.5)) {  // right: terminal rightward-anterior R'
      s.sigma *= 1.6;
      const Vec3 rprime = jitter(rng, 10)(scale({-0.4, 0.05, -0.6}, qrs * rng.uniform(0.8, 1.2)));
      m.waves.push_back(q);
      m.waves.push_back(r1);
      m.waves.push_back(r2);
      m.waves.push_back(s);
      m.waves.push_back({0.075, 0.02 * width, rprime, Timing::kFixed});
    } else {  // left: no septal q, broad slurred R with a late posterior peak
      r1 = {-0.01, 0.024 * width, scale(r1.v, 1.4), Timing::kFixed};  // LBBB: high voltage
      r2 = {0.04, 0.024 * width, rot(scale({0.6, 0.1, 0.7}, 1.4 * qrs)), Timing::kFixed};
      m.waves.push_back(r1);
      m.waves.push_back(r2);
    }
  } else {
    m.waves.push_back(q);
    m.waves.push_back(r1);
    m.waves.push_back(r2);
    m.waves.push_back(s);
  }
  if (labels[kLateralTInversion]) {
    t_vec = jitter(rng, 10)(scale({-0.3, 0.2, -0.2}, rng.uniform(0.8, 1.4)));
  }
  m.t_centre = 0.28;
  m.waves.push_back({m.t_centre - 0.025, 0.055, scale(t_vec, 0.55), Timing::kQt});
  m.waves.push_back({m.t_centre + 0.02, 0.035, scale(t_vec, 0.5), Timing::kQt});

  if (labels[kInferiorSte]) {
    const double a = rng.uniform(95, 110) * kDeg;
    m.st =
        add(m.st, scale({std::cos(a), std::sin(a), rng.uniform(-0.1, 0.1)}, rng.uniform(0.2, 0.4)));
  }
  if (labels[kAnteriorSte]) {
    const Vec3 dir = normalised({0.3 + rng.uniform(-0.1, 0.1), -0.05, -0.95});
    m.st = add(m.st, scale(dir, rng.uniform(0.2, 0.4)));
  }

  // --- rhythm ---
  RhythmParams& rh = p.rhythm;
  rh.af = af;
  double hr;
  if (labels[kBradycardia]) {
    hr = af ? rng.uniform(42, 52) : rng.uniform(38, 52);
  } else if (labels[kTachycardia]) {
    hr = af ? rng.uniform(115, 150) : rng.uniform(112, 150);
  } else {
    hr = af ? rng.uniform(65, 90) : rng.uniform(60, 98);
  }
  rh.mean_rr = 60.0 / hr;
  rh.resp_hz = rng.uniform(0.15, 0.35);
  rh.resp_phase = rng.uniform(0, 6.283185307179586);
  if (af) {
    rh.af_sigma = rng.uniform(0.18, 0.3);
  } else {
    rh.rsa_amplitude = rng.uniform(0.01, 0.05) * (labels[kTachycardia] ? 0.5 : 1.0);
    rh.jitter = rng.uniform(0.005, 0.02);
  }
  p.beat_amplitude_resp = rng.uniform(0.0, 0.06);

  // --- noise and atrial activity ---
  NoiseParams& nz = p.noise;
  nz.white_mv = rng.uniform(0.003, 0.02);
  nz.wander_mv = rng.uniform(0.0, 0.12);
  if (af) {
    nz.af_wave_mv = rng.uniform(0.04, 0.1);
    nz.af_wave_hz = rng.uniform(4.5, 8.0);
    nz.af_direction = jitter(rng, 15)(normalised({-0.3, 0.3, -0.9}));
  }
  return p;
}

}  // namespace acl::synth
