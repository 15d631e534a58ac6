// ECG augmentations (train/augment/augment.h): the invariants each augmentation must keep on
// synthetic 12-lead records (rhythm, whole beats between R-R midpoints, one shift and one factor
// for every lead, whole leads dropped, the VCG transform), determinism (a view depends on
// (seed, epoch, record, view) only; one slot per augmentation), config and argument errors, and
// CPU vs CUDA parity (skipped without a GPU).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/device_select.h"
#include "kernels/augment_params.h"
#include "tests/test_util.h"
#include "train/augment/augment.h"
#include "train/augment/augment_spec.h"
#include "train/preprocess/rpeak_score.h"
#include "train/preprocess/rpeaks.h"
#include "train/synth/generator.h"

namespace acl::augment {
namespace {

using kernels::AugmentParams;

constexpr int kLeads = 12;
constexpr double kPi = 3.14159265358979323846;

// A batch of synthetic records (12 leads, mV) with their R-peaks.
struct Batch {
  Tensor records;  // (B, 12, n)
  BatchRPeaks rpeaks;
  std::vector<int64_t> index;
  std::vector<std::vector<int>> peaks;  // per record
  int64_t n = 0;
  double fs = 0;

  int64_t size() const { return static_cast<int64_t>(index.size()); }
  Batch to(Device d) const {
    Batch c = *this;
    c.records = records.to(d);
    c.rpeaks.offsets = rpeaks.offsets.to(d);
    c.rpeaks.positions = rpeaks.positions.to(d);
    return c;
  }
};

// Records `indices` of the synthetic dataset `data_seed`; `index` is the dataset index given to
// make_view (the synthetic index unless overridden).
Batch make_batch(const std::vector<uint64_t>& indices, uint64_t data_seed, double fs = 100.0,
                 double duration_s = 10.0) {
  synth::SynthConfig cfg;
  cfg.seed = data_seed;
  cfg.fs = fs;
  cfg.duration_s = duration_s;
  Batch b;
  b.fs = fs;
  std::vector<float> signal;
  std::vector<int32_t> offsets = {0}, positions;
  for (uint64_t i : indices) {
    synth::SynthRecord r = synth::generate_record(cfg, i);
    b.n = r.n_samples;
    signal.insert(signal.end(), r.signal.begin(), r.signal.end());
    positions.insert(positions.end(), r.rpeaks.begin(), r.rpeaks.end());
    offsets.push_back(static_cast<int32_t>(positions.size()));
    b.peaks.push_back(r.rpeaks);
    b.index.push_back(static_cast<int64_t>(i));
  }
  const int64_t B = static_cast<int64_t>(indices.size());
  b.records = Tensor::from_vector(signal, Shape{B, kLeads, b.n});
  b.rpeaks.offsets = Tensor::from_vector(offsets, Shape{B + 1});
  b.rpeaks.positions =
      Tensor::from_vector(positions, Shape{static_cast<int64_t>(positions.size())});
  return b;
}

std::vector<uint64_t> range(uint64_t first, uint64_t count) {
  std::vector<uint64_t> v(count);
  for (uint64_t i = 0; i < count; ++i) v[i] = first + i;
  return v;
}

AugmentConfig none() {
  AugmentConfig c;
  c.scale_crop.enabled = false;
  c.cycle_mask.enabled = false;
  c.time_shift.enabled = false;
  return c;
}

// The ACL-ECG set: scale crop, cycle masking, time shift (the defaults).
AugmentConfig acl_set() {
  return AugmentConfig{};
}

AugmentConfig full_pipeline() {
  AugmentConfig c;
  c.amplitude_scale.enabled = true;
  c.gaussian_noise.enabled = true;
  c.baseline_wander.enabled = true;
  c.lead_dropout.enabled = true;
  c.vcg.enabled = true;
  return c;
}

struct ViewRun {
  int view = 0;
  int64_t epoch = 0;
  uint64_t seed = 7;
};

std::vector<float> view_of(const Batch& b, const AugmentConfig& c, int64_t out_length,
                           ViewRun run = {}) {
  return make_view(b.records, b.rpeaks, b.index, run.view, run.epoch, run.seed, c, out_length)
      .to_vector<float>();
}

AugmentParams params_of(const Batch& b, int64_t rec, const AugmentConfig& c, int64_t out_length,
                        ViewRun run = {}) {
  const kernels::AugmentKey key = {run.seed, static_cast<uint32_t>(run.epoch),
                                   static_cast<uint32_t>(b.index[static_cast<size_t>(rec)]),
                                   static_cast<uint32_t>(run.view)};
  return kernels::augment_draw_params(to_kernel_spec(c, out_length), key, kLeads, b.n, out_length);
}

// Element (b, c, t) of a (B, 12, L) buffer.
float at(const std::vector<float>& v, int64_t L, int64_t b, int64_t c, int64_t t) {
  return v[static_cast<size_t>((b * kLeads + c) * L + t)];
}

// Pixel-centre linear interpolation of source row `row` over the window, at view sample u, in
// double.
double interp_ref(const float* row, int64_t start, int64_t len, int64_t L, int64_t u) {
  double x = static_cast<double>(start) - 0.5 + (u + 0.5) * static_cast<double>(len) / L;
  x = std::min(std::max(x, static_cast<double>(start)), static_cast<double>(start + len - 1));
  const int64_t i0 = static_cast<int64_t>(std::floor(x));
  const int64_t i1 = std::min(i0 + 1, start + len - 1);
  const double f = x - i0;
  return row[i0] + f * (static_cast<double>(row[i1]) - row[i0]);
}

bool all_leads_zero(const std::vector<float>& v, int64_t L, int64_t b, int64_t t) {
  for (int c = 0; c < kLeads; ++c) {
    if (at(v, L, b, c, t) != 0.0f) return false;
  }
  return true;
}

// ---- config validation ----------------------------------------------------------------------

TEST(AugmentConfig, DefaultsAndPipelinesValidate) {
  EXPECT_NO_THROW(AugmentConfig{}.validate());
  EXPECT_NO_THROW(full_pipeline().validate());
}

TEST(AugmentConfig, ErrorsNameTheField) {
  struct Case {
    std::function<void(AugmentConfig&)> set;
    std::string expected;  // a prefix of the message
  };
  const double nan = std::nan("");
  const std::vector<Case> cases = {
      {[](AugmentConfig& c) { c.scale_crop.s_min = 1.5; },
       "augmentations.scale_crop.s_min = 1.5: expected 0 < s_min <= s_max <= 1"},
      {[](AugmentConfig& c) { c.scale_crop.s_min = 0; }, "augmentations.scale_crop.s_min = 0:"},
      {[](AugmentConfig& c) { c.scale_crop.s_max = 1.2; }, "augmentations.scale_crop.s_max = 1.2:"},
      {[](AugmentConfig& c) { c.cycle_mask.p = 1; },
       "augmentations.cycle_mask.p = 1: expected 0 <= p < 1"},
      {[&](AugmentConfig& c) { c.cycle_mask.p = nan; }, "augmentations.cycle_mask.p = nan:"},
      {[](AugmentConfig& c) { c.time_shift.max_fraction = -0.1; },
       "augmentations.time_shift.max_fraction = -0.1:"},
      {[](AugmentConfig& c) { c.amplitude_scale.min = 0; },
       "augmentations.amplitude_scale.min = 0:"},
      {[](AugmentConfig& c) { c.amplitude_scale.max = INFINITY; },
       "augmentations.amplitude_scale.max = inf:"},
      {[](AugmentConfig& c) { c.gaussian_noise.sigma = -1; },
       "augmentations.gaussian_noise.sigma = -1:"},
      {[](AugmentConfig& c) { c.baseline_wander.amplitude = -0.1; },
       "augmentations.baseline_wander.amplitude = -0.1:"},
      {[](AugmentConfig& c) { c.baseline_wander.f_max = 60; },
       "augmentations.baseline_wander.f_max = 60: expected 0.05 <= f_max < fs / 2 = 50 Hz"},
      {[](AugmentConfig& c) { c.baseline_wander.f_max = 0.01; },
       "augmentations.baseline_wander.f_max = 0.01:"},
      {[](AugmentConfig& c) { c.lead_dropout.p = 1; }, "augmentations.lead_dropout.p = 1:"},
      {[](AugmentConfig& c) { c.vcg.max_angle_deg = 200; },
       "augmentations.vcg.max_angle_deg = 200:"},
      {[](AugmentConfig& c) { c.vcg.s_min = 0; }, "augmentations.vcg.s_min = 0:"},
      {[&](AugmentConfig& c) { c.vcg.s_max = nan; }, "augmentations.vcg.s_max = nan:"},
      {[](AugmentConfig& c) { c.vcg.s_min = 1.3; },
       "augmentations.vcg.s_min = 1.3: expected 0 < s_min <= s_max"},
      {[](AugmentConfig& c) { c.amplitude_scale.min = 1.5; },
       "augmentations.amplitude_scale.min = 1.5:"},
      {[](AugmentConfig& c) { c.fs = 0; }, "augmentations.fs = 0:"},
      {[](AugmentConfig& c) { c.n_views = 0; }, "augmentations.n_views = 0:"},
  };
  for (const Case& k : cases) {
    AugmentConfig c;
    k.set(c);
    try {
      c.validate();
      ADD_FAILURE() << "no error, expected '" << k.expected << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind(k.expected, 0), 0u)
          << "got '" << e.what() << "', expected it to start with '" << k.expected << "'";
    }
  }
}

// ---- argument errors --------------------------------------------------------------------------

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error, expected one containing '" << needle << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "got '" << e.what() << "', expected '" << needle << "'";
  }
}

TEST(MakeView, ArgumentErrors) {
  const Batch b = make_batch(range(0, 2), 1);
  const AugmentConfig c = acl_set();
  auto call = [&](const Tensor& rec, const BatchRPeaks& rp, std::vector<int64_t> idx, int view,
                  int64_t epoch, const AugmentConfig& cfg) {
    return [=] { make_view(rec, rp, idx, view, epoch, 1, cfg, 250); };
  };
  expect_error(call(b.records.reshape(Shape{2 * kLeads, b.n}), b.rpeaks, b.index, 0, 0, c),
               "expected f32 (batch, leads, length)");
  expect_error(call(b.records, b.rpeaks, b.index, 2, 0, c),
               "view = 2: expected 0 <= view < n_views = 2");
  expect_error(call(b.records, b.rpeaks, {0}, 0, 0, c), "record_index has 1 entries for 2 records");
  expect_error(call(b.records, b.rpeaks, {0, -3}, 0, 0, c), "record_index[1] = -3");
  expect_error(call(b.records, b.rpeaks, b.index, 0, -1, c), "epoch = -1");
  expect_error(call(b.records, b.rpeaks, b.index, 0, int64_t{1} << 32, c), "epoch = 4294967296");
  AugmentConfig bad = c;
  bad.cycle_mask.p = 2;
  expect_error(call(b.records, b.rpeaks, b.index, 0, 0, bad), "augmentations.cycle_mask.p = 2");
  expect_error([&] { make_view(b.records, b.rpeaks, b.index, 0, 0, 1, c, 0); }, "out_length = 0");

  // VCG needs the 12 leads.
  AugmentConfig vcg = none();
  vcg.vcg.enabled = true;
  std::vector<float> eight(static_cast<size_t>(2 * 8 * b.n), 0.5f);
  const Tensor rec8 = Tensor::from_vector(eight, Shape{2, 8, b.n});
  expect_error(call(rec8, b.rpeaks, b.index, 0, 0, vcg),
               "augmentations.vcg.enabled needs 12-lead records (I, II, III, aVR, aVL, aVF, "
               "V1-V6); records have 8 leads");
  EXPECT_NO_THROW(make_view(rec8, b.rpeaks, b.index, 0, 0, 1, acl_set(), 250));

  // R-peaks.
  auto peaks = [](std::vector<int32_t> off, std::vector<int32_t> pos) {
    BatchRPeaks r;
    r.offsets = Tensor::from_vector(off, Shape{static_cast<int64_t>(off.size())});
    r.positions = Tensor::from_vector(pos, Shape{static_cast<int64_t>(pos.size())});
    return r;
  };
  expect_error(call(b.records, peaks({0, 2}, {10, 20}), b.index, 0, 0, c),
               "rpeaks.offsets has 2 entries, expected batch + 1 = 3");
  expect_error(call(b.records, peaks({0, 2, 3}, {10, 20}), b.index, 0, 0, c),
               "must start at 0 and end at the number of positions (2)");
  expect_error(call(b.records, peaks({0, 2, 3}, {10, 20, 5000}), b.index, 0, 0, c),
               "R-peak 0 of record 1 is 5000: expected ascending positions in [0, 1000)");
  expect_error(call(b.records, peaks({0, 2, 3}, {20, 10, 5}), b.index, 0, 0, c),
               "R-peak 1 of record 0 is 10");
  expect_error(call(b.records, peaks({0, 2, 1}, {20, 10}), b.index, 0, 0, c),
               "must start at 0 and end");
  EXPECT_NO_THROW(make_view(b.records, peaks({0, 0, 0}, {}), b.index, 0, 0, 1, c, 250));
}

// ---- the window: crop, segments, resampling ---------------------------------------------------

TEST(MakeView, AllDisabledIsTheIdentity) {
  const Batch b = make_batch(range(0, 3), 2);
  const std::vector<float> out = view_of(b, none(), b.n);
  EXPECT_EQ(out, b.records.to_vector<float>());
}

// Every crop, resampled up or down, is the pixel-centre linear interpolation of its window.
TEST(MakeView, ResampleIsLinearInterpolationOfTheWindow) {
  const Batch b = make_batch(range(10, 6), 3);
  const std::vector<float> src = b.records.to_vector<float>();
  for (int64_t L : {250, 1000, 1733}) {
    for (bool crop : {false, true}) {
      AugmentConfig c = none();
      c.scale_crop.enabled = crop;
      for (int view = 0; view < 2; ++view) {
        const std::vector<float> out = view_of(b, c, L, {view, 0, 7});
        double worst = 0;
        for (int64_t r = 0; r < b.size(); ++r) {
          const AugmentParams p = params_of(b, r, c, L, {view, 0, 7});
          for (int ch = 0; ch < kLeads; ++ch) {
            const float* row = src.data() + (r * kLeads + ch) * b.n;
            for (int64_t u = 0; u < L; ++u) {
              const double ref = interp_ref(row, p.win_start, p.win_len, L, u);
              worst = std::max(worst, std::fabs(at(out, L, r, ch, u) - ref));
            }
          }
        }
        EXPECT_LT(worst, 1e-5) << "L " << L << " crop " << crop << " view " << view;
      }
    }
  }
}

TEST(ScaleCrop, WindowsStayInsideTheRecordWithTheDrawnScale) {
  const Batch b = make_batch(range(0, 64), 4);
  AugmentConfig c = none();
  c.scale_crop.enabled = true;
  c.scale_crop.s_min = 0.4;
  c.scale_crop.s_max = 0.9;
  std::set<int32_t> starts, lens;
  for (int view = 0; view < 2; ++view) {
    for (int64_t r = 0; r < b.size(); ++r) {
      const AugmentParams p = params_of(b, r, c, 250, {view, 3, 11});
      EXPECT_GE(p.win_start, 0);
      EXPECT_LE(p.win_start + p.win_len, b.n);
      EXPECT_GE(p.win_len, std::floor(0.4 * b.n));
      EXPECT_LE(p.win_len, std::ceil(0.9 * b.n));
      starts.insert(p.win_start);
      lens.insert(p.win_len);
    }
  }
  EXPECT_GT(starts.size(), 60u);
  EXPECT_GT(lens.size(), 60u);
}

// Cropping and resampling keep the rhythm: the R-peaks detected in each view are the source's
// R-peaks moved to the view's time axis.
TEST(ScaleCrop, RhythmPreserved) {
  const Batch b = make_batch(range(100, 24), 5);
  AugmentConfig c = none();
  c.scale_crop.enabled = true;  // windows of 500-1000 samples at 100 Hz -> 1000 view samples
  const int64_t L = 1000;
  preprocess::RpeakScore total;
  double err_sum = 0;
  int err_n = 0;
  for (int view = 0; view < 2; ++view) {
    const std::vector<float> out = view_of(b, c, L, {view, 1, 3});
    for (int64_t r = 0; r < b.size(); ++r) {
      const AugmentParams p = params_of(b, r, c, L, {view, 1, 3});
      const double per = static_cast<double>(L) / p.win_len;  // view samples per source sample
      const double fs_view = b.fs * per;
      std::vector<int> mapped;
      for (int peak : b.peaks[static_cast<size_t>(r)]) {
        const double v = (peak - p.win_start + 0.5) * per - 0.5;
        if (v >= 0 && v < L) mapped.push_back(static_cast<int>(std::lround(v)));
      }
      const std::vector<int> det = preprocess::detect_rpeaks(out.data() + r * kLeads * L, kLeads,
                                                             static_cast<int>(L), fs_view);
      const int tol = static_cast<int>(std::lround(0.05 * fs_view));
      const int margin = static_cast<int>(std::lround(0.3 * fs_view));
      total =
          total + preprocess::score_rpeaks(det, mapped, tol, margin, static_cast<int>(L) - margin);
      for (int m : mapped) {
        if (m < margin || m >= L - margin) continue;
        int best = 1 << 30;
        for (int d : det) best = std::min(best, std::abs(d - m));
        if (best <= tol) {
          err_sum += best / fs_view;
          ++err_n;
        }
      }
    }
  }
  std::printf("views: Se %.4f +P %.4f (TP %d FN %d FP %d), mean |error| %.1f ms\n",
              total.sensitivity, total.positive_predictivity, total.tp, total.fn, total.fp,
              1000.0 * err_sum / std::max(err_n, 1));
  EXPECT_GT(total.tp, 300);
  EXPECT_GE(total.sensitivity, 0.98) << "TP " << total.tp << " FN " << total.fn;
  EXPECT_GE(total.positive_predictivity, 0.98) << "TP " << total.tp << " FP " << total.fp;
  ASSERT_GT(err_n, 0);
  EXPECT_LT(1000.0 * err_sum / err_n, 10.0) << "mean |error| in ms";
}

TEST(Segments, ViewVIsTheVthAdjacentSegment) {
  const Batch b = make_batch(range(0, 3), 6);
  AugmentConfig c = none();
  c.segments.enabled = true;
  c.n_views = 4;
  const int64_t seg = b.n / 4;
  const std::vector<float> src = b.records.to_vector<float>();
  for (int view = 0; view < 4; ++view) {
    const std::vector<float> out = view_of(b, c, seg, {view, 0, 1});
    for (int64_t r = 0; r < b.size(); ++r) {
      for (int ch = 0; ch < kLeads; ++ch) {
        for (int64_t t = 0; t < seg; ++t) {
          ASSERT_EQ(at(out, seg, r, ch, t), src[(r * kLeads + ch) * b.n + view * seg + t])
              << "view " << view << " record " << r << " lead " << ch << " t " << t;
        }
      }
    }
  }
  // With the scale crop on as well, the window stays inside the segment.
  c.scale_crop.enabled = true;
  for (int view = 0; view < 4; ++view) {
    for (int64_t r = 0; r < b.size(); ++r) {
      const AugmentParams p = params_of(b, r, c, 250, {view, 0, 1});
      EXPECT_GE(p.win_start, view * seg);
      EXPECT_LE(p.win_start + p.win_len, (view + 1) * seg);
      EXPECT_LT(p.win_len, seg);
    }
  }
}

// ---- cardiac-cycle masking --------------------------------------------------------------------

// First view sample of beat k (k >= 1): the smallest u whose source time
// x(u) = start - 0.5 + (u + 0.5) len / L is at or after the midpoint (P[k-1] + P[k]) / 2, i.e.
// (2u + 1) len >= (P[k-1] + P[k] - 2 start + 1) L, solved in integers; clamped to [0, L].
int64_t beat_begin(const std::vector<int>& P, size_t k, int64_t start, int64_t len, int64_t L) {
  const int64_t n = (static_cast<int64_t>(P[k - 1]) + P[k] - 2 * start + 1) * L;
  const int64_t num = n - len;  // 2u len >= num
  int64_t u = num <= 0 ? 0 : (num + 2 * len - 1) / (2 * len);
  return std::min(u, L);
}

// Checks that the zeroed samples of each view are exactly a union of whole beats, returns the
// number of (masked, total) beats that reach into the views.
std::pair<int, int> check_whole_beats(const Batch& b, const AugmentConfig& c, int64_t L,
                                      ViewRun run) {
  const std::vector<float> out = view_of(b, c, L, run);
  const std::vector<float> src = b.records.to_vector<float>();
  int masked = 0, total = 0;
  for (int64_t r = 0; r < b.size(); ++r) {
    const AugmentParams p = params_of(b, r, c, L, run);
    const std::vector<int>& P = b.peaks[static_cast<size_t>(r)];
    std::vector<int64_t> edges = {0};
    for (size_t k = 1; k < P.size(); ++k)
      edges.push_back(beat_begin(P, k, p.win_start, p.win_len, L));
    edges.push_back(L);
    for (size_t k = 0; k + 1 < edges.size(); ++k) {
      const int64_t lo = edges[k], hi = edges[k + 1];
      if (lo >= hi) continue;  // beat outside the view
      int zeros = 0;
      for (int64_t u = lo; u < hi; ++u) zeros += all_leads_zero(out, L, r, u) ? 1 : 0;
      EXPECT_TRUE(zeros == 0 || zeros == hi - lo)
          << "record " << r << " beat " << k << " [" << lo << ", " << hi << "): " << zeros
          << " zero samples";
      // Unmasked samples are the resampled source.
      if (zeros == 0) {
        const int64_t u = (lo + hi) / 2;
        const float* row = src.data() + (r * kLeads + 1) * b.n;
        EXPECT_NEAR(at(out, L, r, 1, u), interp_ref(row, p.win_start, p.win_len, L, u), 1e-5);
      }
      masked += zeros > 0 ? 1 : 0;
      ++total;
    }
  }
  return {masked, total};
}

TEST(CycleMask, ZeroesWholeBeatsBetweenRRMidpoints) {
  const Batch b = make_batch(range(0, 24), 7);
  AugmentConfig c = none();
  c.cycle_mask.enabled = true;
  c.cycle_mask.p = 0.5;
  int masked = 0, total = 0;
  for (int view = 0; view < 2; ++view) {
    const auto [m, t] = check_whole_beats(b, c, b.n, {view, 0, 5});
    masked += m;
    total += t;
  }
  // ~500 beats at p = 0.5: the fraction is within 0.5 +- 0.1 (> 4 standard deviations).
  ASSERT_GT(total, 300);
  EXPECT_NEAR(static_cast<double>(masked) / total, 0.5, 0.1) << masked << " of " << total;
}

TEST(CycleMask, WholeBeatsAfterCropAndResample) {
  const Batch b = make_batch(range(50, 24), 8);
  AugmentConfig c = none();
  c.cycle_mask.enabled = true;
  c.cycle_mask.p = 0.3;
  c.scale_crop.enabled = true;
  int masked = 0, total = 0;
  for (int64_t L : {250, 1200}) {
    for (int view = 0; view < 2; ++view) {
      const auto [m, t] = check_whole_beats(b, c, L, {view, L == 250 ? 2 : 3, 9});
      masked += m;
      total += t;
    }
  }
  ASSERT_GT(total, 400);
  EXPECT_NEAR(static_cast<double>(masked) / total, 0.3, 0.08) << masked << " of " << total;
}

TEST(CycleMask, RecordsWithoutPeaksAreNotMasked) {
  Batch b = make_batch(range(0, 2), 9);
  b.rpeaks.offsets = Tensor::from_vector(std::vector<int32_t>{0, 0, 0}, Shape{3});
  b.rpeaks.positions = Tensor::from_vector(std::vector<int32_t>{}, Shape{0});
  AugmentConfig c = none();
  c.cycle_mask.enabled = true;
  c.cycle_mask.p = 0.9;
  EXPECT_EQ(view_of(b, c, b.n), b.records.to_vector<float>());
}

// ---- time shift, amplitude, lead dropout ------------------------------------------------------

TEST(TimeShift, OneShiftForEveryLeadWithZeroFill) {
  const Batch b = make_batch(range(0, 8), 10);
  AugmentConfig c = none();
  c.time_shift.enabled = true;
  c.time_shift.max_fraction = 0.2;
  const int64_t L = b.n, max_shift = 200;
  const std::vector<float> src = b.records.to_vector<float>();
  std::set<int32_t> shifts;
  for (int view = 0; view < 2; ++view) {
    const std::vector<float> out = view_of(b, c, L, {view, 0, 3});
    for (int64_t r = 0; r < b.size(); ++r) {
      // The shift of each lead, found from that lead alone.
      std::vector<int64_t> found;
      for (int ch = 0; ch < kLeads; ++ch) {
        const float* row = src.data() + (r * kLeads + ch) * b.n;
        std::vector<int64_t> ks;
        for (int64_t k = -max_shift; k <= max_shift; ++k) {
          bool ok = true;
          for (int64_t t = 0; t < L && ok; ++t) {
            const int64_t u = t - k;
            ok = at(out, L, r, ch, t) == (u >= 0 && u < L ? row[u] : 0.0f);
          }
          if (ok) ks.push_back(k);
        }
        ASSERT_EQ(ks.size(), 1u) << "record " << r << " lead " << ch;
        found.push_back(ks[0]);
      }
      for (int ch = 1; ch < kLeads; ++ch) EXPECT_EQ(found[ch], found[0]) << "lead " << ch;
      EXPECT_EQ(found[0], params_of(b, r, c, L, {view, 0, 3}).shift);
      shifts.insert(static_cast<int32_t>(found[0]));
    }
  }
  EXPECT_GT(shifts.size(), 8u);
}

TEST(AmplitudeScale, OneFactorForEveryLead) {
  const Batch b = make_batch(range(0, 8), 11);
  AugmentConfig c = none();
  c.amplitude_scale.enabled = true;
  c.amplitude_scale.min = 0.5;
  c.amplitude_scale.max = 2.0;
  const std::vector<float> src = b.records.to_vector<float>();
  const std::vector<float> out = view_of(b, c, b.n);
  std::set<float> factors;
  for (int64_t r = 0; r < b.size(); ++r) {
    // The factor of each lead from its largest sample.
    std::vector<double> f(kLeads);
    for (int ch = 0; ch < kLeads; ++ch) {
      int64_t arg = 0;
      for (int64_t t = 0; t < b.n; ++t) {
        if (std::fabs(src[(r * kLeads + ch) * b.n + t]) >
            std::fabs(src[(r * kLeads + ch) * b.n + arg])) {
          arg = t;
        }
      }
      f[ch] = at(out, b.n, r, ch, arg) / src[(r * kLeads + ch) * b.n + arg];
    }
    for (int ch = 1; ch < kLeads; ++ch) EXPECT_NEAR(f[ch], f[0], 1e-6 * f[0]) << "lead " << ch;
    EXPECT_GE(f[0], 0.5 - 1e-6);
    EXPECT_LE(f[0], 2.0 + 1e-6);
    // And exactly: out = x * a for every element.
    const float a = params_of(b, r, c, b.n).amplitude;
    for (int64_t i = 0; i < kLeads * b.n; ++i) {
      ASSERT_EQ(out[r * kLeads * b.n + i], src[r * kLeads * b.n + i] * a);
    }
    factors.insert(a);
  }
  EXPECT_EQ(factors.size(), 8u);
}

TEST(LeadDropout, ZeroesWholeLeads) {
  const Batch b = make_batch(range(0, 24), 12);
  AugmentConfig c = none();
  c.lead_dropout.enabled = true;
  c.lead_dropout.p = 0.4;
  const std::vector<float> src = b.records.to_vector<float>();
  const std::vector<float> out = view_of(b, c, b.n);
  int dropped = 0;
  for (int64_t r = 0; r < b.size(); ++r) {
    const AugmentParams p = params_of(b, r, c, b.n);
    for (int ch = 0; ch < kLeads; ++ch) {
      int zeros = 0, same = 0;
      for (int64_t t = 0; t < b.n; ++t) {
        const float v = at(out, b.n, r, ch, t);
        zeros += v == 0.0f;
        same += v == src[(r * kLeads + ch) * b.n + t];
      }
      const bool keep = (p.keep_leads >> ch) & 1u;
      if (keep) {
        EXPECT_EQ(same, b.n) << "record " << r << " lead " << ch;
      } else {
        EXPECT_EQ(zeros, b.n) << "record " << r << " lead " << ch;
        ++dropped;
      }
    }
  }
  // 288 leads at p = 0.4: 115 expected, standard deviation 8.3.
  EXPECT_GT(dropped, 80);
  EXPECT_LT(dropped, 150);
}

// ---- VCG (3KG) --------------------------------------------------------------------------------

// The 8 independent leads (I, II, V1..V6) of sample t of record r.
std::vector<double> leads8(const std::vector<float>& v, int64_t L, int64_t r, int64_t t) {
  std::vector<double> x(8);
  for (int j = 0; j < 8; ++j) x[j] = at(v, L, r, kernels::vcg_lead_index(j), t);
  return x;
}
std::vector<double> to_vcg(const std::vector<double>& x8) {
  std::vector<double> v(3, 0.0);
  for (int a = 0; a < 3; ++a) {
    for (int j = 0; j < 8; ++j) v[a] += kernels::inverse_dower(a, j) * x8[j];
  }
  return v;
}
double norm3(const std::vector<double>& v) {
  return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

// The derived limb leads of the view follow from its I and II.
void expect_einthoven(const std::vector<float>& out, int64_t L, int64_t r) {
  for (int64_t t = 0; t < L; ++t) {
    const double a = at(out, L, r, 0, t), b = at(out, L, r, 1, t);
    ASSERT_NEAR(at(out, L, r, 2, t), b - a, 1e-5);
    ASSERT_NEAR(at(out, L, r, 3, t), -0.5 * (a + b), 1e-5);
    ASSERT_NEAR(at(out, L, r, 4, t), a - 0.5 * b, 1e-5);
    ASSERT_NEAR(at(out, L, r, 5, t), b - 0.5 * a, 1e-5);
  }
}

TEST(Vcg, DowerConstantsArePseudoInverses) {
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      double s = 0;
      for (int j = 0; j < 8; ++j) s += kernels::inverse_dower(a, j) * kernels::dower(j, b);
      EXPECT_NEAR(s, a == b ? 1.0 : 0.0, 1e-12) << a << "," << b;
    }
  }
}

// Rotation 0 and scale 1 leave the dipolar part of the ECG unchanged: the view is the orthogonal
// projection D Dinv of the 8 independent leads onto the span of the Dower lead vectors. On signals
// that are exactly dipolar (leads = D v) that is the identity to float rounding. On the synthetic
// records, whose limb-lead vectors are not Dower's and whose noise and wander are independent per
// lead, the round trip drops the non-dipolar part: relative RMS error ~0.2 (printed), bounded here
// by 0.45; on real ECGs the error is whatever non-dipolar content the record has.
TEST(Vcg, IdentityIsTheDowerRoundTrip) {
  AugmentConfig c = none();
  c.vcg.enabled = true;
  c.vcg.max_angle_deg = 0;
  c.vcg.s_min = c.vcg.s_max = 1;

  // Exactly dipolar signals: random smooth VCG loops through the Dower matrix.
  {
    const int64_t B = 3, L = 300;
    std::vector<float> sig(static_cast<size_t>(B * kLeads * L));
    for (int64_t r = 0; r < B; ++r) {
      for (int64_t t = 0; t < L; ++t) {
        const double v[3] = {std::sin(0.05 * t + r), std::cos(0.031 * t - 2 * r),
                             0.5 * std::sin(0.017 * t + 0.3 * r)};
        double x8[8];
        for (int j = 0; j < 8; ++j) {
          x8[j] = kernels::dower(j, 0) * v[0] + kernels::dower(j, 1) * v[1] +
                  kernels::dower(j, 2) * v[2];
        }
        const double lead12[12] = {x8[0],
                                   x8[1],
                                   x8[1] - x8[0],
                                   -0.5 * (x8[0] + x8[1]),
                                   x8[0] - 0.5 * x8[1],
                                   x8[1] - 0.5 * x8[0],
                                   x8[2],
                                   x8[3],
                                   x8[4],
                                   x8[5],
                                   x8[6],
                                   x8[7]};
        for (int ch = 0; ch < kLeads; ++ch) {
          sig[static_cast<size_t>((r * kLeads + ch) * L + t)] = static_cast<float>(lead12[ch]);
        }
      }
    }
    Batch b;
    b.records = Tensor::from_vector(sig, Shape{B, kLeads, L});
    b.rpeaks.offsets = Tensor::from_vector(std::vector<int32_t>(B + 1, 0), Shape{B + 1});
    b.rpeaks.positions = Tensor::from_vector(std::vector<int32_t>{}, Shape{0});
    b.index = {0, 1, 2};
    b.n = L;
    const Tensor out = make_view(b.records, b.rpeaks, b.index, 0, 0, 1, c, L);
    EXPECT_TRUE(testing::tensors_close("dipolar identity", out, b.records, 1e-5));
  }

  // Synthetic records: the view is D Dinv x, computed here in double.
  const Batch b = make_batch(range(0, 8), 13);
  const std::vector<float> src = b.records.to_vector<float>();
  const std::vector<float> out = view_of(b, c, b.n);
  double err2 = 0, ref2 = 0, worst = 0, scale = 0;
  for (int64_t r = 0; r < b.size(); ++r) {
    for (int64_t t = 0; t < b.n; ++t) {
      const std::vector<double> x8 = leads8(src, b.n, r, t);
      const std::vector<double> v = to_vcg(x8);
      for (int j = 0; j < 8; ++j) {
        const double proj =
            kernels::dower(j, 0) * v[0] + kernels::dower(j, 1) * v[1] + kernels::dower(j, 2) * v[2];
        const double got = at(out, b.n, r, kernels::vcg_lead_index(j), t);
        worst = std::max(worst, std::fabs(got - proj));
        scale = std::max(scale, std::fabs(x8[j]));
        err2 += (got - x8[j]) * (got - x8[j]);
        ref2 += x8[j] * x8[j];
      }
    }
    expect_einthoven(out, b.n, r);
  }
  EXPECT_LT(worst, 1e-5 * scale);
  const double rel_rms = std::sqrt(err2 / ref2);
  std::printf("Dower round trip on synthetic records: relative RMS error %.3f\n", rel_rms);
  EXPECT_GT(rel_rms, 1e-3);  // the projection is not the identity on these records...
  EXPECT_LT(rel_rms, 0.45);  // ...but keeps most of the signal
}

TEST(Vcg, RotationPreservesTheVcgNorm) {
  const Batch b = make_batch(range(20, 6), 14);
  AugmentConfig c = none();
  c.vcg.enabled = true;
  c.vcg.max_angle_deg = 45;
  c.vcg.s_min = c.vcg.s_max = 1;
  const std::vector<float> src = b.records.to_vector<float>();
  for (int view = 0; view < 2; ++view) {
    const std::vector<float> out = view_of(b, c, b.n, {view, 0, 2});
    for (int64_t r = 0; r < b.size(); ++r) {
      double max_norm = 0, worst = 0, moved = 0;
      for (int64_t t = 0; t < b.n; ++t) {
        const std::vector<double> a = to_vcg(leads8(src, b.n, r, t));
        const std::vector<double> o = to_vcg(leads8(out, b.n, r, t));
        max_norm = std::max(max_norm, norm3(a));
        worst = std::max(worst, std::fabs(norm3(o) - norm3(a)));
        moved = std::max(moved, norm3({o[0] - a[0], o[1] - a[1], o[2] - a[2]}));
      }
      EXPECT_LT(worst, 1e-5 * max_norm) << "record " << r;
      EXPECT_GT(moved, 0.02 * max_norm) << "record " << r << ": the loop was not rotated";
      expect_einthoven(out, b.n, r);
    }
  }
}

TEST(Vcg, ScalingScalesEachAxis) {
  const Batch b = make_batch(range(30, 4), 15);
  AugmentConfig c = none();
  c.vcg.enabled = true;
  c.vcg.max_angle_deg = 0;
  c.vcg.s_min = 0.5;
  c.vcg.s_max = 1.5;
  const std::vector<float> src = b.records.to_vector<float>();
  const std::vector<float> out = view_of(b, c, b.n);
  for (int64_t r = 0; r < b.size(); ++r) {
    // Per axis: out = s * in at every sample; s from the sample with the largest |in|.
    for (int a = 0; a < 3; ++a) {
      int64_t arg = 0;
      double best = 0;
      for (int64_t t = 0; t < b.n; ++t) {
        const double v = std::fabs(to_vcg(leads8(src, b.n, r, t))[a]);
        if (v > best) {
          best = v;
          arg = t;
        }
      }
      const double s = to_vcg(leads8(out, b.n, r, arg))[a] / to_vcg(leads8(src, b.n, r, arg))[a];
      EXPECT_GE(s, 0.5 - 1e-5);
      EXPECT_LE(s, 1.5 + 1e-5);
      for (int64_t t = 0; t < b.n; ++t) {
        const double in = to_vcg(leads8(src, b.n, r, t))[a];
        ASSERT_NEAR(to_vcg(leads8(out, b.n, r, t))[a], s * in, 1e-5 * best)
            << "record " << r << " axis " << a << " t " << t;
      }
    }
  }
}

// ---- baseline wander, noise -------------------------------------------------------------------

TEST(BaselineWander, SameSlowWaveOnEveryLead) {
  const Batch b = make_batch(range(0, 6), 16);
  AugmentConfig c = none();
  c.baseline_wander.enabled = true;
  c.baseline_wander.amplitude = 0.3;
  c.baseline_wander.f_max = 0.5;
  const std::vector<float> src = b.records.to_vector<float>();
  const std::vector<float> out = view_of(b, c, b.n);
  for (int64_t r = 0; r < b.size(); ++r) {
    double lo = 1e9, hi = -1e9, max_step = 0, prev = 0;
    for (int64_t t = 0; t < b.n; ++t) {
      const double w = at(out, b.n, r, 0, t) - src[(r * kLeads) * b.n + t];
      for (int ch = 1; ch < kLeads; ++ch) {
        ASSERT_NEAR(at(out, b.n, r, ch, t) - src[(r * kLeads + ch) * b.n + t], w, 1e-5)
            << "record " << r << " lead " << ch << " t " << t;
      }
      lo = std::min(lo, w);
      hi = std::max(hi, w);
      if (t > 0) max_step = std::max(max_step, std::fabs(w - prev));
      prev = w;
    }
    EXPECT_LE(std::max(-lo, hi), 0.3 + 1e-5);
    EXPECT_GT(hi - lo, 0.003) << "record " << r;
    // |dw/dt| <= amplitude * 2 pi f_max per second = 0.3 * pi / 100 per sample at 100 Hz.
    EXPECT_LE(max_step, 0.3 * kPi / 100 + 1e-5);
  }
}

TEST(GaussianNoise, HasTheConfiguredSigma) {
  const Batch b = make_batch(range(0, 16), 17);
  AugmentConfig c = none();
  c.gaussian_noise.enabled = true;
  c.gaussian_noise.sigma = 0.05;
  const std::vector<float> src = b.records.to_vector<float>();
  const std::vector<float> out = view_of(b, c, b.n);
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    const double d = static_cast<double>(out[i]) - src[i];
    sum += d;
    sum2 += d * d;
  }
  const double n = static_cast<double>(src.size());
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_LT(std::fabs(mean), 5 * 0.05 / std::sqrt(n));
  EXPECT_NEAR(sd, 0.05, 0.05 * 0.01);
}

// ---- determinism ------------------------------------------------------------------------------

TEST(Determinism, ViewDependsOnlyOnSeedEpochRecordAndView) {
  const AugmentConfig c = full_pipeline();
  const int64_t L = 250;
  // Record 1234 alone, and at position 5 of a batch of 8 others.
  std::vector<uint64_t> many = range(500, 8);
  many[5] = 1234;
  const Batch one = make_batch({1234}, 18), eight = make_batch(many, 18);
  const ViewRun run = {1, 3, 99};
  const std::vector<float> a = view_of(one, c, L, run);
  const std::vector<float> all = view_of(eight, c, L, run);
  const std::vector<float> b(all.begin() + 5 * kLeads * L, all.begin() + 6 * kLeads * L);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, view_of(one, c, L, run));  // and again

  auto differs = [&](ViewRun other) {
    const std::vector<float> o = view_of(one, c, L, other);
    size_t n = 0;
    for (size_t i = 0; i < a.size(); ++i) n += a[i] != o[i];
    return n > a.size() / 2;
  };
  EXPECT_TRUE(differs({0, 3, 99})) << "view";
  EXPECT_TRUE(differs({1, 4, 99})) << "epoch";
  EXPECT_TRUE(differs({1, 3, 100})) << "seed";

  // The dataset index, not the batch position or the data, keys the draws.
  Batch renamed = one;
  renamed.index = {77};
  const AugmentParams p1 = params_of(one, 0, c, L, run), p2 = params_of(renamed, 0, c, L, run);
  EXPECT_NE(p1.win_start * 100000 + p1.win_len, p2.win_start * 100000 + p2.win_len);
}

// Each augmentation draws from its own slot: turning one on does not move another's draws.
TEST(Determinism, EnablingOneAugmentationKeepsTheOthersDraws) {
  const Batch b = make_batch(range(0, 8), 19);
  const int64_t L = 250;
  const AugmentConfig base = acl_set();
  const std::vector<float> ref = view_of(b, base, L);
  size_t zeros = 0;
  for (float v : ref) zeros += v == 0.0f;
  ASSERT_GT(zeros, ref.size() / 50) << "the cycle mask or shift should zero some samples";

  AugmentConfig amp = base;
  amp.amplitude_scale.enabled = true;
  const std::vector<float> scaled = view_of(b, amp, L);
  for (int64_t r = 0; r < b.size(); ++r) {
    const float a = params_of(b, r, amp, L).amplitude;
    for (int64_t i = r * kLeads * L; i < (r + 1) * kLeads * L; ++i) {
      ASSERT_EQ(scaled[i], ref[i] * a) << "record " << r << " element " << i;
    }
  }

  AugmentConfig drop = base;
  drop.lead_dropout.enabled = true;
  drop.lead_dropout.p = 0.5;
  const std::vector<float> dropped = view_of(b, drop, L);
  for (int64_t r = 0; r < b.size(); ++r) {
    const uint64_t keep = params_of(b, r, drop, L).keep_leads;
    for (int ch = 0; ch < kLeads; ++ch) {
      for (int64_t t = 0; t < L; ++t) {
        ASSERT_EQ(at(dropped, L, r, ch, t), (keep >> ch) & 1u ? at(ref, L, r, ch, t) : 0.0f);
      }
    }
  }
}

// ---- CPU vs CUDA ------------------------------------------------------------------------------

struct ParityCase {
  std::string name;
  std::function<AugmentConfig()> config;
  int64_t out_length;
};

std::vector<ParityCase> parity_cases() {
  auto one = [](std::function<void(AugmentConfig&)> enable) {
    return [enable] {
      AugmentConfig c = none();
      enable(c);
      return c;
    };
  };
  return {
      {"resample_only", one([](AugmentConfig&) {}), 317},
      {"scale_crop", one([](AugmentConfig& c) { c.scale_crop.enabled = true; }), 250},
      {"cycle_mask", one([](AugmentConfig& c) {
         c.cycle_mask.enabled = true;
         c.cycle_mask.p = 0.5;
       }),
       1000},
      {"time_shift", one([](AugmentConfig& c) { c.time_shift.enabled = true; }), 250},
      {"segments", one([](AugmentConfig& c) {
         c.segments.enabled = true;
         c.n_views = 3;
       }),
       250},
      {"amplitude", one([](AugmentConfig& c) { c.amplitude_scale.enabled = true; }), 250},
      {"vcg", one([](AugmentConfig& c) { c.vcg.enabled = true; }), 250},
      {"baseline_wander", one([](AugmentConfig& c) { c.baseline_wander.enabled = true; }), 250},
      {"gaussian_noise", one([](AugmentConfig& c) { c.gaussian_noise.enabled = true; }), 250},
      {"lead_dropout", one([](AugmentConfig& c) {
         c.lead_dropout.enabled = true;
         c.lead_dropout.p = 0.5;
       }),
       250},
      {"acl_set", acl_set, 250},
      {"acl_set_upsampled", acl_set, 1500},
      {"full_pipeline", full_pipeline, 250},
  };
}

class AugmentCudaParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(AugmentCudaParity, MatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no usable GPU: " << cuda_unavailable_reason();
  const ParityCase& pc = GetParam();
  const AugmentConfig c = pc.config();
  // Fresh records per case: the data seed is a hash (FNV-1a) of the case name.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char ch : pc.name) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ull;
  const uint64_t data_seed = h & 0xffffu;
  const Batch cpu = make_batch(range(data_seed, 7), data_seed);
  const Batch gpu = cpu.to(Device::CUDA);
  for (int view = 0; view < c.n_views; ++view) {
    const ViewRun run = {view, 5, 1000 + data_seed};
    const Tensor ref = make_view(cpu.records, cpu.rpeaks, cpu.index, run.view, run.epoch, run.seed,
                                 c, pc.out_length);
    const Tensor got = make_view(gpu.records, gpu.rpeaks, gpu.index, run.view, run.epoch, run.seed,
                                 c, pc.out_length);
    ASSERT_EQ(got.device(), Device::CUDA);
    EXPECT_TRUE(testing::tensors_close(pc.name + " view " + std::to_string(view),
                                       got.to(Device::CPU), ref, 1e-5));
    // Discrete decisions (mask, shift, dropout) agree exactly: the same samples are zero.
    const std::vector<float> g = got.to_vector<float>(), r = ref.to_vector<float>();
    size_t mismatched = 0;
    for (size_t i = 0; i < r.size(); ++i) mismatched += (g[i] == 0.0f) != (r[i] == 0.0f);
    EXPECT_EQ(mismatched, 0u) << pc.name << " view " << view;
  }
}

INSTANTIATE_TEST_SUITE_P(Augmentations, AugmentCudaParity, ::testing::ValuesIn(parity_cases()),
                         [](const ::testing::TestParamInfo<ParityCase>& info) {
                           return testing::sanitize_test_name(info.param.name);
                         });

}  // namespace
}  // namespace acl::augment
