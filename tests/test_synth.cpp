// The synthetic 12-lead generator (version 2): lead identities, determinism, patients, label
// statistics and annotation noise, and that each condition shows where it should (regional
// changes in their leads, QRS width, axis, PR, rhythm, rate), noise and artefact rates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "train/synth/artefacts.h"
#include "train/synth/generator.h"

namespace {

using namespace acl::synth;

enum { I, II, III, AVR, AVL, AVF, V1, V2, V3, V4, V5, V6 };

SynthConfig config(double fs = 100.0, double noise = 1.0, uint64_t seed = 2024) {
  SynthConfig c;
  c.seed = seed;
  c.fs = fs;
  c.noise_scale = noise;
  return c;
}

LabelVector only(int label) {
  LabelVector y{};
  y[static_cast<size_t>(label)] = 1;
  return y;
}

float at(const SynthRecord& r, int lead, int t) {
  t = std::clamp(t, 0, r.n_samples - 1);
  return r.signal[static_cast<size_t>(lead) * r.n_samples + t];
}

// Mean of a lead over [t + a, t + b] seconds.
double window_mean(const SynthRecord& r, int lead, int t, double a, double b) {
  const int i0 = t + static_cast<int>(std::lround(a * r.fs));
  const int i1 = t + static_cast<int>(std::lround(b * r.fs));
  double s = 0;
  for (int i = i0; i <= i1; ++i) s += at(r, lead, i);
  return s / (i1 - i0 + 1);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Beats whose measurement windows fit inside the record.
std::vector<int> inner_beats(const SynthRecord& r, double before_s, double after_s) {
  std::vector<int> out;
  for (int p : r.rpeaks) {
    if (p - before_s * r.fs >= 0 && p + after_s * r.fs < r.n_samples) out.push_back(p);
  }
  return out;
}

// ST level: 80 ms after the R-peak minus the PR-segment baseline 60 ms before it (10 ms means),
// median over the beats.
double st_level(const SynthRecord& r, int lead) {
  std::vector<double> v;
  for (int p : inner_beats(r, 0.1, 0.1)) {
    v.push_back(window_mean(r, lead, p, 0.07, 0.09) - window_mean(r, lead, p, -0.07, -0.05));
  }
  return median(v);
}

// T-wave level: mean over R + 150 ms .. R + min(350 ms, 0.6 RR) minus the PR baseline, median.
double t_level(const SynthRecord& r, int lead) {
  std::vector<double> v;
  for (size_t k = 0; k + 1 < r.rpeaks.size(); ++k) {
    const int p = r.rpeaks[k];
    if (p - 0.1 * r.fs < 0) continue;
    const double rr = (r.rpeaks[k + 1] - p) / r.fs;
    v.push_back(window_mean(r, lead, p, 0.15, std::min(0.35, 0.6 * rr)) -
                window_mean(r, lead, p, -0.07, -0.05));
  }
  return median(v);
}

// QRS duration (s) of the spatial magnitude of the 8 independent leads around each R-peak: the
// contiguous span above 10 % of its peak, baseline 100 ms before R; median over the beats.
double qrs_width(const SynthRecord& r) {
  const int leads[8] = {I, II, V1, V2, V3, V4, V5, V6};
  std::vector<double> widths;
  for (int p : inner_beats(r, 0.15, 0.15)) {
    const int base = p - static_cast<int>(std::lround(0.10 * r.fs));
    auto mag = [&](int t) {
      double s = 0;
      for (int l : leads) s += std::pow(at(r, l, t) - at(r, l, base), 2);
      return std::sqrt(s);
    };
    int peak = p;
    for (int t = p - static_cast<int>(0.05 * r.fs); t <= p + static_cast<int>(0.08 * r.fs); ++t) {
      if (mag(t) > mag(peak)) peak = t;
    }
    const double thr = 0.1 * mag(peak);
    int on = peak, off = peak;
    while (on > base && mag(on - 1) > thr) --on;
    while (off < r.n_samples - 1 && mag(off + 1) > thr) ++off;
    widths.push_back((off - on) / r.fs);
  }
  return median(widths);
}

double rr_cv(const SynthRecord& r) {
  std::vector<double> rr;
  for (size_t k = 1; k < r.rpeaks.size(); ++k) rr.push_back(r.rpeaks[k] - r.rpeaks[k - 1]);
  const double m = std::accumulate(rr.begin(), rr.end(), 0.0) / rr.size();
  double ss = 0;
  for (double v : rr) ss += (v - m) * (v - m);
  return std::sqrt(ss / rr.size()) / m;
}

double hr_from_peaks(const SynthRecord& r) {
  return 60.0 * r.fs * (r.rpeaks.size() - 1) / (r.rpeaks.back() - r.rpeaks.front());
}

// Mean |a - b| of lead `lead` over the windows [R + from, R + to] of a's beats.
double window_diff(const SynthRecord& a, const SynthRecord& b, int lead, double from, double to) {
  double s = 0;
  int count = 0;
  for (int p : inner_beats(a, -from, to)) {
    for (int t = p + static_cast<int>(from * a.fs); t <= p + static_cast<int>(to * a.fs); ++t) {
      s += std::abs(at(a, lead, t) - at(b, lead, t));
      ++count;
    }
  }
  return count ? s / count : 0.0;
}

int count_labels(const LabelVector& y) {
  return std::accumulate(y.begin(), y.end(), 0);
}

TEST(Synth, ShapeLabelsAndPeaks) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 300; ++i) {
    const SynthRecord r = generate_record(cfg, i);
    ASSERT_EQ(r.n_leads, 12);
    ASSERT_EQ(r.n_samples, 1000);
    ASSERT_EQ(r.signal.size(), 12000u);
    for (float v : r.signal) ASSERT_TRUE(std::isfinite(v));
    for (const LabelVector& y : {r.labels, r.true_labels}) {
      ASSERT_GE(count_labels(y), 1) << "record " << i;
      if (y[kNormal]) {
        ASSERT_EQ(count_labels(y), 1) << "normal must be exclusive, record " << i;
      }
    }
    const LabelVector& t = r.true_labels;
    ASSERT_FALSE(t[kSinusBradycardia] && t[kSinusTachycardia]) << i;
    ASSERT_FALSE(t[kAtrialFibrillation] && t[kAtrialFlutter]) << i;
    ASSERT_LE(t[kLbbb] + t[kRbbb] + t[kIncompleteLbbb] + t[kIncompleteRbbb], 1) << i;
    ASSERT_FALSE(t[kLeftAxisDeviation] && t[kRightAxisDeviation]) << i;
    ASSERT_GE(r.rpeaks.size(), 5u) << i;
    ASSERT_TRUE(std::is_sorted(r.rpeaks.begin(), r.rpeaks.end()));
    ASSERT_GE(r.rpeaks.front(), 0);
    ASSERT_LT(r.rpeaks.back(), r.n_samples);
  }
}

TEST(Synth, EinthovenAndGoldbergerIdentitiesHold) {
  // Over 300 records (artefacts, electrode swaps included) at two rates.
  for (double fs : {100.0, 500.0}) {
    const SynthConfig cfg = config(fs);
    for (uint64_t i = 0; i < (fs > 100 ? 60u : 300u); ++i) {
      const SynthRecord r = generate_record(cfg, i);
      double worst = 0;
      for (int t = 0; t < r.n_samples; ++t) {
        const double a = at(r, I, t), b = at(r, II, t);
        worst = std::max(
            {worst, std::abs(at(r, III, t) - (b - a)), std::abs(at(r, AVR, t) + 0.5 * (a + b)),
             std::abs(at(r, AVL, t) - (a - 0.5 * b)), std::abs(at(r, AVF, t) - (b - 0.5 * a))});
      }
      ASSERT_LE(worst, 1e-5) << "fs " << fs << " record " << i;  // float rounding of mV values
    }
  }
}

TEST(Synth, DeterministicFromSeedAndIndex) {
  const SynthConfig cfg = config();
  const SynthRecord a = generate_record(cfg, 17), b = generate_record(cfg, 17);
  EXPECT_EQ(a.signal, b.signal);  // bit-identical
  EXPECT_EQ(a.rpeaks, b.rpeaks);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.patient_id, b.patient_id);
  EXPECT_NE(a.signal, generate_record(cfg, 18).signal);
  EXPECT_NE(a.signal, generate_record(config(100, 1, 7), 17).signal);
  for (int i = 300; i > 0; i -= 37) generate_record(cfg, static_cast<uint64_t>(i));  // no state
  EXPECT_EQ(generate_record(cfg, 17).signal, a.signal);
  // Giving the generated labels reproduces the record.
  for (uint64_t i = 0; i < 40; ++i) {
    const SynthRecord r = generate_record(cfg, i);
    EXPECT_EQ(generate_record(cfg, i, r.true_labels).signal, r.signal) << "record " << i;
  }
}

TEST(Synth, PatientsShareAnatomyAcrossTheirRecords) {
  const SynthConfig cfg = config();
  const uint64_t n = 4000;
  std::vector<SynthRecord> recs;
  for (uint64_t i = 0; i < n; ++i) recs.push_back(generate_record(cfg, i));
  int patients = 0, multi_record = 0;
  for (uint64_t i = 0; i < n;) {
    uint64_t j = i;
    while (j < n && recs[j].patient_id == recs[i].patient_id) ++j;
    const int visits = static_cast<int>(j - i);
    ASSERT_LE(visits, 5) << "patient " << recs[i].patient_id;
    ++patients;
    multi_record += visits > 1;
    for (uint64_t k = i; k < j; ++k) {
      const SynthRecord& r = recs[k];
      ASSERT_EQ(r.visit, static_cast<int>(k - i)) << "record " << k;
      ASSERT_EQ(r.sex, recs[i].sex);
      ASSERT_EQ(r.age_years, recs[i].age_years);
      ASSERT_LE(std::abs(r.qrs_axis_deg - recs[i].qrs_axis_deg), 16.0) << "record " << k;
      for (int l = 1; l < kNumLabels; ++l) {
        // First-degree AV block is not annotated in records in AF or flutter (no P waves).
        if (is_patient_label(l) && l != kFirstDegreeAvBlock) {
          ASSERT_EQ(r.true_labels[static_cast<size_t>(l)],
                    recs[i].true_labels[static_cast<size_t>(l)])
              << "record " << k << " " << label_names()[static_cast<size_t>(l)];
        }
      }
    }
    i = j;
  }
  const double per_patient = static_cast<double>(n) / patients;
  std::printf("%d patients in %llu records (%.2f per patient), %d with several\n", patients,
              static_cast<unsigned long long>(n), per_patient, multi_record);
  EXPECT_GT(per_patient, 1.9);
  EXPECT_LT(per_patient, 2.6);
  // Patient ids never repeat across blocks.
  std::vector<uint64_t> ids;
  for (const auto& r : recs) ids.push_back(r.patient_id);
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST(Synth, LabelFrequenciesCoOccurrenceAndAnnotationNoise) {
  const SynthConfig cfg = config();
  const int n = 6000;
  std::array<int, kNumLabels> count{};
  int multi = 0, noisy = 0;
  for (int i = 0; i < n; ++i) {
    const SynthRecord r = generate_record(cfg, static_cast<uint64_t>(i));
    for (int l = 0; l < kNumLabels; ++l)
      count[static_cast<size_t>(l)] += r.labels[static_cast<size_t>(l)];
    multi += count_labels(r.true_labels) > 1;
    noisy += r.labels != r.true_labels;
  }
  for (int l = 0; l < kNumLabels; ++l) {
    std::printf("%-22s %.3f\n", label_names()[static_cast<size_t>(l)],
                count[static_cast<size_t>(l)] / double(n));
    EXPECT_GT(count[static_cast<size_t>(l)], n / 200) << label_names()[static_cast<size_t>(l)];
  }
  std::printf("several labels %.3f, annotation differs from truth %.3f\n", multi / double(n),
              noisy / double(n));
  EXPECT_GT(count[kNormal], 0.35 * n);  // PTB-XL: about 44 % normal
  EXPECT_LT(count[kNormal], 0.50 * n);
  EXPECT_GT(multi, n / 8);
  EXPECT_GT(noisy, n / 50);  // a few percent of the annotations are wrong
  EXPECT_LT(noisy, n / 8);
}

// The difference a condition makes to a record (the same record index with and without it, clean)
// is largest in the condition's region.
TEST(Synth, InfarctsShowInTheirRegionsLeads) {
  const SynthConfig clean = config(100.0, 0.0);
  struct Case {
    int label;
    std::vector<int> region;
  };
  const Case cases[] = {{kInferiorMi, {II, III, AVF}},
                        {kAnteriorMi, {V2, V3, V4}},
                        {kSeptalMi, {V1, V2}},
                        {kLateralMi, {I, AVL, V5, V6}}};
  for (const Case& c : cases) {
    int ok = 0, n = 60;
    for (int i = 0; i < n; ++i) {
      const SynthRecord mi = generate_record(clean, static_cast<uint64_t>(i), only(c.label));
      const SynthRecord base = generate_record(clean, static_cast<uint64_t>(i), only(kNormal));
      double in = 0, out = 0;
      for (int l = 0; l < 12; ++l) {
        // The QRS: R - 60 ms .. R + 60 ms.
        const double d = window_diff(mi, base, l, -0.06, 0.06);
        if (std::find(c.region.begin(), c.region.end(), l) != c.region.end()) {
          in = std::max(in, d);
        } else if (l != AVR) {
          out += d / 8.0;
        }
      }
      ok += in > 1.5 * out;
    }
    EXPECT_GE(ok, 0.9 * n) << label_names()[static_cast<size_t>(c.label)];
  }
}

TEST(Synth, StAndTChangesAreRegionalAndGraded) {
  const SynthConfig clean = config(100.0, 0.0);
  int up = 0, down = 0, inv = 0, normal_flat = 0;
  const int n = 100;
  std::vector<double> up_levels;
  for (int i = 0; i < n; ++i) {
    const SynthRecord ste = generate_record(clean, static_cast<uint64_t>(i), only(kStElevation));
    const SynthRecord std_ = generate_record(clean, static_cast<uint64_t>(i), only(kStDepression));
    const SynthRecord tinv = generate_record(clean, static_cast<uint64_t>(i), only(kTInversion));
    const SynthRecord normal = generate_record(clean, static_cast<uint64_t>(i), only(kNormal));
    double hi = -1, lo = 1, normal_max = 0, t_drop = 0;
    for (int l = 0; l < 12; ++l) {
      hi = std::max(hi, st_level(ste, l) - st_level(normal, l));
      lo = std::min(lo, st_level(std_, l) - st_level(normal, l));
      normal_max = std::max(normal_max, std::abs(st_level(normal, l)));
      t_drop = std::max(t_drop, t_level(normal, l) - t_level(tinv, l));
    }
    up_levels.push_back(hi);
    up += hi > 0.03;
    down += lo < -0.03;
    inv += t_drop > 0.03;
    normal_flat += normal_max < 0.05;
  }
  std::sort(up_levels.begin(), up_levels.end());
  std::printf(
      "ST elevation over the same record without it: 10th %.3f, median %.3f, 90th %.3f mV\n",
      up_levels[n / 10], up_levels[n / 2], up_levels[9 * n / 10]);
  EXPECT_GE(up, 0.95 * n);
  EXPECT_GE(down, 0.95 * n);
  EXPECT_GE(inv, 0.9 * n);  // the shallowest inversions are graded down to 0.04 mV
  EXPECT_GE(normal_flat, 0.9 * n);
  EXPECT_LT(up_levels[n / 10], 0.12);  // graded: many subtle ones
  EXPECT_GT(up_levels[9 * n / 10], 0.15);
}

TEST(Synth, ConductionBlocksSetQrsDuration) {
  const SynthConfig clean = config(500.0, 0.0);
  for (int i = 0; i < 40; ++i) {
    const uint64_t k = static_cast<uint64_t>(i);
    const SynthRecord normal = generate_record(clean, k, only(kNormal));
    EXPECT_GE(normal.intervals.qrs_s, 0.07) << i;
    EXPECT_LT(normal.intervals.qrs_s, 0.115) << i;
    EXPECT_LT(qrs_width(normal), 0.115) << i;
    for (int l : {kLbbb, kRbbb}) {
      const SynthRecord r = generate_record(clean, k, only(l));
      EXPECT_GE(r.intervals.qrs_s, 0.12) << i << " " << label_names()[static_cast<size_t>(l)];
    }
    for (int l : {kIncompleteLbbb, kIncompleteRbbb}) {
      const SynthRecord r = generate_record(clean, k, only(l));
      EXPECT_GE(r.intervals.qrs_s, 0.1) << i;
      EXPECT_LT(r.intervals.qrs_s, 0.12) << i;
    }
    EXPECT_GT(generate_record(clean, k, only(kFirstDegreeAvBlock)).intervals.pr_s, 0.2) << i;
    EXPECT_LE(normal.intervals.pr_s, 0.2) << i;
    EXPECT_GE(normal.intervals.pr_s, 0.1) << i;
  }
}

TEST(Synth, AtrialFibrillationIsIrregularWithoutPWaves) {
  const SynthConfig cfg = config();
  const SynthConfig clean = config(100.0, 0.0);
  int af_irregular = 0, n = 100;
  double max_sinus_cv = 0;
  std::vector<double> af_cv;
  for (int i = 0; i < n; ++i) {
    const SynthRecord af =
        generate_record(cfg, static_cast<uint64_t>(i), only(kAtrialFibrillation));
    const double cv = rr_cv(af);
    af_cv.push_back(cv);
    af_irregular += cv > 0.08;
    max_sinus_cv = std::max(max_sinus_cv,
                            rr_cv(generate_record(cfg, static_cast<uint64_t>(i), only(kNormal))));
  }
  std::printf("RR CV: sinus max %.3f, AF median %.3f\n", max_sinus_cv, median(af_cv));
  EXPECT_LT(max_sinus_cv, 0.1);
  EXPECT_GE(af_irregular, 85);

  // P wave: lead II averaged over the beats that follow an RR >= 0.6 s (so the previous T wave is
  // over), 100-300 ms before R, rises clearly above the PR baseline (60 ms before R) in sinus
  // rhythm and not in AF (fibrillatory waves are not locked to the QRS and average out).
  auto p_wave = [](const SynthRecord& r) {
    const int a = static_cast<int>(0.30 * r.fs), b = static_cast<int>(0.10 * r.fs);
    const int base = static_cast<int>(0.06 * r.fs);
    std::vector<double> avg(static_cast<size_t>(a - b + 1), 0.0);
    int beats = 0;
    for (size_t k = 1; k < r.rpeaks.size(); ++k) {
      const int p = r.rpeaks[k];
      if (r.rpeaks[k] - r.rpeaks[k - 1] < 0.6 * r.fs) continue;
      for (int j = b; j <= a; ++j)
        avg[static_cast<size_t>(j - b)] += std::abs(at(r, II, p - j) - at(r, II, p - base));
      ++beats;
    }
    if (beats == 0) return 0.0;
    return *std::max_element(avg.begin(), avg.end()) / beats;
  };
  int af_flat = 0, sinus_p = 0;
  const int records = 60;
  for (uint64_t i = 0; i < records; ++i) {
    sinus_p += p_wave(generate_record(clean, i, only(kNormal))) > 0.03;
    af_flat += p_wave(generate_record(clean, i, only(kAtrialFibrillation))) < 0.03;
  }
  EXPECT_GE(sinus_p, 0.95 * records);
  EXPECT_GE(af_flat, 0.9 * records);
}

TEST(Synth, FlutterAndEctopicBeats) {
  const SynthConfig cfg = config();
  int flutter_ok = 0, pvc_premature = 0, pac_premature = 0;
  const int n = 60;
  auto premature = [](const SynthRecord& r) {
    std::vector<double> rr;
    for (size_t k = 1; k < r.rpeaks.size(); ++k) rr.push_back(r.rpeaks[k] - r.rpeaks[k - 1]);
    const double m = median(rr);
    for (double v : rr)
      if (v < 0.82 * m) return true;
    return false;
  };
  for (int i = 0; i < n; ++i) {
    const uint64_t k = static_cast<uint64_t>(i);
    const SynthRecord fl = generate_record(cfg, k, only(kAtrialFlutter));
    flutter_ok += fl.mean_hr_bpm > 55 && fl.mean_hr_bpm < 175 && fl.intervals.pr_s == 0.0;
    pvc_premature += premature(generate_record(cfg, k, only(kPvc)));
    pac_premature += premature(generate_record(cfg, k, only(kPac)));
  }
  EXPECT_EQ(flutter_ok, n);
  EXPECT_GE(pvc_premature, 0.95 * n);
  EXPECT_GE(pac_premature, 0.9 * n);
}

TEST(Synth, HeartRateLabels) {
  const SynthConfig cfg = config();
  int ok = 0;
  const int n = 100;
  for (int i = 0; i < n; ++i) {
    const uint64_t k = static_cast<uint64_t>(i);
    const double brady = hr_from_peaks(generate_record(cfg, k, only(kSinusBradycardia)));
    const double tachy = hr_from_peaks(generate_record(cfg, k, only(kSinusTachycardia)));
    const double normal = hr_from_peaks(generate_record(cfg, k, only(kNormal)));
    ok += brady < 60 && tachy > 100 && normal >= 60 && normal <= 100;
  }
  EXPECT_GE(ok, 0.95 * n);  // respiratory sinus arrhythmia moves a few records past the limits
}

TEST(Synth, AmplitudesArePhysiological) {
  const SynthConfig cfg = config(100, 0.0);
  for (uint64_t i = 0; i < 200; ++i) {
    const SynthRecord r = generate_record(cfg, i);
    double peak = 0;
    for (int l = 0; l < 12; ++l)
      for (int t = 0; t < r.n_samples; ++t) peak = std::max(peak, std::abs(double(at(r, l, t))));
    EXPECT_GT(peak, 0.3) << i;
    EXPECT_LT(peak, 6.0) << i;
  }
}

TEST(Synth, NoiseAndArtefactRates) {
  const SynthConfig cfg = config();
  const int n = 3000;
  int powerline = 0, motion = 0, emg = 0, swaps = 0;
  std::vector<double> diffs;
  for (int i = 0; i < n; ++i) {
    const SynthRecord r = generate_record(cfg, static_cast<uint64_t>(i));
    powerline += (r.artefacts & kArtefactPowerline) != 0;
    motion += (r.artefacts & kArtefactMotion) != 0;
    emg += (r.artefacts & kArtefactEmgBurst) != 0;
    swaps += (r.artefacts & (kArtefactArmSwap | kArtefactChestSwap | kArtefactDisconnected)) != 0;
  }
  std::printf("powerline %.3f motion %.3f EMG bursts %.3f lead problems %.3f\n",
              powerline / double(n), motion / double(n), emg / double(n), swaps / double(n));
  EXPECT_NEAR(powerline, 0.35 * n, 0.04 * n);
  EXPECT_NEAR(motion, 0.07 * n, 0.02 * n);
  EXPECT_NEAR(emg, 0.2 * n, 0.03 * n);
  EXPECT_NEAR(swaps, 0.033 * n, 0.015 * n);

  const SynthRecord noisy = generate_record(config(100, 1.0), 5, only(kNormal));
  const SynthRecord clean = generate_record(config(100, 0.0), 5, only(kNormal));
  EXPECT_EQ(noisy.rpeaks, clean.rpeaks);
  EXPECT_EQ(clean.artefacts, 0u);
  double diff = 0;
  for (size_t k = 0; k < noisy.signal.size(); ++k)
    diff = std::max(diff, double(std::abs(noisy.signal[k] - clean.signal[k])));
  EXPECT_GT(diff, 0.005);
}

}  // namespace
