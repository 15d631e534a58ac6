// The synthetic 12-lead generator: lead identities, determinism, label statistics, and that each
// label shows in the signal (ST level, T polarity, QRS width, RR irregularity, P waves, rate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

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

TEST(Synth, ShapeLabelsAndPeaks) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 200; ++i) {
    const SynthRecord r = generate_record(cfg, i);
    ASSERT_EQ(r.n_leads, 12);
    ASSERT_EQ(r.n_samples, 1000);
    ASSERT_EQ(r.signal.size(), 12000u);
    for (float v : r.signal) ASSERT_TRUE(std::isfinite(v));
    const int n_labels = std::accumulate(r.labels.begin(), r.labels.end(), 0);
    ASSERT_GE(n_labels, 1);
    if (r.labels[kNormal]) {
      ASSERT_EQ(n_labels, 1) << "normal must be exclusive, record " << i;
    }
    ASSERT_FALSE(r.labels[kBradycardia] && r.labels[kTachycardia]);
    ASSERT_GE(r.rpeaks.size(), 5u);
    ASSERT_TRUE(std::is_sorted(r.rpeaks.begin(), r.rpeaks.end()));
    ASSERT_GE(r.rpeaks.front(), 0);
    ASSERT_LT(r.rpeaks.back(), r.n_samples);
  }
}

TEST(Synth, EinthovenAndGoldbergerIdentitiesHold) {
  for (double fs : {100.0, 500.0}) {
    const SynthConfig cfg = config(fs);
    for (uint64_t i = 0; i < 100; ++i) {
      const SynthRecord r = generate_record(cfg, i);
      const auto [lo, hi] = std::minmax_element(r.signal.begin(), r.signal.end());
      const double tol = 1e-5 * (*hi - *lo);
      ASSERT_GT(*hi - *lo, 0.5);
      double worst = 0;
      for (int t = 0; t < r.n_samples; ++t) {
        const double a = at(r, I, t), b = at(r, II, t);
        worst = std::max(
            {worst, std::abs(at(r, III, t) - (b - a)), std::abs(at(r, AVR, t) + 0.5 * (a + b)),
             std::abs(at(r, AVL, t) - (a - 0.5 * b)), std::abs(at(r, AVF, t) - (b - 0.5 * a))});
      }
      ASSERT_LE(worst, tol) << "fs " << fs << " record " << i;
    }
  }
}

TEST(Synth, DeterministicFromSeedAndIndex) {
  const SynthConfig cfg = config();
  const SynthRecord a = generate_record(cfg, 17), b = generate_record(cfg, 17);
  EXPECT_EQ(a.signal, b.signal);  // bit-identical
  EXPECT_EQ(a.rpeaks, b.rpeaks);
  EXPECT_EQ(a.labels, b.labels);
  const SynthRecord c = generate_record(cfg, 18);
  EXPECT_NE(a.signal, c.signal);
  const SynthRecord d = generate_record(config(100, 1, 2025), 17);
  EXPECT_NE(a.signal, d.signal);
  // Order of generation does not matter.
  generate_record(cfg, 3);
  EXPECT_EQ(generate_record(cfg, 17).signal, a.signal);
  // Forcing the labels a record already has reproduces it exactly.
  EXPECT_EQ(generate_record(cfg, 17, a.labels).signal, a.signal);
}

TEST(Synth, LabelFrequenciesAndCoOccurrence) {
  const SynthConfig cfg = config();
  std::vector<int> count(kNumLabels, 0);
  int multi = 0;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    Rng rng(cfg.seed, static_cast<uint64_t>(i));
    const LabelVector y = sample_labels(rng, cfg.priors);
    for (int l = 0; l < kNumLabels; ++l) count[static_cast<size_t>(l)] += y[static_cast<size_t>(l)];
    multi += std::accumulate(y.begin(), y.end(), 0) >= 2;
  }
  for (int l = 0; l < kNumLabels; ++l) {
    std::printf("%-22s %5.1f %%\n", label_names()[static_cast<size_t>(l)],
                100.0 * count[static_cast<size_t>(l)] / n);
    EXPECT_GT(count[static_cast<size_t>(l)], n / 20) << label_names()[static_cast<size_t>(l)];
  }
  EXPECT_NEAR(count[kNormal], 0.3 * n, 0.05 * n);
  EXPECT_GT(multi, n / 10);
}

TEST(Synth, InferiorStElevationShowsInInferiorLeadsWithReciprocalChange) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 40; ++i) {
    const SynthRecord ste = generate_record(cfg, i, only(kInferiorSte));
    for (int l : {II, III, AVF})
      EXPECT_GT(st_level(ste, l), 0.1) << "record " << i << " lead " << l;
    EXPECT_LT(st_level(ste, AVL), -0.05) << "record " << i;
    EXPECT_LT(st_level(ste, I), 0.03) << "record " << i;
    const SynthRecord normal = generate_record(cfg, i, only(kNormal));
    for (int l : {I, II, III, AVL, AVF, V1, V2, V3, V4}) {
      EXPECT_LT(std::abs(st_level(normal, l)), 0.05) << "record " << i << " lead " << l;
    }
  }
}

TEST(Synth, AnteriorStElevationShowsInV1ToV4) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 40; ++i) {
    const SynthRecord r = generate_record(cfg, i, only(kAnteriorSte));
    double st[12];
    for (int l = 0; l < 12; ++l) st[l] = st_level(r, l);
    for (int l : {V2, V3, V4}) EXPECT_GT(st[l], 0.1) << "record " << i << " lead " << l;
    const int strongest = static_cast<int>(std::max_element(st + V1, st + V6 + 1) - st);
    EXPECT_TRUE(strongest == V2 || strongest == V3) << "record " << i << " strongest " << strongest;
    for (int l : {II, III, AVF}) EXPECT_LT(st[l], 0.1) << "record " << i << " lead " << l;
  }
}

TEST(Synth, LateralTInversion) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 40; ++i) {
    const SynthRecord inv = generate_record(cfg, i, only(kLateralTInversion));
    for (int l : {I, AVL, V5, V6})
      EXPECT_LT(t_level(inv, l), -0.03) << "record " << i << " lead " << l;
    const SynthRecord normal = generate_record(cfg, i, only(kNormal));
    for (int l : {I, V5, V6})
      EXPECT_GT(t_level(normal, l), 0.01) << "record " << i << " lead " << l;
  }
}

TEST(Synth, BundleBranchBlockWidensQrsPast120ms) {
  const SynthConfig cfg = config(500.0, 0.0);
  double max_normal = 0, min_bbb = 1;
  for (uint64_t i = 0; i < 60; ++i) {
    const double bbb = qrs_width(generate_record(cfg, i, only(kBundleBranchBlock)));
    const double normal = qrs_width(generate_record(cfg, i, only(kNormal)));
    EXPECT_GT(bbb, 0.120) << "record " << i;
    EXPECT_LT(normal, 0.110) << "record " << i;
    max_normal = std::max(max_normal, normal);
    min_bbb = std::min(min_bbb, bbb);
  }
  std::printf("QRS width: normal max %.0f ms, BBB min %.0f ms\n", 1e3 * max_normal, 1e3 * min_bbb);
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
    af_irregular += cv > 0.1;
    max_sinus_cv = std::max(max_sinus_cv,
                            rr_cv(generate_record(cfg, static_cast<uint64_t>(i), only(kNormal))));
  }
  std::printf("RR CV: sinus max %.3f, AF median %.3f\n", max_sinus_cv, median(af_cv));
  EXPECT_LT(max_sinus_cv, 0.1);
  EXPECT_GE(af_irregular, 90);

  // P wave: lead II averaged over the beats that follow an RR >= 0.6 s (so the previous T wave is
  // over), 100-220 ms before R, rises clearly above the PR baseline (60 ms before R) in sinus
  // rhythm and not in AF (fibrillatory waves are not locked to the QRS and average out).
  auto p_wave = [](const SynthRecord& r) {
    const int a = static_cast<int>(0.22 * r.fs), b = static_cast<int>(0.10 * r.fs);
    const int base = static_cast<int>(0.06 * r.fs);
    std::vector<double> avg(static_cast<size_t>(a - b + 1), 0.0);
    int beats = 0;
    for (size_t k = 1; k < r.rpeaks.size(); ++k) {
      const int p = r.rpeaks[k];
      if (r.rpeaks[k] - r.rpeaks[k - 1] < 0.6 * r.fs) continue;
      for (int j = b; j <= a; ++j)
        avg[static_cast<size_t>(j - b)] += at(r, II, p - j) - at(r, II, p - base);
      ++beats;
    }
    if (beats == 0) return 0.0;
    return *std::max_element(avg.begin(), avg.end()) / beats;
  };
  // With only a few beats to average, an AF record occasionally keeps some atrial residue: at
  // least 95 % must stay under 0.03 mV (every sinus record is over 0.04 mV).
  int af_flat = 0;
  const int records = 60;
  for (uint64_t i = 0; i < records; ++i) {
    EXPECT_GT(p_wave(generate_record(clean, i, only(kNormal))), 0.04) << "record " << i;
    af_flat += p_wave(generate_record(clean, i, only(kAtrialFibrillation))) < 0.03;
  }
  EXPECT_GE(af_flat, 0.95 * records);
}

TEST(Synth, HeartRateLabels) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 60; ++i) {
    const SynthRecord brady = generate_record(cfg, i, only(kBradycardia));
    const SynthRecord tachy = generate_record(cfg, i, only(kTachycardia));
    const SynthRecord normal = generate_record(cfg, i, only(kNormal));
    EXPECT_LT(hr_from_peaks(brady), 55.0) << i;
    EXPECT_GT(hr_from_peaks(tachy), 105.0) << i;
    EXPECT_GT(hr_from_peaks(normal), 55.0) << i;
    EXPECT_LT(hr_from_peaks(normal), 105.0) << i;
    LabelVector af_fast = only(kAtrialFibrillation);
    af_fast[kTachycardia] = 1;
    EXPECT_GT(generate_record(cfg, i, af_fast).mean_hr_bpm, 105.0) << i;
    LabelVector af_slow = only(kAtrialFibrillation);
    af_slow[kBradycardia] = 1;
    EXPECT_LT(generate_record(cfg, i, af_slow).mean_hr_bpm, 55.0) << i;
  }
}

TEST(Synth, AmplitudesArePhysiological) {
  const SynthConfig cfg = config();
  for (uint64_t i = 0; i < 100; ++i) {
    const SynthRecord r = generate_record(cfg, i);
    double peak = 0;
    for (int l = 0; l < 12; ++l)
      for (int t = 0; t < r.n_samples; ++t) peak = std::max(peak, std::abs(double(at(r, l, t))));
    EXPECT_GT(peak, 0.4) << i;
    EXPECT_LT(peak, 5.0) << i;
  }
}

TEST(Synth, NoiseScaleZeroGivesCleanSignal) {
  const SynthRecord noisy = generate_record(config(100, 1.0), 5, only(kNormal));
  const SynthRecord clean = generate_record(config(100, 0.0), 5, only(kNormal));
  EXPECT_EQ(noisy.rpeaks, clean.rpeaks);
  double diff = 0;
  for (size_t k = 0; k < noisy.signal.size(); ++k)
    diff = std::max(diff, double(std::abs(noisy.signal[k] - clean.signal[k])));
  EXPECT_GT(diff, 0.005);
  EXPECT_LT(diff, 0.6);
}

}  // namespace
