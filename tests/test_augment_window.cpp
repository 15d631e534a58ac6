// ECG augmentations (train/augment/augment.h): the window (scale crop keeps the rhythm and stays
// inside the record; view v is the v-th adjacent segment; linear resampling) and cardiac-cycle
// masking (whole beats between R-R midpoints) on synthetic 12-lead records.
#include "tests/augment_test_util.h"
#include "tests/test_files.h"

namespace acl::augment {
namespace {

// ---- the window: crop, segments, resampling ----------------------------------------------------

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

// ---- cardiac-cycle masking ---------------------------------------------------------------------

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

// prepare() once + view() per view gives the views of view(records, ...), with the R-peaks checked
// on the caller's host copies and the caller's device index; copies that disagree are refused.
TEST(MakeView, PreparedBatchGivesTheSameViews) {
  const Batch b = make_batch(range(3, 4), 21);
  const AugmentConfig c = full_pipeline();
  const ViewMaker maker(c, 200);
  const std::vector<int32_t> off = b.rpeaks.offsets.to_vector<int32_t>();
  const std::vector<int32_t> pos = b.rpeaks.positions.to_vector<int32_t>();
  std::vector<int32_t> index32(b.index.begin(), b.index.end());
  const Tensor index = Tensor::from_vector(index32, Shape{b.size()});
  const ViewBatch prepared = maker.prepare(b.records, b.rpeaks, b.index, {&off, &pos, index});
  for (int v = 0; v < c.n_views; ++v) {
    EXPECT_EQ(maker.view(prepared, v, 3, 9).to_vector<float>(),
              maker.view(b.records, b.rpeaks, b.index, v, 3, 9).to_vector<float>())
        << "view " << v;
  }
  EXPECT_THROW(maker.view(prepared, c.n_views, 3, 9), std::invalid_argument);
  EXPECT_THROW(maker.view(ViewBatch{}, 0, 3, 9), std::invalid_argument);

  std::vector<int32_t> short_pos(pos.begin(), pos.end() - 1);
  std::string err = acl::testing::error_of([&] {
    maker.prepare(b.records, b.rpeaks, b.index, {&off, &short_pos, Tensor()});
  });
  EXPECT_NE(err.find("host copies"), std::string::npos) << err;
  std::vector<int32_t> bad_pos = pos;
  bad_pos[1] = bad_pos[0];  // not ascending: the host copy is what is checked
  err = acl::testing::error_of([&] {
    maker.prepare(b.records, b.rpeaks, b.index, {&off, &bad_pos, Tensor()});
  });
  EXPECT_NE(err.find("R-peak 1 of record 0"), std::string::npos) << err;
  err = acl::testing::error_of([&] {
    maker.prepare(b.records, b.rpeaks, b.index, {nullptr, nullptr, Tensor::zeros(Shape{2})});
  });
  EXPECT_NE(err.find("record_index_i32"), std::string::npos) << err;
}

}  // namespace
}  // namespace acl::augment
