// Every bad-input case of the header parser and record reader throws an error that names the
// file, the line or field and the offending value. Each case writes its own files.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/data_error.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

using testing::int16_bytes;
using testing::TempDir;
using testing::throws_with;

// A valid 2-signal, 3-sample record "r" in format 16 (checksums 6 and -6).
const char* kGoodHeader = "r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n";
const std::vector<int> kGoodSamples = {1, -1, 2, -2, 3, -3};

::testing::AssertionResult header_fails(const std::string& header,
                                        const std::vector<std::string>& parts) {
  TempDir d;
  d.write("r.hea", header);
  d.write("r.dat", int16_bytes(kGoodSamples));
  std::vector<std::string> all = parts;
  all.push_back(d.file("r.hea"));  // the message names the file
  return throws_with([&] { read_record(d.file("r")); }, all);
}

TEST(WfdbErrors, GoodRecordReads) {
  TempDir d;
  d.write("r.hea", kGoodHeader);
  d.write("r.dat", int16_bytes(kGoodSamples));
  ReadOptions strict;
  strict.strict = true;
  Record r = read_record(d.file("r"), strict);
  EXPECT_EQ(r.digital, (std::vector<int32_t>{1, 2, 3, -1, -2, -3}));
}

TEST(WfdbErrors, ErrorTypeIsARuntimeError) {
  TempDir d;
  d.write("r.hea", "r 0\n");
  EXPECT_THROW(read_record(d.file("r")), DataError);
  EXPECT_THROW(read_record(d.file("r")), std::runtime_error);
}

TEST(WfdbErrors, FewerSignalLinesThanDeclared) {
  EXPECT_TRUE(header_fails("r 3 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"declares 3 signals", "2 signal lines", "line 1"}));
}

TEST(WfdbErrors, MoreSignalLinesThanDeclared) {
  EXPECT_TRUE(header_fails("r 1 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"line 3", "one more than the 1 signals"}));
}

TEST(WfdbErrors, ZeroSignals) {
  EXPECT_TRUE(header_fails("r 0 100 3\n", {"line 1", "number of signals '0'", "out of range"}));
}

TEST(WfdbErrors, MalformedRecordLine) {
  EXPECT_TRUE(header_fails("r 2 100 3 10:00:00 11:00:00\n", {"line 1", "two base times"}));
  EXPECT_TRUE(header_fails("r 2 100 3 10:00:00 1/1/2000 x\n", {"line 1", "7 fields, at most 6"}));
  EXPECT_TRUE(header_fails("r/0 2 100 3\n", {"line 1", "number of segments '0'"}));
  EXPECT_TRUE(header_fails("r\n", {"line 1", "needs at least a record name"}));
}

TEST(WfdbErrors, EmptyHeader) {
  EXPECT_TRUE(header_fails("# only a comment\n\n", {"no record line"}));
}

TEST(WfdbErrors, UnknownFormatCode) {
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 17 100 16 0 -1 -6 0 II\n",
                           {"line 3", "'17'", "not a supported WFDB format", "212"}));
}

TEST(WfdbErrors, NonNumericFields) {
  EXPECT_TRUE(header_fails("r two 100 3\n", {"line 1", "number of signals 'two'"}));
  EXPECT_TRUE(header_fails("r 2 fast 3\n", {"line 1", "sampling frequency 'fast'"}));
  EXPECT_TRUE(header_fails("r 2 100 -3\n", {"line 1", "number of samples '-3'"}));
  EXPECT_TRUE(header_fails("r 2 100 3.5\n", {"line 1", "number of samples '3.5'"}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16 big 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"line 2", "gain 'big'"}));
  EXPECT_TRUE(
      header_fails("r 2 100 3\nr.dat 16 100(x)/mV 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                   {"line 2", "baseline", "'x'"}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16 100 16 0.5 -1 -6 0 II\n",
                           {"line 3", "ADC zero '0.5'"}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16 100 16 0 1 six 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"line 2", "checksum 'six'"}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16+x 100 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"line 2", "byte offset", "'16+x'"}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"line 2", "needs at least a file name and a format"}));
}

TEST(WfdbErrors, MissingSignalFile) {
  TempDir d;
  d.write("r.hea", kGoodHeader);
  EXPECT_TRUE(throws_with([&] { read_record(d.file("r")); },
                          {"cannot open", d.file("r.dat"), "line 2", d.file("r.hea")}));
}

TEST(WfdbErrors, MissingHeaderFile) {
  TempDir d;
  EXPECT_TRUE(
      throws_with([&] { read_record(d.file("nothing")); }, {"cannot open", d.file("nothing.hea")}));
}

TEST(WfdbErrors, TruncatedSignalFile) {
  TempDir d;
  d.write("r.hea", kGoodHeader);
  d.write("r.dat", int16_bytes({1, -1, 2, -2, 3}));  // one sample short
  EXPECT_TRUE(throws_with([&] { read_record(d.file("r")); },
                          {d.file("r.dat"), "truncated", "10 bytes", "need 12 bytes", "line 2"}));
}

TEST(WfdbErrors, ByteOffsetPastEndOfFile) {
  TempDir d;
  d.write("r.hea", "r 1 100 1\nr.dat 16+100 100 16 0 1 1 0 I\n");
  d.write("r.dat", int16_bytes({1}));
  EXPECT_TRUE(throws_with([&] { read_record(d.file("r")); },
                          {d.file("r.dat"), "truncated", "byte offset", "100"}));
}

// A header whose checksum or initial value disagrees with kGoodSamples: read leniently, signal i's
// `ok` flag is want_ok[i]; read strictly, the error names every string of `parts` ("@hea" stands
// for the header's path).
void expect_flagged_or_strict_error(const std::string& header, bool WfdbSignalInfo::*ok,
                                    const std::vector<bool>& want_ok,
                                    std::vector<std::string> parts) {
  TempDir d;
  d.write("r.hea", header);
  d.write("r.dat", int16_bytes(kGoodSamples));
  Record r = read_record(d.file("r"));
  ASSERT_EQ(r.signals.size(), want_ok.size());
  for (size_t i = 0; i < want_ok.size(); ++i) EXPECT_EQ(r.signals[i].*ok, want_ok[i]) << i;
  for (std::string& p : parts)
    if (p == "@hea") p = d.file("r.hea");
  ReadOptions strict;
  strict.strict = true;
  EXPECT_TRUE(throws_with([&] { read_record(d.file("r"), strict); }, parts));
}

TEST(WfdbErrors, ChecksumMismatchFlaggedOrStrictError) {
  expect_flagged_or_strict_error(
      "r 2 100 3\nr.dat 16 100 16 0 1 7 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
      &WfdbSignalInfo::checksum_ok, {false, true},
      {"@hea", "signal 0 (I)", "line 2", "checksum 7", "6 computed"});
}

TEST(WfdbErrors, InitialValueMismatchFlaggedOrStrictError) {
  expect_flagged_or_strict_error(
      "r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 16 100 16 0 5 -6 0 II\n",
      &WfdbSignalInfo::initial_value_ok, {true, false},
      {"signal 1 (II)", "initial value 5", "first sample is -1"});
}

TEST(WfdbErrors, InconsistentLayouts) {
  EXPECT_TRUE(header_fails("r/2 2 100 6\ns1 3\ns2 3\n",
                           {"s1.hea", "cannot open", "segment 's1' listed on", "r.hea line 2"}));
  // 16x2 for signal I: 3 frames hold 9 samples, the file has 6.
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16x2 100 16 0 1 6 0 I\nr.dat 16 100 16 0 -1 -6 0 II\n",
                           {"r.dat", "truncated", "3 frames of 3 samples", "line 2"}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16 100 16 0 1 6 0 I\nr.dat 212 100 16 0 -1 -6 0 II\n",
                           {"line 3", "format 212+0 here but 16+0 on line 2"}));
}

TEST(WfdbErrors, SignalFileOutsideTheRecordDirectoryIsRefused) {
  const std::string inside = "must be a file name inside the record's directory";
  EXPECT_TRUE(header_fails("r 2 100 3\n../../../etc/passwd 16\nr.dat 16\n",
                           {"line 2", "signal file '../../../etc/passwd'", inside}));
  EXPECT_TRUE(header_fails("r 2 100 3\nr.dat 16\n/etc/passwd 16\n",
                           {"line 3", "signal file '/etc/passwd'", inside}));
  EXPECT_TRUE(header_fails("r 2 100 3\nsub/../../r.dat 16\nr.dat 16\n",
                           {"line 2", "signal file 'sub/../../r.dat'", inside}));
}

TEST(WfdbErrors, FileNamesInsideTheDirectoryAreAccepted) {
  using detail::outside_dir_error;
  for (const char* ok : {"r.dat", "sub/r.dat", "a/b/c.mat", "..r.dat", "r..dat", "sub/..x", "~"}) {
    EXPECT_EQ(outside_dir_error("signal file", ok), "") << ok;
  }
  for (const char* bad : {"..", "../r.dat", "/r.dat", "sub/..", "sub/../r.dat", "a//../b"}) {
    EXPECT_NE(outside_dir_error("signal file", bad), "") << bad;
  }
  EXPECT_EQ(detail::path_inside("d/", "sub/r.dat", "signal file", "r.hea line 2"), "d/sub/r.dat");
  EXPECT_TRUE(throws_with([] { detail::path_inside("d/", "../x", "signal file", "r.hea line 2"); },
                          {"r.hea line 2: signal file '../x': must be a file name inside"}));
}

TEST(WfdbErrors, GarbageHeaderBytesAreEscapedAndCut) {
  // Terminal control bytes and a long field: quoted escaped and cut, never raw.
  EXPECT_TRUE(header_fails("r 2 1\x1b[2J\x07\xff 3\nr.dat 16\nr.dat 16\n",
                           {"line 1", "sampling frequency '1\\x1b[2J\\x07\\xff'"}));
  const std::string long_gain(500, '9');
  TempDir d;
  d.write("r.hea", "r 1 100 3\nr.dat 16 " + long_gain + "x\n");
  try {
    read_record(d.file("r"));
    ADD_FAILURE() << "no error for a 500-character gain";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(std::string(80, '9') + "..."), std::string::npos) << msg;
    EXPECT_EQ(msg.find(std::string(81, '9')), std::string::npos) << msg;
    for (char c : msg) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << msg;
  }
}

}  // namespace
}  // namespace acl::data
