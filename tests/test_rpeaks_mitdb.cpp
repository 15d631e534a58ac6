// R-peak detection on the real MIT-BIH Arrhythmia record 100 (30 min, 2 leads MLII + V5, 360 Hz,
// format 212) against its reference beat annotations (100.atr, beat codes only), within 150 ms.
// Reads $ACL_TEST_DATA/wfdb212_mitdb_2lead; skips when ACL_TEST_DATA is unset or the files are
// absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "train/data/wfdb_annotation.h"
#include "train/data/wfdb_record.h"
#include "train/preprocess/rpeak_score.h"
#include "train/preprocess/rpeaks.h"

namespace {

using namespace acl::preprocess;

std::string record_dir() {
  const char* root = std::getenv("ACL_TEST_DATA");
  if (!root || !*root) return "";
  const std::string dir = std::string(root) + "/wfdb212_mitdb_2lead";
  if (!std::filesystem::exists(dir + "/100.hea") || !std::filesystem::exists(dir + "/100.atr")) {
    return "";
  }
  return dir;
}

struct Mitdb100 {
  acl::data::Record rec;
  std::vector<int> reference;
};

Mitdb100 load(const std::string& dir) {
  Mitdb100 m;
  m.rec = acl::data::read_record(dir + "/100");
  for (int64_t s : acl::data::beat_samples(acl::data::read_annotations(dir + "/100.atr"))) {
    m.reference.push_back(static_cast<int>(s));
  }
  return m;
}

TEST(RpeaksMitdb, Record100BothLeads) {
  const std::string dir = record_dir();
  if (dir.empty()) GTEST_SKIP() << "ACL_TEST_DATA unset or MIT-BIH record 100 absent";
  const Mitdb100 m = load(dir);
  ASSERT_EQ(m.rec.fs, 360.0);
  ASSERT_EQ(m.rec.n_sig, 2);
  ASSERT_EQ(m.rec.n_samples, 650000);
  ASSERT_EQ(m.reference.size(), 2273u);  // beats in 100.atr

  const std::vector<int> det = detect_rpeaks(m.rec.physical.data(), m.rec.n_sig,
                                             static_cast<int>(m.rec.n_samples), m.rec.fs);
  const int tol = static_cast<int>(std::lround(0.150 * m.rec.fs));
  const RpeakScore s = score_rpeaks(det, m.reference, tol);
  std::printf("MIT-BIH 100, MLII + V5, 150 ms: TP %d FP %d FN %d  Se %.4f  +P %.4f\n", s.tp, s.fp,
              s.fn, s.sensitivity, s.positive_predictivity);
  EXPECT_GE(s.sensitivity, 0.99);
  EXPECT_GE(s.positive_predictivity, 0.99);

  // Timing: the matched detections sit close to the annotated fiducial points.
  std::vector<int> err;
  for (int r : m.reference) {
    int best = tol + 1;
    for (auto it = std::lower_bound(det.begin(), det.end(), r - tol);
         it != det.end() && *it <= r + tol; ++it) {
      best = std::min(best, std::abs(*it - r));
    }
    if (best <= tol) err.push_back(best);
  }
  std::sort(err.begin(), err.end());
  ASSERT_FALSE(err.empty());
  const double median_ms = 1000.0 * err[err.size() / 2] / m.rec.fs;
  std::printf("MIT-BIH 100: median |detection - annotation| %.1f ms\n", median_ms);
  EXPECT_LT(median_ms, 30.0);
}

TEST(RpeaksMitdb, Record100SingleLeadMLII) {
  const std::string dir = record_dir();
  if (dir.empty()) GTEST_SKIP() << "ACL_TEST_DATA unset or MIT-BIH record 100 absent";
  const Mitdb100 m = load(dir);
  const int mlii = m.rec.find_lead("MLII");
  ASSERT_GE(mlii, 0);
  const std::vector<int> det =
      detect_rpeaks(m.rec.lead(mlii), 1, static_cast<int>(m.rec.n_samples), m.rec.fs);
  const RpeakScore s =
      score_rpeaks(det, m.reference, static_cast<int>(std::lround(0.150 * m.rec.fs)));
  std::printf("MIT-BIH 100, MLII only, 150 ms: TP %d FP %d FN %d  Se %.4f  +P %.4f\n", s.tp, s.fp,
              s.fn, s.sensitivity, s.positive_predictivity);
  EXPECT_GE(s.sensitivity, 0.99);
  EXPECT_GE(s.positive_predictivity, 0.99);
}

}  // namespace
