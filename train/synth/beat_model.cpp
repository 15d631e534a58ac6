// Beat shapes of a record from its patient and conditions; see beat_model.h.
//
// The QRS templates (Frank x left, y inferior, z posterior; mV before the patient's scales) were
// chosen so that the projected 12 leads look like a normal ECG: septal q in I and V6 with r in V1,
// R ~1.3 mV in II, R-wave progression from rS in V1 to qR in V5-V6, upright T in I, II, V2-V6.
#include "train/synth/beat_model.h"

#include <algorithm>
#include <cmath>

namespace acl::synth {
namespace {

std::vector<Wave> qrs_template(Conduction c) {
  switch (c) {
    case Conduction::kLbbb:  // no septal q; broad R, late posterior component
      return {{-0.012, 0.022, {0.9, 0.6, 0.45}}, {0.035, 0.022, {0.75, 0.07, 1.05}}};
    case Conduction::kIncompleteLbbb:  // the normal QRS without the septal q, R slurred
      return {{-0.006, 0.013, {0.7, 0.6, 0.15}},
              {0.010, 0.012, {0.6, 0.35, 0.55}},
              {0.028, 0.009, {-0.25, -0.15, 0.35}}};
    default:  // normal, and the RBBBs before their R'
      return {{-0.028, 0.008, {-0.12, 0.02, -0.12}},
              {-0.006, 0.010, {0.7, 0.6, 0.15}},
              {0.008, 0.010, {0.6, 0.45, 0.45}},
              {0.026, 0.009, {-0.25, -0.15, 0.35}}};
  }
}

// The visible QRS of `waves`: the first and last instants where the magnitude of their summed
// vector reaches kQrsEdge of its peak (0.5 ms grid), so broad, large waves count as wide as they
// look on paper.
constexpr double kQrsEdge = 0.02;

void span_of(const std::vector<Wave>& waves, double& on, double& off) {
  double lo = 1e9, hi = -1e9;
  for (const Wave& w : waves) {
    lo = std::min(lo, w.centre - 4.0 * w.sigma);
    hi = std::max(hi, w.centre + 4.0 * w.sigma);
  }
  constexpr double kStep = 0.0005;
  const int n = static_cast<int>((hi - lo) / kStep) + 1;
  std::vector<double> mag(static_cast<size_t>(n));
  double peak = 0;
  for (int i = 0; i < n; ++i) {
    const double t = lo + i * kStep;
    Vec3 v;
    for (const Wave& w : waves) {
      const double d = (t - w.centre) / w.sigma;
      v = v + w.v * std::exp(-0.5 * d * d);
    }
    mag[static_cast<size_t>(i)] = norm(v);
    peak = std::max(peak, norm(v));
  }
  int first = 0, last = n - 1;
  while (first < n - 1 && mag[static_cast<size_t>(first)] < kQrsEdge * peak) ++first;
  while (last > first && mag[static_cast<size_t>(last)] < kQrsEdge * peak) --last;
  on = lo + first * kStep;
  off = lo + last * kStep;
}

// Scales the waves' centres and widths so that their span lasts `duration` s.
void scale_to_duration(std::vector<Wave>& waves, double duration) {
  double on, off;
  span_of(waves, on, off);
  const double k = duration / (off - on);
  for (Wave& w : waves) {
    w.centre *= k;
    w.sigma *= k;
  }
}

// Frontal angle (deg) of the QRS's net area: the electrical axis read from leads I and aVF.
double frontal_axis_deg(const std::vector<Wave>& waves) {
  double ax = 0, ay = 0;
  for (const Wave& w : waves) {
    ax += w.sigma * w.v.x;
    ay += w.sigma * w.v.y;
  }
  return std::atan2(ay, ax) / kDeg;
}

Vec3 mean_vector(const std::vector<Wave>& waves) {
  Vec3 m;
  for (const Wave& w : waves) m = m + w.v * w.sigma;
  return m;
}

// Sets the component of `t` toward the region to -depth when that is lower.
Vec3 invert_toward(const Vec3& t, const Vec3& u, double depth) {
  const double along = dot(t, u);
  return along > -depth ? t - u * (along + depth) : t;
}

Rotation jitter(Rng& rng, double deg) {
  return Rotation(rng.uniform(-deg, deg) * kDeg, rng.uniform(-deg, deg) * kDeg,
                  rng.uniform(-deg, deg) * kDeg);
}

}  // namespace

BeatShapes build_beat_shapes(const Patient& pt, const RecordMorphology& rec, Rng& rng) {
  // Every draw first, in a fixed order.
  const Rotation rprime_jitter = jitter(rng, 10);
  const Rotation condition_jitter = jitter(rng, 8);
  const double pac_axis = rng.uniform(-100, 60), pac_amp = rng.uniform(0.7, 1.2);
  const double pvc_amp = rng.uniform(1.1, 1.9), pvc_width = rng.uniform(0.14, 0.18);
  const Rotation pvc_turn = jitter(rng, 40);

  BeatShapes out;
  BeatShape& s = out.sinus;
  const double scale = pt.amplitude * rec.amplitude;

  // --- QRS: template, duration, patient rotation, then conditions in anatomy ---
  s.qrs = qrs_template(pt.conduction);
  const bool rbbb =
      pt.conduction == Conduction::kRbbb || pt.conduction == Conduction::kIncompleteRbbb;
  for (size_t k = 0; k < s.qrs.size(); ++k) {  // the patient's own variant of each wave
    const WaveVariant& var = pt.qrs_variant[k % kWaveVariants];
    Wave& w = s.qrs[k];
    w.v = Rotation(var.turn_z, var.turn_y, var.turn_x)(w.v * var.gain);
    w.centre += var.shift_s;
    w.sigma *= var.width;
  }
  const double frontal = pt.qrs_axis_deg + rec.axis_drift_deg - frontal_axis_deg(s.qrs);
  const Rotation rot(frontal * kDeg, pt.horizontal_deg * kDeg, pt.sagittal_deg * kDeg);
  for (Wave& w : s.qrs) w.v = rot(w.v * pt.qrs_amp);
  if (rbbb) {
    const bool complete = pt.conduction == Conduction::kRbbb;
    s.qrs[3].sigma *= complete ? 1.6 : 1.2;  // broad S
    const Vec3 rprime = rprime_jitter(Vec3{-0.4, 0.05, -0.6} * (pt.qrs_amp * pt.rprime_gain));
    s.qrs.push_back({complete ? 0.070 : 0.050, complete ? 0.018 : 0.012, rprime});
  }
  scale_to_duration(s.qrs, pt.qrs_s);
  if (nonzero(pt.notch.v)) {
    Wave notch = pt.notch;
    notch.centre *= pt.qrs_s / 0.09;
    s.qrs.push_back(notch);
  }
  if (pt.lvh_factor != 1.0) {
    const Vec3 l = normalised({0.55, 0.1, 0.83});
    for (Wave& w : s.qrs) w.v = w.v + l * ((pt.lvh_factor - 1.0) * std::max(0.0, dot(w.v, l)));
  }
  span_of(s.qrs, s.qrs_on, s.qrs_off);
  for (int r = 0; r < kNumRegions; ++r) {
    const Infarct& inf = pt.infarct[static_cast<size_t>(r)];
    if (!inf.present) continue;
    const Vec3 u = condition_jitter(region_direction(r));
    const double early = s.qrs_on + (2.0 / 3.0) * (s.qrs_off - s.qrs_on);
    for (Wave& w : s.qrs) {
      if (w.centre < early)
        w.v = w.v - u * ((0.25 + 0.65 * inf.severity) * std::max(0.0, dot(w.v, u)));
    }
    s.qrs.push_back({s.qrs_on + 0.02, 0.01, u * (-(0.1 + 0.4 * inf.severity) * pt.qrs_amp)});
  }

  // --- P ---
  s.has_p = true;
  const Rotation p_rot((pt.p_offset_deg + 0.15 * (pt.qrs_axis_deg - 55.0)) * kDeg, 0, 0);
  s.p = p_rot(Vec3{0.06, 0.12, -0.02} * pt.p_amp);
  s.p_terminal = p_rot(Vec3{0.02, 0.0, 0.12}) * (pt.p_amp * pt.p_biphasic);
  s.p_sigma = pt.p_duration_s / 4.0;
  s.pr60 = pt.pr60_s;

  // --- T and ST ---
  const Rotation t_rot(
      (pt.t_lag * (pt.qrs_axis_deg - 55.0) + pt.t_offset_deg + pt.t_turn_frontal_deg) * kDeg,
      (0.5 * pt.horizontal_deg + pt.t_turn_horizontal_deg) * kDeg, 0.5 * pt.sagittal_deg * kDeg);
  s.t = t_rot(Vec3{0.28, 0.22, -0.12} * pt.t_amp);
  s.t_down_ratio = pt.t_down_ratio;
  s.u = pt.u_wave * pt.qrs_amp;
  s.qt_extra = std::max(0.0, pt.qrs_s - 0.1);
  if (pt.conduction == Conduction::kLbbb) {  // discordant ST-T
    const Vec3 m = normalised(mean_vector(s.qrs));
    s.t = m * (-0.6 * norm(s.t));
    s.st = s.st - m * 0.08;
  } else if (pt.conduction == Conduction::kRbbb) {
    s.t = s.t + normalised(s.qrs.back().v) * (-0.15);
  }
  for (int r = 0; r < kNumRegions; ++r) {
    const Infarct& inf = pt.infarct[static_cast<size_t>(r)];
    if (!inf.present) continue;
    const Vec3 u = condition_jitter(region_direction(r));
    if (inf.t_inversion > 0) s.t = invert_toward(s.t, u, inf.t_inversion);
    if (inf.st_mv > 0) s.st = s.st + u * inf.st_mv;
  }
  if (pt.lvh_strain > 0) {
    const Vec3 u = condition_jitter(region_direction(kRegionLateral));
    s.t = invert_toward(s.t, u, 1.2 * pt.lvh_strain);
    s.st = s.st - u * pt.lvh_strain;
  }
  if (pt.early_repolarisation > 0) {
    s.st = s.st + normalised(Vec3{0.6, 0.1, -0.8}) * pt.early_repolarisation;
  }
  if (rec.t_inversion_region >= 0) {
    s.t = invert_toward(s.t, condition_jitter(region_direction(rec.t_inversion_region)),
                        rec.t_inversion_mv);
  }
  if (rec.st_up_region >= 0) {
    s.st = s.st + condition_jitter(region_direction(rec.st_up_region)) * rec.st_up_mv;
  }
  if (rec.st_down_region >= 0) {
    s.st = s.st - condition_jitter(region_direction(rec.st_down_region)) * rec.st_down_mv;
  }

  // Body habitus and visit scale everything but the ST deviations, which are given in mV.
  for (Wave& w : s.qrs) w.v = w.v * scale;
  s.p = s.p * scale;
  s.p_terminal = s.p_terminal * scale;
  s.t = s.t * scale;
  s.u = s.u * scale;
  out.qtc_s = rec.qtc_s;

  // --- premature atrial beat: the same ventricles, an ectopic P ---
  out.pac = s;
  out.pac.p = Rotation(pac_axis * kDeg, 0, 0)(s.p * pac_amp);
  out.pac.pr60 = 0.9 * s.pr60;

  // --- premature ventricular beat: wide QRS from the ectopic focus, discordant T ---
  BeatShape& v = out.pvc;
  v.has_p = false;
  v.u = Vec3{};
  const Vec3 o = pt.pvc_origin * (pvc_amp * pt.qrs_amp);
  v.qrs = {{-0.015, 0.022, o}, {0.04, 0.022, pvc_turn(o) * 0.6}};
  scale_to_duration(v.qrs, pvc_width);
  for (Wave& w : v.qrs) w.v = w.v * scale;
  span_of(v.qrs, v.qrs_on, v.qrs_off);
  v.t = pt.pvc_origin * (-0.45 * pt.qrs_amp * scale);
  v.qt_extra = pvc_width - 0.1;
  v.st = pt.pvc_origin * -0.08;
  return out;
}

}  // namespace acl::synth
