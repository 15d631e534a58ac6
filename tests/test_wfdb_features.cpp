// The records of tests/data/wfdb/ (format 8, skew, multi-frequency, multi-segment fixed and
// variable layout, FLAC 508/516/524) read value for value as wfdb-python 4.3 reads them
// (tests/data/wfdb/reference.csv, written by tools/make_wfdb_test_records.py).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"
#include "train/data/parse_util.h"
#include "train/data/record_summary.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

const std::string kDir = std::string(ACL_SOURCE_DIR) + "/tests/data/wfdb/";

std::vector<double> values(const std::string& s) {
  std::vector<double> out;
  for (const auto& f : detail::split_blanks(s)) {
    double v = NAN;
    if (f != "nan") {
      EXPECT_TRUE(detail::parse_double(f, &v)) << "'" << f << "'";
    }
    out.push_back(v);
  }
  return out;
}

TEST(WfdbFeatures, EverySignalMatchesWfdbPython) {
  CsvTable ref = read_csv_table(kDir + "reference.csv");
  ASSERT_EQ(ref.size(), 18u);  // the reference is not empty or cut short
  std::map<std::string, Record> records;
  for (size_t row = 0; row < ref.size(); ++row) {
    const std::string name = ref.at(row, "record");
    SCOPED_TRACE(name + " signal " + ref.at(row, "sig") + " (reference.csv line " +
                 std::to_string(ref.line(row)) + ")");
    if (!records.count(name)) {
      ReadOptions strict;
      strict.strict = true;  // every checksum and initial value the writer put in the header holds
      records.emplace(name, read_record(kDir + name, strict));
    }
    const Record& r = records.at(name);
    const int i = std::stoi(ref.at(row, "sig"));
    ASSERT_LT(i, r.n_sig);
    EXPECT_EQ(r.signals[i].description, ref.at(row, "lead"));
    EXPECT_DOUBLE_EQ(r.signal_fs(i), std::stod(ref.at(row, "signal_fs")));
    const int64_t n = std::stoll(ref.at(row, "length"));
    ASSERT_EQ(r.signal_length(i), n);
    const std::vector<double> dig = values(ref.at(row, "digital"));
    const std::vector<double> phys = values(ref.at(row, "physical"));
    ASSERT_EQ(static_cast<int64_t>(phys.size()), n);
    if (!dig.empty()) {
      ASSERT_EQ(static_cast<int64_t>(dig.size()), n);
      for (int64_t t = 0; t < n; ++t) {
        ASSERT_EQ(r.digital_lead(i)[t], static_cast<int32_t>(dig[t])) << "sample " << t;
      }
    }
    // wfdb-python keeps the header's units; ours are mV for voltages.
    const double scale = r.signals[i].physical_scale;
    for (int64_t t = 0; t < n; ++t) {
      const double got = r.lead(i)[t] / scale;
      if (std::isnan(phys[t])) {
        ASSERT_TRUE(std::isnan(got)) << "sample " << t << " is " << got << ", expected NaN";
      } else {
        ASSERT_NEAR(got, phys[t], 1e-6 * (1.0 + std::fabs(phys[t]))) << "sample " << t;
      }
    }
  }
  EXPECT_EQ(records.size(), 8u);
}

TEST(WfdbFeatures, MultiFrequencyRecordExposesRates) {
  const Record r = read_record(kDir + "multifreq");
  EXPECT_EQ(r.fs, 100.0);
  EXPECT_EQ(r.n_samples, 60);
  EXPECT_FALSE(r.uniform_rate());
  EXPECT_EQ(r.signal_fs(2), 400.0);
  EXPECT_EQ(r.signal_offset(3), 60 * (1 + 2 + 4));
  EXPECT_EQ(r.total_samples(), 60 * 10);
  EXPECT_EQ(r.physical.size(), 600u);
  EXPECT_EQ(r.signals[2].physical_units, "mV");  // uV scaled
  const auto j = record_summary_json(r);         // what acl_inspect prints
  EXPECT_EQ(j["signal_fs"], nlohmann::ordered_json({100.0, 200.0, 400.0, 300.0}));
  EXPECT_EQ(j["samples_per_frame"], nlohmann::ordered_json({1, 2, 4, 3}));
  EXPECT_FALSE(record_summary_json(read_record(kDir + "skew")).contains("signal_fs"));
  std::ostringstream csv;
  EXPECT_TRUE(testing::throws_with([&] { write_signal_csv(r, csv); },
                                   {"multifreq.hea", "multi-frequency", "one rate"}));
}

TEST(WfdbFeatures, SkewShiftsBackAndLeavesTheTailInvalid) {
  const Record r = read_record(kDir + "skew");
  EXPECT_EQ(r.n_samples, 150);
  for (int i : {1, 2}) {
    for (int64_t t = 147; t < 150; ++t) {
      EXPECT_EQ(r.digital_lead(i)[t], -32768) << i << " " << t;
      EXPECT_TRUE(std::isnan(r.lead(i)[t]));
    }
    EXPECT_FALSE(std::isnan(r.lead(i)[146]));
  }
  EXPECT_TRUE(r.all_checksums_ok());  // checked on the samples as stored
}

TEST(WfdbFeatures, OneSegmentOfAMultiSegmentRecord) {
  ReadOptions one;
  one.segment = 1;
  const Record seg = read_record(kDir + "varseg", one);
  EXPECT_EQ(seg.name, "varseg_1");
  EXPECT_EQ(seg.n_samples, 70);
  const Record whole = read_record(kDir + "varseg");
  EXPECT_EQ(whole.n_samples, 140);
  ASSERT_EQ(whole.n_sig, 3);
  // varseg_1 (frames 0-69) holds II and V1; I is a gap there. The null segment is frames 70-99.
  EXPECT_EQ(whole.lead(1)[5], seg.lead(0)[5]);
  EXPECT_TRUE(std::isnan(whole.lead(0)[5]));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(whole.lead(i)[85]));
  one.segment = 2;
  EXPECT_TRUE(testing::throws_with([&] { read_record(kDir + "varseg", one); },
                                   {"varseg.hea line 4", "segment 2", "null segment"}));
  one.segment = 5;
  EXPECT_TRUE(testing::throws_with([&] { read_record(kDir + "varseg", one); },
                                   {"varseg.hea", "segment 5", "has 4 segments"}));
}

}  // namespace
}  // namespace acl::data
