// acl_prepare's library: synthetic preparation (contents, determinism across thread counts, the
// generator version, patient-wise splits), real WFDB/CinC/PTB-XL folders from ACL_TEST_DATA (their
// patient keys), and bad records skipped and listed, never dropped silently.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "tests/test_files.h"
#include "tests/test_wfdb_util.h"
#include "train/cache/cache_reader.h"
#include "train/prepare/pipeline.h"
#include "train/prepare/prepare.h"
#include "train/synth/generator.h"

namespace acl::prepare {
namespace {
namespace fs = std::filesystem;

using acl::testing::temp_dir;

using acl::testing::read_file;

PrepareOptions quiet_options(const fs::path& out) {
  PrepareOptions o;
  o.out = out.string();
  o.progress = false;
  return o;
}

TEST(PrepareSynthetic, WritesAStandardisedCacheWithTrueRpeaks) {
  fs::path dir = temp_dir("synth");
  PrepareOptions o = quiet_options(dir);
  o.records_per_shard = 16;
  PrepareSummary s = prepare_synthetic(40, o);
  EXPECT_EQ(s.prepared, 40);
  EXPECT_TRUE(s.bad.empty());
  cache::CacheReader c(dir.string());
  ASSERT_EQ(c.size(), 40);
  EXPECT_EQ(c.n_leads(), 12);
  EXPECT_EQ(c.length(), 1000);
  EXPECT_EQ(c.lead_names()[6], "V1");
  EXPECT_EQ(c.label_names()[0], "normal");
  EXPECT_EQ(c.index()["shards"].size(), 3u);
  int64_t in_splits = 0;
  for (const char* split : {"train", "val", "test"}) in_splits += c.indices_of_split(split).size();
  EXPECT_EQ(in_splits, 40);
  std::vector<float> x(12 * 1000);
  for (int64_t r = 0; r < c.size(); ++r) {
    c.read_signal(r, x.data());
    for (int lead = 0; lead < 12; ++lead) {  // per-lead z-scores (float16 storage: loose bound)
      double m = 0, v = 0;
      for (int t = 0; t < 1000; ++t) m += x[lead * 1000 + t];
      m /= 1000;
      for (int t = 0; t < 1000; ++t) v += (x[lead * 1000 + t] - m) * (x[lead * 1000 + t] - m);
      EXPECT_NEAR(m, 0.0, 1e-2) << r << " " << lead;
      EXPECT_NEAR(std::sqrt(v / 1000), 1.0, 1e-2) << r << " " << lead;
    }
    std::vector<int32_t> peaks = c.rpeaks(r);
    EXPECT_GE(peaks.size(), 5u) << "10 s at >= 38 bpm";
    std::vector<uint8_t> labels = c.labels(r);
    int n_labels = 0;
    for (uint8_t l : labels) n_labels += l;
    EXPECT_GE(n_labels, 1) << r;
  }
  fs::remove_all(dir);
}

TEST(PrepareSynthetic, SameCacheForAnyThreadCount) {
  fs::path a = temp_dir("threads1"), b = temp_dir("threads2");
  PrepareOptions o1 = quiet_options(a), o2 = quiet_options(b);
  o1.threads = 1;
  o2.threads = 3;
  prepare_synthetic(150, o1);
  prepare_synthetic(150, o2);
  for (const char* f : {"signals_00000.f16", "rpeaks.i32", "rpeak_offsets.i64", "labels.u8"}) {
    EXPECT_EQ(read_file(a / f), read_file(b / f)) << f;
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(PrepareSynthetic, RecordsTheGeneratorVersion) {
  fs::path dir = temp_dir("synth_version");
  prepare_synthetic(3, quiet_options(dir));
  cache::CacheReader c(dir.string());
  EXPECT_EQ(c.index()["preprocessing"]["generator"]["version"], synth::kGeneratorVersion);
  EXPECT_EQ(c.synthetic_generator_version(), synth::kGeneratorVersion);
  fs::remove_all(dir);
}

TEST(PrepareSynthetic, SplitsArePatientWise) {
  fs::path dir = temp_dir("synth_patients");
  PrepareOptions o = quiet_options(dir);
  o.seed = 3;
  prepare_synthetic(2000, o);
  cache::CacheReader c(dir.string());
  ASSERT_TRUE(c.has_patient_ids());
  std::map<std::string, std::string> split_of_patient;
  std::map<std::string, int64_t> records_in;
  for (int64_t r = 0; r < c.size(); ++r) {
    const std::string& p = c.patient(r);
    ASSERT_EQ(p.rfind("p", 0), 0u) << c.name(r) << ": patient key '" << p << "'";
    EXPECT_EQ(c.split(r), split_for(p, o.seed)) << c.name(r) << " of patient " << p;
    auto [it, first] = split_of_patient.emplace(p, c.split(r));
    EXPECT_EQ(it->second, c.split(r)) << "patient " << p << " is in " << it->second << " and, with "
                                      << c.name(r) << ", in " << c.split(r);
    ++records_in[c.split(r)];
  }
  const size_t patients = split_of_patient.size();
  if (patients < 50) {
    GTEST_SKIP() << "the generator gave " << patients << " distinct patients to 2000 records; "
                 << "the 80/10/10 split proportions are checked from 50 patients on";
  }
  // ~2000 / 3 patients of 1-5 records each: the bounds are about 3 standard deviations of the
  // record fractions (patients, not records, are drawn into the splits).
  const double n = static_cast<double>(c.size());
  EXPECT_NEAR(records_in["train"] / n, 0.8, 0.06);
  EXPECT_NEAR(records_in["val"] / n, 0.1, 0.045);
  EXPECT_NEAR(records_in["test"] / n, 0.1, 0.045);
  fs::remove_all(dir);
}

TEST(PreparePipeline, PatientKeysReachTheCache) {
  // Records of explicit patients through the pipeline: record k belongs to patient k / 3, its
  // split follows its patient; a record without a patient key is its own patient.
  fs::path dir = temp_dir("pipeline_patients");
  PrepareOptions o = quiet_options(dir);
  o.seconds = 1.0;
  o.seed = 1;
  std::vector<Job> jobs;
  for (int k = 0; k < 30; ++k)
    jobs.push_back({"rec" + std::to_string(k), "test:" + std::to_string(k)});
  auto patient_of = [](size_t k) { return k == 29 ? std::string() : "p" + std::to_string(k / 3); };
  auto process = [&](size_t k) {
    PreparedRecord r;
    r.signal.assign(12 * 100, 0.25f);
    r.patient = patient_of(k);
    r.split = split_for(r.patient.empty() ? jobs[k].name : r.patient, o.seed);
    return r;
  };
  run_pipeline("test", jobs, process, {"a"}, nlohmann::json::object(), o);
  cache::CacheReader c(dir.string());
  ASSERT_EQ(c.size(), 30);
  std::set<std::string> splits;
  for (int64_t k = 0; k < c.size(); ++k) {
    const std::string expected = k == 29 ? "rec29" : "p" + std::to_string(k / 3);
    EXPECT_EQ(c.patient(k), expected) << k;
    EXPECT_EQ(c.split(k), split_for(expected, o.seed)) << k;
    splits.insert(c.split(k));
  }
  EXPECT_EQ(splits.size(), 3u) << "the ten patients fall into train, val and test at seed 1";
  fs::remove_all(dir);
}

TEST(PrepareWfdb, RealRecordsAndListedBadOnes) {
  ACL_REQUIRE_TEST_DATA(data_dir);
  const fs::path data = data_dir;
  fs::path dir = temp_dir("wfdb");
  PrepareSummary s = prepare_wfdb_dir(data.string(), false, quiet_options(dir));
  // 12- and 15-lead records are prepared; the 2-lead ones lack leads and are listed.
  EXPECT_EQ(s.prepared, 15);
  ASSERT_EQ(s.bad.size(), 4u);
  for (const BadRecord& b : s.bad) {
    EXPECT_NE(b.reason.find("wrong lead set"), std::string::npos) << b.reason;
    EXPECT_TRUE(fs::exists(b.file)) << b.file;
  }
  std::string tsv = read_file(dir / "bad_records.tsv");
  EXPECT_NE(tsv.find("wfdb212_mitdb_2lead/100\t"), std::string::npos) << tsv;
  cache::CacheReader c(dir.string());
  EXPECT_EQ(c.size(), 15);
  EXPECT_TRUE(c.has_patient_ids());
  EXPECT_EQ(c.synthetic_generator_version(), 0);
  for (int64_t r = 0; r < c.size(); ++r) {
    std::vector<int32_t> peaks = c.rpeaks(r);
    EXPECT_GE(peaks.size(), 6u) << c.name(r) << ": 10 s of a resting ECG";
    EXPECT_LE(peaks.size(), 25u) << c.name(r);
    // WFDB headers name no patient: each record is its own, split by its name.
    EXPECT_EQ(c.patient(r), c.name(r));
    EXPECT_EQ(c.split(r), split_for(c.name(r), 0)) << c.name(r);
  }
  fs::remove_all(dir);

  PrepareOptions zero_fill = quiet_options(dir);
  zero_fill.allow_missing_leads = true;
  PrepareSummary all = prepare_wfdb_dir((data / "wfdb212_mitdb_2lead").string(), false, zero_fill);
  EXPECT_EQ(all.prepared, 2);
  EXPECT_TRUE(all.bad.empty());
  fs::remove_all(dir);
}

TEST(PrepareWfdb, DamagedRecordIsSkippedAndTheRestPrepared) {
  ACL_REQUIRE_TEST_DATA(data_dir);
  const fs::path data = data_dir;
  fs::path src = temp_dir("damaged_src"), dir = temp_dir("damaged_out");
  fs::create_directories(src);
  for (const char* f : {"00005_hr.hea", "00005_hr.dat", "00666_hr.hea", "00666_hr.dat"}) {
    fs::copy_file(data / "wfdb16_ptbxl_500hz" / f, src / f);
  }
  fs::resize_file(src / "00666_hr.dat", 1000);  // truncated signal file
  PrepareSummary s = prepare_wfdb_dir(src.string(), false, quiet_options(dir));
  EXPECT_EQ(s.prepared, 1);
  ASSERT_EQ(s.bad.size(), 1u);
  EXPECT_EQ(s.bad[0].record, "00666_hr");
  EXPECT_NE(s.bad[0].reason.find("00666_hr.dat"), std::string::npos) << s.bad[0].reason;
  fs::remove_all(src);
  fs::remove_all(dir);
}

TEST(PrepareCinc, DxCodesBecomeLabels) {
  ACL_REQUIRE_TEST_DATA(data_dir);
  const fs::path data = data_dir;
  fs::path dir = temp_dir("cinc");
  PrepareSummary s = prepare_wfdb_dir((data / "cinc2021_mat").string(), true, quiet_options(dir));
  EXPECT_EQ(s.prepared, 8);
  cache::CacheReader c(dir.string());
  EXPECT_EQ(c.dataset(), "cinc");
  int64_t e07500 = -1;
  for (int64_t r = 0; r < c.size(); ++r)
    if (c.name(r) == "E07500") e07500 = r;
  ASSERT_GE(e07500, 0);
  std::vector<uint8_t> l = c.labels(e07500);
  std::vector<std::string> names;
  for (size_t k = 0; k < l.size(); ++k)
    if (l[k]) names.push_back(c.label_names()[k]);
  EXPECT_FALSE(names.empty());
  for (const std::string& n : names) EXPECT_TRUE(std::all_of(n.begin(), n.end(), ::isdigit)) << n;
  fs::remove_all(dir);
}

TEST(PreparePtbxl, StandardSplitAndSuperdiagnosticLabels) {
  ACL_REQUIRE_TEST_DATA(data_dir);
  const fs::path data = data_dir;
  fs::path root = temp_dir("ptbxl_src"), dir = temp_dir("ptbxl_out");
  fs::create_directories(root / "records500/00000");
  fs::create_symlink(data / "labels/ptbxl_database_subset.csv", root / "ptbxl_database.csv");
  fs::create_symlink(data / "labels/scp_statements.csv", root / "scp_statements.csv");
  for (const char* f : {"00005_hr.hea", "00005_hr.dat", "00666_hr.hea", "00666_hr.dat"}) {
    fs::create_symlink(data / "wfdb16_ptbxl_500hz" / f, root / "records500/00000" / f);
  }
  PrepareSummary s = prepare_ptbxl(root.string(), "superdiagnostic", 500, quiet_options(dir));
  EXPECT_EQ(s.prepared, 2);
  EXPECT_FALSE(s.bad.empty()) << "rows whose 500 Hz files are absent are listed";
  for (const BadRecord& b : s.bad) EXPECT_NE(b.file.find("records500"), std::string::npos);
  cache::CacheReader c(dir.string());
  EXPECT_EQ(c.label_names(), (std::vector<std::string>{"CD", "HYP", "MI", "NORM", "STTC"}));
  for (int64_t r = 0; r < c.size(); ++r) {
    EXPECT_EQ(c.split(r), "train") << c.name(r);  // folds 4 and 7
    EXPECT_EQ(c.patient(r), c.name(r) == "5" ? "17448" : "1988") << c.name(r);
    EXPECT_EQ(c.labels(r), (std::vector<uint8_t>{0, 0, 0, 1, 0})) << c.name(r);
  }
  EXPECT_THROW(prepare_ptbxl(root.string(), "superdiagnostc", 500, quiet_options(dir)),
               std::invalid_argument);
  fs::remove_all(root);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace acl::prepare
