// Record synthesis: patient, record conditions, beats on the dipole, atrial activity, projection,
// noise and artefacts, 12 leads, annotation; see generator.h.
#include "train/synth/generator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "train/synth/artefacts.h"
#include "train/synth/beat_model.h"
#include "train/synth/lead_projection.h"
#include "train/synth/patient.h"
#include "train/synth/rhythm.h"

namespace acl::synth {
namespace {

constexpr uint64_t kPatientSalt = 0xA11CE5EEDBA5E5ull;

struct Dipole {
  int n;
  double fs;
  std::vector<double> x, y, z;
  Dipole(int n_, double fs_) : n(n_), fs(fs_), x(n_), y(n_), z(n_) {}

  // v * exp(-(t - c)^2 / (2 s^2)) within +-4 s of c.
  void add_gaussian(double c, double s, const Vec3& v) {
    const int i0 = std::max(0, static_cast<int>(std::ceil((c - 4.0 * s) * fs)));
    const int i1 = std::min(n - 1, static_cast<int>(std::floor((c + 4.0 * s) * fs)));
    const double k = -0.5 / (s * s);
    for (int i = i0; i <= i1; ++i) {
      const double dt = i / fs - c;
      const double g = std::exp(k * dt * dt);
      x[static_cast<size_t>(i)] += v.x * g;
      y[static_cast<size_t>(i)] += v.y * g;
      z[static_cast<size_t>(i)] += v.z * g;
    }
  }

  // Plateau of height v: smoothstep up over [on, on + rise], flat, smoothstep down over
  // [off, off + fall].
  void add_plateau(double on, double rise, double off, double fall, const Vec3& v) {
    const int i0 = std::max(0, static_cast<int>(std::ceil(on * fs)));
    const int i1 = std::min(n - 1, static_cast<int>(std::floor((off + fall) * fs)));
    for (int i = i0; i <= i1; ++i) {
      const double t = i / fs;
      double g = 1.0;
      if (t < on + rise) {
        const double u = (t - on) / rise;
        g = u * u * (3.0 - 2.0 * u);
      } else if (t > off) {
        const double u = std::min(1.0, (t - off) / fall);
        g = 1.0 - u * u * (3.0 - 2.0 * u);
      }
      x[static_cast<size_t>(i)] += v.x * g;
      y[static_cast<size_t>(i)] += v.y * g;
      z[static_cast<size_t>(i)] += v.z * g;
    }
  }

  // a(t) * v for every sample.
  template <class F>
  void add_along(const Vec3& v, F a) {
    for (int i = 0; i < n; ++i) {
      const double s = a(i / fs);
      x[static_cast<size_t>(i)] += v.x * s;
      y[static_cast<size_t>(i)] += v.y * s;
      z[static_cast<size_t>(i)] += v.z * s;
    }
  }
};

// PR shortens with rate, but a normal PR stays at 120 ms or more and a prolonged one (first-degree
// AV block) over 200 ms.
double pr_at(const BeatShape& s, double rr) {
  const double pr = s.pr60 * (0.8 + 0.2 * rr);
  return std::max(pr, std::min(s.pr60, s.pr60 > 0.2 ? 0.205 : 0.121));
}
double qt_at(const BeatShape& s, double qtc, double rr) {
  return qtc * std::sqrt(rr) + s.qt_extra;
}

// One beat with its R reference at t; `swing` turns the ventricular waves (respiration).
void add_beat(Dipole& d, const BeatShape& s, double qtc, double t, double rr, double amp,
              const Rotation& swing) {
  if (s.has_p) {
    const double c = t + s.qrs_on - pr_at(s, rr) + 2.0 * s.p_sigma;
    d.add_gaussian(c, s.p_sigma, s.p * amp);
    if (nonzero(s.p_terminal))
      d.add_gaussian(c + 1.2 * s.p_sigma, 0.7 * s.p_sigma, s.p_terminal * amp);
  }
  for (const Wave& w : s.qrs) d.add_gaussian(t + w.centre, w.sigma, swing(w.v * amp));
  const double tend = t + s.qrs_on + qt_at(s, qtc, rr);
  const double tau = 0.5 + 0.5 * std::sqrt(rr);
  const double down = tend - 0.07 * tau, up = down - 0.045 * tau;
  const double up_gain = 2.0 / (1.0 + s.t_down_ratio);
  const Vec3 tv = swing(s.t);
  d.add_gaussian(down, 0.035 * tau, tv * (0.5 * amp * s.t_down_ratio * up_gain));
  d.add_gaussian(up, 0.055 * tau, tv * (0.55 * amp * up_gain));
  if (nonzero(s.u)) d.add_gaussian(tend + 0.11, 0.035, swing(s.u) * amp);
  if (nonzero(s.st)) {
    const double on = t + s.qrs_off, off = std::max(on + 0.03, up - 0.02);
    d.add_plateau(on, 0.03, off, std::max(0.04, tend - off), s.st);
  }
}

struct RecordPlan {
  LabelVector labels{};  // true labels
  // How borderline each present graded condition is, 0 (marked) .. 1 (at the threshold).
  std::array<double, kNumLabels> subtlety{};
  RecordMorphology morphology;
  RhythmParams rhythm;
  double beat_amplitude_resp = 0;
  double atrial_mv = 0, atrial_hz = 6;
  Vec3 atrial_direction;
};

int weighted_region(Rng& rng, const double (&w)[kNumRegions]) {
  double u = rng.uniform(), acc = 0;
  for (int r = 0; r < kNumRegions; ++r) {
    acc += w[r];
    if (u < acc) return r;
  }
  return kRegionLateral;
}

// The record's conditions and rhythm. Draws from `rng` in a fixed order.
RecordPlan plan_record(Patient& pt, const LabelVector* forced, Rng& rng) {
  RecordPlan plan;
  LabelVector y = pt.labels;
  for (int l = 1; l < kNumLabels; ++l) {
    const bool drawn = rng.bernoulli(pt.record_rate[static_cast<size_t>(l)]);
    if (!is_patient_label(l)) y[static_cast<size_t>(l)] = drawn;
  }
  if (forced) {
    for (int l = 1; l < kNumLabels; ++l) {
      if (!is_patient_label(l)) y[static_cast<size_t>(l)] = (*forced)[static_cast<size_t>(l)];
    }
    if (!y[kStElevation]) {
      for (Infarct& inf : pt.infarct) inf.st_mv = 0.0;
    }
  } else {
    if (y[kAtrialFibrillation]) y[kAtrialFlutter] = 0;
    if (y[kAtrialFibrillation] || y[kAtrialFlutter]) {
      y[kSinusBradycardia] = y[kSinusTachycardia] = y[kPac] = y[kFirstDegreeAvBlock] = 0;
    }
    if (y[kSinusBradycardia] && y[kSinusTachycardia]) y[kSinusTachycardia] = 0;
    for (const Infarct& inf : pt.infarct) {
      if (inf.st_mv > 0) y[kStElevation] = 1;
    }
  }

  // --- morphology drift and regional ST/T ---
  RecordMorphology& m = plan.morphology;
  const double drift = rng.normal(0, 3, -8, 8);
  const AxisRange axis = qrs_axis_range(y);  // the drift stays within the axis label's range
  m.axis_drift_deg = std::clamp(pt.qrs_axis_deg + drift, axis.lo, axis.hi) - pt.qrs_axis_deg;
  m.amplitude = std::exp(0.05 * rng.normal());
  const double qtc_high = pt.sex == 1 ? 0.454 : 0.444;
  m.qtc_s = std::clamp(pt.qtc_s + 0.006 * rng.normal(), 0.35, std::max(qtc_high, pt.qtc_s));
  static const double kUp[kNumRegions] = {0.35, 0.3, 0.15, 0.2};
  static const double kDown[kNumRegions] = {0.3, 0.25, 0.0, 0.45};
  static const double kInv[kNumRegions] = {0.3, 0.25, 0.1, 0.35};
  const int up = weighted_region(rng, kUp), down = weighted_region(rng, kDown),
            inv = weighted_region(rng, kInv);
  const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform();
  // ST elevation of an acute infarct stands alone in half of the records; otherwise (and without
  // one) the record has a regional ST elevation of its own.
  bool acute = false;
  for (const Infarct& inf : pt.infarct) acute = acute || inf.st_mv > 0;
  if (y[kStElevation] && !(acute && u1 < 0.5)) {
    m.st_up_region = up;
    m.st_up_mv = 0.05 + 0.25 * u1 * u1 * std::sqrt(u1);
    plan.subtlety[kStElevation] = 1.0 - (m.st_up_mv - 0.05) / 0.25;
  }
  if (y[kStDepression]) {
    m.st_down_region = down;
    m.st_down_mv = 0.05 + 0.25 * u2 * u2 * std::sqrt(u2);
    plan.subtlety[kStDepression] = 1.0 - (m.st_down_mv - 0.05) / 0.25;
  }
  if (y[kTInversion]) {
    m.t_inversion_region = inv;
    m.t_inversion_mv = 0.04 + 0.3 * u3 * u3;
    plan.subtlety[kTInversion] = 1.0 - u3 * u3;
  }

  // --- rhythm ---
  RhythmParams& r = plan.rhythm;
  const double v1 = rng.uniform(), v2 = rng.uniform();
  const double sinus_hr = std::clamp(pt.base_hr * std::exp(0.06 * rng.normal()), 61.0, 99.0);
  const double af_hr = rng.normal(88, 18, 55, 150);
  r.resp_hz = rng.uniform(0.15, 0.35);
  r.resp_phase = rng.uniform(0, kTwoPi);
  r.rsa_amplitude = rng.uniform(0.01, 0.05) * std::clamp(1.6 - pt.age_years / 80.0, 0.4, 1.3);
  r.jitter = rng.uniform(0.005, 0.02);
  r.af_sigma = rng.uniform(0.12, 0.3);
  const double flutter_rate = rng.uniform(240, 340);
  const double c = rng.uniform();
  r.flutter_conduction = c < 0.6 ? 2 : (c < 0.85 ? 4 : 0);
  r.flutter_phase = rng.uniform(0, 1);
  r.av_delay = rng.uniform(0.16, 0.26);
  const int pacs = 1 + rng.below(3), pvcs = 1 + rng.below(4);
  const bool bigeminy = rng.bernoulli(0.1);
  plan.atrial_mv = rng.uniform(0.02, 0.08);
  plan.atrial_hz = rng.uniform(4.5, 8.0);
  const double flutter_mv = rng.uniform(0.05, 0.15);
  const Vec3 af_dir = Rotation(rng.uniform(-15, 15) * kDeg, rng.uniform(-15, 15) * kDeg,
                               0)(normalised({-0.3, 0.3, -0.9}));
  const Vec3 flutter_dir = Rotation(rng.uniform(-15, 15) * kDeg, rng.uniform(-15, 15) * kDeg,
                                    0)(normalised({0.1, 1.0, 0.15}));
  plan.beat_amplitude_resp = rng.uniform(0.0, 0.06);

  if (y[kAtrialFibrillation]) {
    r.kind = RhythmKind::kAf;
    r.mean_rr = 60.0 / af_hr;
    plan.atrial_direction = af_dir;
  } else if (y[kAtrialFlutter]) {
    r.kind = RhythmKind::kFlutter;
    r.flutter_period = 60.0 / flutter_rate;
    r.flutter_phase *= r.flutter_period;
    r.mean_rr = (r.flutter_conduction > 0 ? r.flutter_conduction : 3) * r.flutter_period;
    plan.atrial_mv = flutter_mv;
    plan.atrial_direction = flutter_dir;
  } else {
    double hr = sinus_hr;
    if (y[kSinusBradycardia]) {
      hr = 58.0 - 18.0 * v1 * v1;
      plan.subtlety[kSinusBradycardia] = 1.0 - v1 * v1;
    }
    if (y[kSinusTachycardia]) {
      hr = 102.0 + 48.0 * v2 * v2;
      plan.subtlety[kSinusTachycardia] = 1.0 - v2 * v2;
    }
    r.mean_rr = 60.0 / hr;
    if (y[kSinusTachycardia]) r.rsa_amplitude *= 0.5;
  }
  if (r.kind != RhythmKind::kSinus) r.rsa_amplitude = 0;
  r.pacs = y[kPac] ? pacs : 0;
  r.pvcs = y[kPvc] ? pvcs : 0;
  r.bigeminy = y[kPvc] && bigeminy;

  for (int r = 0; r < kNumRegions; ++r) {
    const Infarct& inf = pt.infarct[static_cast<size_t>(r)];
    if (inf.present) plan.subtlety[static_cast<size_t>(infarct_label(r))] = 1.0 - inf.severity;
  }
  plan.subtlety[kFirstDegreeAvBlock] = std::clamp(1.0 - (pt.pr60_s - 0.2) / 0.12, 0.0, 1.0);
  plan.subtlety[kLvh] = std::clamp(1.0 - (pt.lvh_factor - 1.35) / 1.05, 0.0, 1.0);

  set_normal(y);
  plan.labels = y;
  return plan;
}

// Annotation noise: each present condition missed with probability label_miss times
// 0.5 + 2.5 subtlety^2 (a marked change is missed at half the rate, a borderline one at three
// times it); with probability
// label_spurious one absent condition added (drawn by prior rate). Normal when nothing is left.
LabelVector annotate(const RecordPlan& plan, const LabelPriors& priors, Rng& rng) {
  LabelVector y = plan.labels;
  for (int l = 1; l < kNumLabels; ++l) {
    const double s = plan.subtlety[static_cast<size_t>(l)];
    const bool miss = rng.bernoulli(priors.label_miss * (0.5 + 2.5 * s * s));
    if (y[static_cast<size_t>(l)] && miss) y[static_cast<size_t>(l)] = 0;
  }
  const bool spurious = rng.bernoulli(priors.label_spurious);
  double total = 0;
  for (int l = 1; l < kNumLabels; ++l) total += priors.rate[static_cast<size_t>(l)];
  double u = rng.uniform() * total;
  int pick = kNumLabels - 1;
  for (int l = 1; l < kNumLabels; ++l) {
    u -= priors.rate[static_cast<size_t>(l)];
    if (u < 0) {
      pick = l;
      break;
    }
  }
  if (spurious) y[static_cast<size_t>(pick)] = 1;
  set_normal(y);
  return y;
}

void add_atrial_activity(Dipole& d, const RecordPlan& plan, Rng& rng) {
  const RhythmParams& r = plan.rhythm;
  if (r.kind == RhythmKind::kAf) {
    // a(t) [sin phi + 0.3 sin 2 phi], rate wandering +-8 %, amplitude +-30 % over a few seconds.
    const double fm = rng.uniform(0.1, 0.3), fa = rng.uniform(0.1, 0.3);
    const double pm = rng.uniform(0, kTwoPi), pa = rng.uniform(0, kTwoPi);
    double phi = rng.uniform(0, kTwoPi);
    const double dphi = kTwoPi * plan.atrial_hz / d.fs;
    d.add_along(plan.atrial_direction, [&](double t) {
      const double a = plan.atrial_mv * (1.0 + 0.3 * std::sin(kTwoPi * fa * t + pa));
      const double v = a * (std::sin(phi) + 0.3 * std::sin(2.0 * phi));
      phi += dphi * (1.0 + 0.08 * std::sin(kTwoPi * fm * t + pm));
      return v;
    });
  } else if (r.kind == RhythmKind::kFlutter) {
    // Sawtooth: slow descent over 75 % of each cycle, quick return (negative in II, III, aVF).
    d.add_along(plan.atrial_direction, [&](double t) {
      double ph = (t - r.flutter_phase) / r.flutter_period;
      ph -= std::floor(ph);
      const double s = ph < 0.75 ? 1.0 - 2.0 * ph / 0.75 : -1.0 + 2.0 * (ph - 0.75) / 0.25;
      return plan.atrial_mv * s;
    });
  }
}

SynthRecord synthesize(const SynthConfig& cfg, uint64_t index, const LabelVector* forced) {
  if (!(cfg.fs > 0.0) || !(cfg.duration_s > 0.0) || cfg.fs * cfg.duration_s > 1e8 ||
      !(cfg.noise_scale >= 0.0)) {
    throw std::invalid_argument("synth: fs = " + std::to_string(cfg.fs) +
                                ", duration_s = " + std::to_string(cfg.duration_s) +
                                ", noise_scale = " + std::to_string(cfg.noise_scale) +
                                "; expected fs > 0, duration > 0, noise_scale >= 0");
  }
  const PatientSlot slot = patient_slot(cfg.seed, index);
  Rng patient_rng(cfg.seed ^ kPatientSalt, slot.patient_id);
  Patient pt = sample_patient(patient_rng, slot.patient_id, cfg.priors, forced);
  Rng rng(cfg.seed, index);
  const RecordPlan plan = plan_record(pt, forced, rng);
  BeatShapes shapes = build_beat_shapes(pt, plan.morphology, rng);
  if (plan.rhythm.kind != RhythmKind::kSinus) {  // AF / flutter: conducted beats without P waves
    shapes.sinus.has_p = false;
    shapes.pac.has_p = false;
  }
  const std::vector<Beat> beats = beat_times(rng, plan.rhythm, cfg.duration_s);
  const LeadVectors lv = record_lead_vectors(pt, rng);
  const LabelVector annotated = annotate(plan, cfg.priors, rng);

  const int n = static_cast<int>(std::lround(cfg.fs * cfg.duration_s));
  Dipole d(n, cfg.fs);
  for (const Beat& b : beats) {
    const double breath = std::sin(kTwoPi * plan.rhythm.resp_hz * b.t + plan.rhythm.resp_phase);
    const double amp = 1.0 + plan.beat_amplitude_resp * breath;
    const Rotation swing(pt.resp_axis_deg * breath * kDeg, 0, 0);
    const BeatShape& s = b.type == BeatType::kPvc
                             ? shapes.pvc
                             : (b.type == BeatType::kPac ? shapes.pac : shapes.sinus);
    add_beat(d, s, shapes.qtc_s, b.t, b.rr, amp, swing);
  }
  add_atrial_activity(d, plan, rng);

  std::vector<float> independent(static_cast<size_t>(kNumIndependentLeads) * n);
  for (int l = 0; l < kNumIndependentLeads; ++l) {
    const auto& v = lv[static_cast<size_t>(l)];
    float* out = independent.data() + static_cast<size_t>(l) * n;
    for (int i = 0; i < n; ++i) {
      const size_t s = static_cast<size_t>(i);
      out[i] = static_cast<float>(v[0] * d.x[s] + v[1] * d.y[s] + v[2] * d.z[s]);
    }
  }

  SynthRecord rec;
  rec.artefacts = add_noise_and_artefacts(independent.data(), n, cfg.fs, plan.rhythm.resp_hz,
                                          cfg.noise_scale, rng);
  rec.n_samples = n;
  rec.fs = cfg.fs;
  rec.true_labels = plan.labels;
  rec.labels = forced ? *forced : annotated;
  rec.patient_id = slot.patient_id;
  rec.visit = slot.visit;
  rec.sex = pt.sex;
  rec.age_years = pt.age_years;
  rec.qrs_axis_deg = pt.qrs_axis_deg + plan.morphology.axis_drift_deg;
  rec.signal.resize(static_cast<size_t>(leads::kNumLeads) * n);
  form_twelve_leads(independent.data(), n, rec.signal.data());

  double rr_sum = 0.0;
  int rr_count = 0;
  for (size_t k = 0; k < beats.size(); ++k) {
    if (beats[k].t < 0.0 || beats[k].t >= cfg.duration_s) continue;
    const long idx = std::lround(beats[k].t * cfg.fs);
    if (idx < n) rec.rpeaks.push_back(static_cast<int>(idx));
    if (k > 0 && beats[k - 1].t >= 0.0) {
      rr_sum += beats[k].t - beats[k - 1].t;
      ++rr_count;
    }
  }
  rec.mean_hr_bpm = 60.0 / (rr_count > 0 ? rr_sum / rr_count : plan.rhythm.mean_rr);
  const double rr = plan.rhythm.mean_rr;
  rec.intervals.rr_s = rr;
  rec.intervals.pr_s = shapes.sinus.has_p ? pr_at(shapes.sinus, rr) : 0.0;
  rec.intervals.qrs_s = shapes.sinus.qrs_off - shapes.sinus.qrs_on;
  rec.intervals.qt_s = qt_at(shapes.sinus, shapes.qtc_s, rr);
  return rec;
}

}  // namespace

SynthRecord generate_record(const SynthConfig& cfg, uint64_t index) {
  return synthesize(cfg, index, nullptr);
}

SynthRecord generate_record(const SynthConfig& cfg, uint64_t index, const LabelVector& labels) {
  return synthesize(cfg, index, &labels);
}

}  // namespace acl::synth
