// Hand-written records for the edges of format 8, skew, multi-frequency frames and multi-segment
// records, and the errors every inconsistent or truncated input gives (file, line and field).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/test_wfdb_util.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

using testing::int16_bytes;
using testing::TempDir;
using testing::throws_with;

std::vector<uint8_t> int8_bytes(const std::vector<int>& v) {
  std::vector<uint8_t> out;
  for (int x : v) out.push_back(static_cast<uint8_t>(static_cast<int8_t>(x)));
  return out;
}

TEST(WfdbLayouts, FormatEightSumsDifferencesPerSignal) {
  TempDir d;
  // Two signals interleaved: differences (0, 0), (3, -1), (-2, -1); initial values 10 and -5.
  d.write("r.hea", "r 2 100 3\nr.dat 8 100 8 0 10 34 0 I\nr.dat 8 100 8 0 -5 -18 0 II\n");
  d.write("r.dat", int8_bytes({0, 0, 3, -1, -2, -1}));
  ReadOptions strict;
  strict.strict = true;
  const Record r = read_record(d.file("r"), strict);
  EXPECT_EQ(r.digital, (std::vector<int32_t>{10, 13, 11, -5, -6, -7}));
  d.write("r.dat", int8_bytes({0, 0, 3}));
  EXPECT_TRUE(throws_with([&] { read_record(d.file("r")); },
                          {d.file("r.dat"), "truncated", "format 8", "r.hea line 2"}));
}

TEST(WfdbLayouts, SkewLongerThanTheRecordLeavesOnlyInvalidSamples) {
  TempDir d;
  d.write("r.hea", "r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16:7 100 16 0 -1 -6 0 II\n");
  d.write("r.dat", int16_bytes({1, -1, 2, -2, 3, -3}));
  const Record r = read_record(d.file("r"));
  EXPECT_EQ(r.digital, (std::vector<int32_t>{1, 2, 3, -32768, -32768, -32768}));
  EXPECT_TRUE(std::isnan(r.lead(1)[0]));
  EXPECT_TRUE(r.all_checksums_ok());
}

TEST(WfdbLayouts, SkewAndSamplesPerFrameTogether) {
  TempDir d;
  // Frame = I (1 sample), II (2 samples); II is skewed by one frame.
  d.write("r.hea", "r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16x2:1 100 16 0 10 75 0 II\n");
  d.write("r.dat", int16_bytes({1, 10, 11, 2, 12, 13, 3, 14, 15}));
  const Record r = read_record(d.file("r"));
  EXPECT_EQ(r.signal_length(1), 6);
  EXPECT_EQ(std::vector<int32_t>(r.digital_lead(1), r.digital_lead(1) + 6),
            (std::vector<int32_t>{12, 13, 14, 15, -32768, -32768}));
  EXPECT_EQ(r.signal_fs(1), 200.0);
}

TEST(WfdbLayouts, LengthFromTheFileCountsWholeFrames) {
  TempDir d;
  d.write("r.hea", "r 2 100\nr.dat 16x2 100 16 0 1 0 0 I\nr.dat 16 100 16 0 3 0 0 II\n");
  d.write("r.dat", int16_bytes({1, 2, 3, 4, 5, 6, 7, 8}));  // two frames and two loose samples
  const Record r = read_record(d.file("r"));
  EXPECT_EQ(r.n_samples, 2);
  EXPECT_EQ(std::vector<int32_t>(r.digital_lead(0), r.digital_lead(0) + 4),
            (std::vector<int32_t>{1, 2, 4, 5}));
  EXPECT_EQ(r.digital_lead(1)[1], 6);
}

// A 2-signal, 2-frame segment named `name` with samples starting at `v`.
void write_segment(const TempDir& d, const std::string& name, const std::string& sigs, int v,
                   double fs = 100) {
  d.write(name + ".hea", name + " 2 " + std::to_string(fs) + " 2\n" + name + ".dat 16 100 16 0 " +
                             std::to_string(v) + " 0 0 " + sigs.substr(0, sigs.find(' ')) + "\n" +
                             name + ".dat 16 100 16 0 " + std::to_string(v + 1) + " 0 0 " +
                             sigs.substr(sigs.find(' ') + 1) + "\n");
  d.write(name + ".dat", int16_bytes({v, v + 1, v + 2, v + 3}));
}

TEST(WfdbLayouts, FixedLayoutWithANullSegment) {
  TempDir d;
  write_segment(d, "a", "I II", 10);
  write_segment(d, "b", "I II", 20);
  d.write("m.hea", "m/3 2 100 5\na 2\n~ 1\nb 2\n");
  const Record r = read_record(d.file("m"));
  ASSERT_EQ(r.n_samples, 5);
  EXPECT_EQ(std::vector<int32_t>(r.digital_lead(0), r.digital_lead(0) + 5),
            (std::vector<int32_t>{10, 12, -32768, 20, 22}));
  EXPECT_FLOAT_EQ(r.lead(1)[4], 23.0f / 100.0f);
  EXPECT_TRUE(std::isnan(r.lead(1)[2]));
  EXPECT_EQ(r.fs, 100.0);
}

TEST(WfdbLayouts, MultiSegmentInconsistenciesNameFileLineAndField) {
  TempDir d;
  write_segment(d, "a", "I II", 10);
  write_segment(d, "b", "I II", 20);
  write_segment(d, "c", "I II", 20, 250);
  write_segment(d, "three", "I II", 0);
  d.write("three.hea",
          "three 3 100 2\nthree.dat 16 100 16 0 0 0 0 I\n"
          "three.dat 16 100 16 0 0 0 0 II\nthree.dat 16 100 16 0 0 0 0 V1\n");
  d.write("three.dat", int16_bytes({0, 0, 0, 0, 0, 0}));
  auto fails = [&](const std::string& master, const std::vector<std::string>& parts) {
    d.write("m.hea", master);
    return throws_with([&] { read_record(d.file("m")); }, parts);
  };
  EXPECT_TRUE(fails("m/2 2 100 5\na 2\nb 3\n",
                    {"segment 'b'", "b.hea line 1", "number of samples 2", "m.hea line 3"}));
  EXPECT_TRUE(
      fails("m/2 2 100 4\na 2\nc 2\n", {"segment 'c'", "sampling frequency 250", "m.hea line 1"}));
  EXPECT_TRUE(fails("m/2 2 100 9\na 2\nb 2\n",
                    {"m.hea line 1", "number of samples 9", "segments' total 4"}));
  EXPECT_TRUE(
      fails("m/2 2 100 4\na 2\nmissing 2\n", {"missing.hea", "cannot open", "m.hea line 3"}));
  EXPECT_TRUE(fails("m/2 2 100 4\na 2\nthree 2\n",
                    {"three.hea line 1", "segment 'three' has 3 signals", "fixed layout"}));
  EXPECT_TRUE(fails("m/1 2 100 4\n~ 4\n", {"every segment is a null segment"}));
  EXPECT_TRUE(fails("m/2 2 100 4\na 2\n../a 2\n",
                    {"m.hea line 3", "segment name '../a'", "inside the record's directory"}));
  EXPECT_TRUE(fails("m/2 2 100 4\n/tmp/a 2\nb 2\n",
                    {"m.hea line 2", "segment name '/tmp/a'", "inside the record's directory"}));
  EXPECT_TRUE(fails("m/2 3 100 4\na 2\nb 2\n", {"m.hea line 1", "number of signals 3"}));
  // Truncated segment signal file: the segment's file and header line are named.
  d.write("b.dat", int16_bytes({20, 21}));
  EXPECT_TRUE(fails("m/2 2 100 4\na 2\nb 2\n", {"b.dat", "truncated", "b.hea line 2"}));
}

TEST(WfdbLayouts, VariableLayoutMatchesSignalsByName) {
  TempDir d;
  write_segment(d, "a", "V1 I", 10);
  write_segment(d, "x", "I aVQ", 30);
  d.write("lay.hea",
          "lay 3 100 0\n~ 0 100 16 0 0 0 0 I\n~ 0 100 16 0 0 0 0 II\n"
          "~ 0 100 16 0 0 0 0 V1\n");
  d.write("m.hea", "m/3 3 100 4\nlay 0\na 2\n~ 2\n");
  const Record r = read_record(d.file("m"));
  ASSERT_EQ(r.n_sig, 3);
  EXPECT_EQ(r.lead_names(), (std::vector<std::string>{"I", "II", "V1"}));
  EXPECT_EQ(r.digital_lead(0)[1], 13);
  EXPECT_EQ(r.digital_lead(2)[0], 10);
  EXPECT_TRUE(std::isnan(r.lead(1)[0]));
  EXPECT_TRUE(std::isnan(r.lead(0)[3]));
  d.write("m.hea", "m/2 3 100 2\nlay 0\nx 2\n");
  EXPECT_TRUE(
      throws_with([&] { read_record(d.file("m")); },
                  {"x.hea line 3", "signal 'aVQ'", "not in the layout header", "m.hea line 2"}));
}

}  // namespace
}  // namespace acl::data
