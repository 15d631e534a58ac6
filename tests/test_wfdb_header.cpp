// WFDB header parser on hand-written headers: every field, the WFDB defaults and the CinC, MIT
// and PTB-XL quirks. (Bad headers: test_wfdb_errors.cpp; the real files: test_wfdb_quirks.cpp.)
#include <gtest/gtest.h>

#include <iterator>

#include "tests/test_wfdb_util.h"
#include "train/data/wfdb_header.h"

namespace acl::data {
namespace {

TEST(WfdbHeader, AllFieldsOfAStandardHeader) {
  const std::string text =
      "00005_hr 12 500 5000 10:43:15 17/11/1984\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 -40 47543 0 I\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 -575 53109 0 II\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 -535 5521 0 III\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 308 15232 0 AVR\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 248 53905 0 AVL\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 -555 62164 0 AVF\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 200 7634 0 V1\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 250 434 0 V2\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 130 63887 0 V3\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 165 10435 0 V4\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 135 325 0 V5\n"
      "00005_hr.dat 16 1000.0(0)/mV 16 0 115 212 0 V6\n"
      "# Age: 19\n";
  WfdbHeader h = parse_wfdb_header(text, "00005_hr.hea");
  EXPECT_EQ(h.record_name, "00005_hr");
  EXPECT_EQ(h.n_sig, 12);
  EXPECT_EQ(h.fs, 500.0);
  EXPECT_EQ(h.n_samples, 5000);
  EXPECT_EQ(h.base_time, "10:43:15");
  EXPECT_EQ(h.base_date, "17/11/1984");
  ASSERT_EQ(h.signals.size(), 12u);
  const WfdbSignalSpec& s = h.signals[1];
  EXPECT_EQ(s.file_name, "00005_hr.dat");
  EXPECT_EQ(s.format, 16);
  EXPECT_EQ(s.byte_offset, 0);
  EXPECT_EQ(s.gain, 1000.0);
  EXPECT_FALSE(s.gain_defaulted);
  EXPECT_EQ(s.baseline, 0);
  EXPECT_EQ(s.units, "mV");
  EXPECT_EQ(s.adc_resolution, 16);
  EXPECT_EQ(s.adc_zero, 0);
  EXPECT_TRUE(s.has_initial_value);
  EXPECT_EQ(s.initial_value, -575);
  EXPECT_TRUE(s.has_checksum);
  EXPECT_EQ(s.checksum, 53109);  // unsigned, as written
  EXPECT_EQ(s.block_size, 0);
  EXPECT_EQ(s.description, "II");
  EXPECT_EQ(s.line, 3);
  EXPECT_EQ(h.signals[11].description, "V6");
  EXPECT_EQ(h.comments, (std::vector<std::string>{"Age: 19"}));
}

TEST(WfdbHeader, WfdbDefaults) {
  WfdbHeader h = parse_wfdb_header("rec 2\nrec.dat 212\nrec.dat 212 0 12 1024\n", "rec.hea");
  EXPECT_EQ(h.fs, 250.0);
  EXPECT_EQ(h.n_samples, -1);
  EXPECT_EQ(h.base_time, "");
  const WfdbSignalSpec& a = h.signals[0];
  EXPECT_EQ(a.gain, 200.0);  // missing gain
  EXPECT_TRUE(a.gain_defaulted);
  EXPECT_EQ(a.units, "mV");
  EXPECT_EQ(a.baseline, 0);
  EXPECT_FALSE(a.has_initial_value);
  EXPECT_FALSE(a.has_checksum);
  EXPECT_EQ(a.description, "");
  const WfdbSignalSpec& b = h.signals[1];
  EXPECT_EQ(b.gain, 200.0);  // gain 0
  EXPECT_TRUE(b.gain_defaulted);
  EXPECT_EQ(b.adc_resolution, 12);
  EXPECT_EQ(b.adc_zero, 1024);
  EXPECT_EQ(b.baseline, 1024);  // missing baseline = ADC zero
}

TEST(WfdbHeader, GainBaselineUnitsVariants) {
  WfdbHeader h = parse_wfdb_header(
      "r 5 200 8235\n"
      "r.dat 16 38777.46675997201(-199006)/mV 16 0 -8918 24065 0 I\n"
      "r.dat 16 1716(6)/mV 0 0 -120 -32198 0 i\n"
      "r.dat 16 1000/mv 16 0 0 0 0 V1\n"
      "r.dat 16 2.5/uV 16 7 0 0 0 lead with spaces  in name\n"
      "r.dat 16 100(-3)/mmHg 12 5 0 0 0 ABP\n",
      "r.hea");
  EXPECT_EQ(h.signals[0].gain, 38777.46675997201);
  EXPECT_EQ(h.signals[0].baseline, -199006);
  EXPECT_EQ(h.signals[1].gain, 1716.0);
  EXPECT_EQ(h.signals[1].baseline, 6);
  EXPECT_EQ(h.signals[1].adc_resolution, 0);
  EXPECT_EQ(h.signals[1].checksum, -32198);  // signed, as written
  EXPECT_EQ(h.signals[2].units, "mV");       // "/mv" normalised
  EXPECT_EQ(h.signals[3].units, "uV");
  EXPECT_EQ(h.signals[3].baseline, 7);  // no "(baseline)": ADC zero
  EXPECT_EQ(h.signals[3].description, "lead with spaces  in name");
  EXPECT_EQ(h.signals[4].units, "mmHg");
  EXPECT_EQ(h.signals[4].baseline, -3);
}

TEST(WfdbHeader, FormatFieldVariants) {
  WfdbHeader h = parse_wfdb_header(
      "r 4\nr.mat 16+24\nr.mat 16x1+24\nq.dat 212x2:3+100\np.dat 80:7\n", "r.hea");
  struct Want {
    int format, samples_per_frame, skew;
    int64_t byte_offset;
  };
  const Want want[] = {{16, 1, 0, 24}, {16, 1, 0, 24}, {212, 2, 3, 100}, {80, 1, 7, 0}};
  ASSERT_EQ(h.signals.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(h.signals[i].format, want[i].format) << i;
    EXPECT_EQ(h.signals[i].samples_per_frame, want[i].samples_per_frame) << i;
    EXPECT_EQ(h.signals[i].skew, want[i].skew) << i;
    EXPECT_EQ(h.signals[i].byte_offset, want[i].byte_offset) << i;
  }
}

TEST(WfdbHeader, FrequencyWithCounter) {
  WfdbHeader h = parse_wfdb_header("r 1 360/1000(5) 10\nr.dat 16\n", "r.hea");
  EXPECT_EQ(h.fs, 360.0);
  EXPECT_EQ(h.counter_freq, 1000.0);
  EXPECT_EQ(h.base_counter, 5.0);
  EXPECT_EQ(h.n_samples, 10);
  h = parse_wfdb_header("r 1 128.5/64\nr.dat 16\n", "r.hea");
  EXPECT_EQ(h.fs, 128.5);
  EXPECT_EQ(h.counter_freq, 64.0);
}

TEST(WfdbHeader, CincRecordLineWithFileNameAndDateBeforeTime) {
  WfdbHeader h = parse_wfdb_header(
      "E00271.mat 2 500 5000 05-May-2020 14:50:55\n"
      "E00271.mat 16+24 1000/mV 16 0 0 15270 0 I\n"
      "E00271.mat 16+24 1000/mV 16 0 -73 -27210 0 II\n"
      "#Age: 83\n#Sex: Female\n#Dx: 59118001\n",
      "E00271.hea");
  EXPECT_EQ(h.record_name, "E00271");
  EXPECT_EQ(h.base_date, "05-May-2020");
  EXPECT_EQ(h.base_time, "14:50:55");
  EXPECT_EQ(h.comments, (std::vector<std::string>{"Age: 83", "Sex: Female", "Dx: 59118001"}));
  EXPECT_EQ(h.signals[1].checksum, -27210);
}

TEST(WfdbHeader, CommentsBeforeRecordLineCrlfAndBlankLines) {
  // The layout of MIT-BIH 100.hea: comment first, CRLF and LF mixed, a blank line between
  // signal lines, comments after.
  WfdbHeader h = parse_wfdb_header(
      "# unnecessary comment\n100 2 360 650000\r\n"
      "100.dat 212 200 11 1024 995 -22131 0 MLII\n\r\n"
      "100.dat 212 200 11 1024 1011 20052 0 V5\r\n#69 M 1085 1629 x1\r\n\r\n",
      "100.hea");
  EXPECT_EQ(h.record_name, "100");
  EXPECT_EQ(h.record_line, 2);
  ASSERT_EQ(h.signals.size(), 2u);
  EXPECT_EQ(h.signals[0].description, "MLII");
  EXPECT_EQ(h.signals[1].description, "V5");  // no trailing CR
  EXPECT_EQ(h.signals[1].line, 5);
  EXPECT_EQ(h.signals[1].baseline, 1024);
  EXPECT_EQ(h.comments, (std::vector<std::string>{"unnecessary comment", "69 M 1085 1629 x1"}));
}

TEST(WfdbHeader, MultiSegmentHeaderIsParsed) {
  WfdbHeader h = parse_wfdb_header("multi/3 2 125 3000\nseg1 1000\n~ 500\nseg3 1500\n", "m.hea");
  EXPECT_EQ(h.record_name, "multi");
  EXPECT_EQ(h.n_segments, 3);
  ASSERT_EQ(h.segments.size(), 3u);
  EXPECT_EQ(h.segments[1].name, "~");
  EXPECT_EQ(h.segments[2].n_samples, 1500);
  EXPECT_TRUE(h.signals.empty());
}

TEST(WfdbHeader, HeaderPathAndUnits) {
  EXPECT_EQ(wfdb_header_path("d/100"), "d/100.hea");
  EXPECT_EQ(wfdb_header_path("d/100.hea"), "d/100.hea");
  const std::vector<std::pair<std::string, std::string>> units = {
      {"mv", "mV"}, {"MV", "mV"}, {"uv", "uV"}, {"\xc2\xb5V", "uV"}, {"mmHg", "mmHg"}};
  for (const auto& [text, want] : units) EXPECT_EQ(normalize_units(text), want) << text;
  const std::vector<std::pair<std::string, double>> scale = {
      {"mV", 1.0}, {"uV", 1e-3}, {"V", 1e3}, {"mmHg", 0.0}};
  for (const auto& [u, want] : scale) EXPECT_EQ(units_to_mv(u), want) << u;
}

}  // namespace
}  // namespace acl::data
