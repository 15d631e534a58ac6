// check_signal_quality (non-finite samples, flat lines), lead-name normalisation and the
// expected-lead-set check, on records the test writes and on every real record.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"
#include "train/data/signal_quality.h"

namespace acl::data {
namespace {

using testing::int16_bytes;
using testing::TempDir;
using testing::throws_with;

// Three leads I, II, III over 4 samples (frames interleaved).
Record three_leads(const TempDir& d, const std::vector<int>& frames) {
  d.write("q.hea",
          "q 3 100 4\nq.dat 16 1000 16 0 0 0 0 I\nq.dat 16 1000 16 0 0 0 0 II\n"
          "q.dat 16 1000 16 0 0 0 0 III\n");
  d.write("q.dat", int16_bytes(frames));
  return read_record(d.file("q"));
}

TEST(WfdbQuality, GoodRecordHasNoReason) {
  TempDir d;
  Record r = three_leads(d, {1, 5, 9, 2, 6, -9, 3, 7, 9, 4, 8, 0});
  EXPECT_EQ(check_signal_quality(r), "");
}

TEST(WfdbQuality, NonFiniteSamples) {
  TempDir d;
  Record r = three_leads(d, {1, 5, 9, 2, -32768, -9, 3, -32768, 9, 4, 8, 0});
  const std::string why = check_signal_quality(r);
  EXPECT_NE(why.find(d.file("q.hea")), std::string::npos) << why;
  EXPECT_NE(why.find("lead II (signal 1) has 2 non-finite samples (first at sample 1)"),
            std::string::npos)
      << why;
}

TEST(WfdbQuality, FlatLine) {
  TempDir d;
  Record r = three_leads(d, {1, 5, 7, 2, 6, 7, 3, 7, 7, 4, 8, 7});
  const std::string why = check_signal_quality(r);
  EXPECT_NE(why.find("lead III (signal 2) is flat (peak-to-peak 0 mV over 4 samples)"),
            std::string::npos)
      << why;
  // A 1-LSB wiggle (0.001 mV at gain 1000) is still flat at the default threshold, 2 LSB is not.
  Record wiggle = three_leads(d, {1, 5, 7, 2, 6, 8, 3, 7, 7, 4, 8, 7});
  EXPECT_NE(check_signal_quality(wiggle), "");
  Record two_lsb = three_leads(d, {1, 5, 7, 2, 6, 9, 3, 7, 7, 4, 8, 7});
  EXPECT_EQ(check_signal_quality(two_lsb), "");
  QualityOptions strict;
  strict.flat_range = 0.01;
  EXPECT_NE(check_signal_quality(two_lsb, strict), "");
}

TEST(WfdbQuality, NeedsPhysicalSignal) {
  TempDir d;
  d.write("p.hea", "p 1 100 2\np.dat 16 1000 16 0 0 0 0 I\n");
  d.write("p.dat", int16_bytes({1, 2}));
  ReadOptions o;
  o.physical = false;
  EXPECT_NE(check_signal_quality(read_record(d.file("p"), o)).find("no physical signal"),
            std::string::npos);
}

TEST(WfdbQuality, LeadNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"i", "I"},         {"III", "III"}, {"iii", "III"}, {"AVR", "aVR"}, {"avl", "aVL"},
      {"aVF", "aVF"},     {"v6", "V6"},   {"MLII", "II"}, {"II\r", "II"}, {"-aVR", "-aVR"},
      {"Lead V2 ", "V2"}, {"vx", "vx"},   {"V7", "V7"}};
  for (const auto& [name, want] : cases) EXPECT_EQ(normalize_lead_name(name), want) << name;
  EXPECT_EQ(leads::lead_names().size(), 12u);
  EXPECT_EQ(leads::lead_names()[3], "aVR");
}

TEST(WfdbQuality, LeadSetChecks) {
  TempDir d;
  Record r = three_leads(d, {1, 5, 9, 2, 6, -9, 3, 7, 9, 4, 8, 0});
  EXPECT_EQ(match_lead_set(r, {"III", "I", "II"}), (std::vector<int>{2, 0, 1}));
  EXPECT_TRUE(throws_with(
      [&] {
        match_lead_set(r, {"I", "II"});
      },
      {d.file("q.hea"), "3 leads (I, II, III)", "expected 2 (I, II)"}));
  EXPECT_EQ(match_lead_set(r, {"I", "II"}, true), (std::vector<int>{0, 1}));
  EXPECT_TRUE(throws_with(
      [&] {
        match_lead_set(r, {"I", "II", "V1"});
      },
      {d.file("q.hea"), "lead V1 is missing"}));
}

TEST(WfdbQualityReal, EveryRealRecordIsFiniteAndNotFlat) {
  ACL_REQUIRE_TEST_DATA(dir);
  CsvTable labels = read_csv_table(dir + "/labels.csv");
  ASSERT_EQ(labels.size(), 19u);
  for (size_t row = 0; row < labels.size(); ++row) {
    Record r = read_record(dir + "/" + labels.at(row, "record"));
    EXPECT_EQ(check_signal_quality(r), "") << labels.at(row, "record");
    if (r.n_sig == 12) {
      EXPECT_EQ(match_lead_set(r, leads::lead_names()).size(), 12u) << labels.at(row, "record");
    }
  }
}

}  // namespace
}  // namespace acl::data
