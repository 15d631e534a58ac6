// acl_inspect's logic: the JSON record summary and the physical-signal CSV (round-trips floats).
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"
#include "train/data/record_summary.h"

namespace acl::data {
namespace {

using testing::int16_bytes;
using testing::TempDir;
using testing::throws_with;

Record small_record(const TempDir& d) {
  d.write("s.hea",
          "s 2 250 3 12:00:00 01/02/2003\n"
          "s.dat 16 3(1)/mV 16 0 4 9 0 I\n"
          "s.dat 16 200/uV 12 0 -1 -1 0 lead, \"odd\"\n"
          "# Age: 42\n# Sex: F\n# Dx: 164889003,59118001\n");
  d.write("s.dat", int16_bytes({4, -1, 2, 7, 3, -7}));
  return read_record(d.file("s"));
}

TEST(Inspect, SummaryJson) {
  TempDir d;
  auto j = record_summary_json(small_record(d));
  EXPECT_EQ(j["record"], "s");
  EXPECT_EQ(j["header"], d.file("s.hea"));
  EXPECT_EQ(j["fs"], 250.0);
  EXPECT_EQ(j["n_sig"], 2);
  EXPECT_EQ(j["sig_len"], 3);
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 0.012);
  EXPECT_EQ(j["base_time"], "12:00:00");
  EXPECT_EQ(j["base_date"], "01/02/2003");
  EXPECT_EQ(j["leads"], nlohmann::ordered_json({"I", "lead, \"odd\""}));
  EXPECT_EQ(j["units"], nlohmann::ordered_json({"mV", "uV"}));
  EXPECT_EQ(j["gains"], nlohmann::ordered_json({3.0, 200.0}));
  EXPECT_EQ(j["baselines"], nlohmann::ordered_json({1, 0}));
  EXPECT_EQ(j["formats"], nlohmann::ordered_json({16, 16}));
  EXPECT_EQ(j["checksum_ok"], nlohmann::ordered_json({true, true}));
  EXPECT_EQ(j["initial_value_ok"], nlohmann::ordered_json({true, true}));
  EXPECT_EQ(j["age"], 42.0);
  EXPECT_EQ(j["sex"], "F");
  EXPECT_EQ(j["dx_codes"], nlohmann::ordered_json({"164889003", "59118001"}));
  EXPECT_FALSE(j.contains("labels"));
  EXPECT_EQ(j.begin().key(), "record");  // keys in a reading order
}

TEST(Inspect, SignalCsvRoundTripsFloats) {
  TempDir d;
  Record r = small_record(d);
  std::ostringstream out;
  write_signal_csv(r, out);
  CsvTable t = parse_csv_table(out.str(), "signal.csv");
  EXPECT_EQ(t.columns(), (CsvRow{"I", "lead, \"odd\""}));
  ASSERT_EQ(t.size(), 3u);
  for (size_t row = 0; row < 3; ++row) {
    for (int lead = 0; lead < 2; ++lead) {
      const float back = std::strtof(t.row(row)[lead].c_str(), nullptr);
      EXPECT_EQ(back, r.lead(lead)[row]) << t.row(row)[lead];
    }
  }
  EXPECT_EQ(t.row(0)[0], "1");                // (4 - 1) / 3
  EXPECT_EQ(t.row(1)[0], "0.333333343");      // 1/3 as a float, 9 significant digits
  EXPECT_EQ(t.row(0)[1], "-4.99999987e-06");  // -1 / 200 uV in mV as a float
}

TEST(Inspect, CsvFileErrors) {
  TempDir d;
  Record r = small_record(d);
  const std::string bad = d.file("no/such/dir/out.csv");
  EXPECT_TRUE(throws_with([&] { write_signal_csv_file(r, bad); }, {"cannot write", bad}));
  write_signal_csv_file(r, d.file("out.csv"));
  EXPECT_EQ(read_csv_table(d.file("out.csv")).size(), 3u);
  r.physical.clear();
  std::ostringstream out;
  EXPECT_TRUE(throws_with([&] { write_signal_csv(r, out); }, {"no physical signal"}));
}

TEST(InspectReal, CincAndMitRecords) {
  ACL_REQUIRE_TEST_DATA(dir);
  auto j = record_summary_json(read_record(dir + "/cinc2021_mat/E07500.hea"));
  EXPECT_EQ(j["record"], "E07500");
  EXPECT_EQ(j["n_sig"], 12);
  EXPECT_EQ(j["sig_len"], 5000);
  EXPECT_EQ(j["leads"][3], "aVR");
  EXPECT_EQ(j["age"], 78.0);
  EXPECT_EQ(j["sex"], "Male");
  EXPECT_EQ(j["dx_codes"], nlohmann::ordered_json({"67741000119109", "426177001"}));
  EXPECT_EQ(j["checksum_ok"].size(), 12u);
  for (const auto& ok : j["checksum_ok"]) EXPECT_TRUE(ok.get<bool>());

  Record mit = read_record(dir + "/wfdb212_mitdb_2lead/100s");
  j = record_summary_json(mit);
  EXPECT_EQ(j["leads"], nlohmann::ordered_json({"MLII", "V5"}));
  EXPECT_EQ(j["formats"], nlohmann::ordered_json({212, 212}));
  EXPECT_FALSE(j.contains("age"));
  std::ostringstream out;
  write_signal_csv(mit, out);
  CsvTable t = parse_csv_table(out.str(), "100s.csv");
  ASSERT_EQ(t.size(), 21600u);
  EXPECT_EQ(t.row(0),
            (CsvRow{"-0.144999996", "-0.0649999976"}));  // (995-1024)/200, (1011-1024)/200
}

}  // namespace
}  // namespace acl::data
