// ECG augmentations (train/augment/augment.h): config validation, argument errors, and
// determinism (a view depends on (seed, epoch, record, view) only; one slot per augmentation; the
// same bits at every CPU thread count).
#include "kernels/cpu_threads.h"
#include "tests/augment_test_util.h"

namespace acl::augment {
namespace {

// ---- config validation -------------------------------------------------------------------------

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

// ---- argument errors ---------------------------------------------------------------------------

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

// ---- determinism -------------------------------------------------------------------------------

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

// The CPU views run records in parallel: the same bits at 1, 2 and 3 threads.
TEST(Determinism, SameBitsAtEveryThreadCount) {
  const Batch b = make_batch(range(0, 12), 3);
  const int saved = kernels::cpu_num_threads();
  std::vector<std::vector<float>> views;
  for (int threads : {1, 2, 3}) {
    kernels::set_cpu_num_threads(threads);
    views.push_back(view_of(b, full_pipeline(), 250, {1, 2, 11}));
  }
  kernels::set_cpu_num_threads(saved);
  EXPECT_EQ(views[0], views[1]);
  EXPECT_EQ(views[0], views[2]);
}

}  // namespace
}  // namespace acl::augment
