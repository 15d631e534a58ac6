// Record reader on records the test writes: several signal files with different formats and an
// offset, gains/baselines/units to mV, invalid samples, checksums, length from the file size,
// path spellings, and a CinC-style MATLAB v4 file.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/test_wfdb_util.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

using testing::int16_bytes;
using testing::TempDir;

// Two files: a.dat (format 16: I, II) and b.dat (format 212 after 4 junk bytes: V5, x).
void write_two_file_record(const TempDir& d, const std::string& cs_i = "9") {
  d.write("rec.hea",
          "# synthetic record\n"
          "rec 4 100 3\n"
          "a.dat 16 100(10)/mV 12 0 5 " +
              cs_i +
              " 0 I\n"
              "a.dat 16 200/uV 12 0 -7 32760 0 II\n"
              "b.dat 212+4 0(1024) 12 0 995 1989 0 V5\n"
              "b.dat 212+4 400/V 12 0 1011 -26 0 x\n");
  d.write("a.dat", int16_bytes({5, -7, 7, 0, -3, 32767}));
  d.write("b.dat", std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef,  // skipped by the +4 offset
                                        0xe3, 0x33, 0xf3, 0xe3, 0x33, 0xf3, 0xff, 0x8f, 0x00});
}

TEST(WfdbRecord, TwoSignalFilesFormatsOffsetsAndUnits) {
  TempDir d;
  write_two_file_record(d);
  Record r = read_record(d.file("rec"));
  EXPECT_EQ(r.name, "rec");
  EXPECT_EQ(r.n_sig, 4);
  EXPECT_EQ(r.n_samples, 3);
  EXPECT_EQ(r.fs, 100.0);
  EXPECT_EQ(r.lead_names(), (std::vector<std::string>{"I", "II", "V5", "x"}));
  // Lead-major digital: each file de-interleaved into its signals.
  EXPECT_EQ(r.digital,
            (std::vector<int32_t>{5, 7, -3, -7, 0, 32767, 995, 995, -1, 1011, 1011, -2048}));
  ASSERT_EQ(r.physical.size(), 12u);
  const double want[12] = {-0.05,  -0.03,  -0.13,  -3.5e-5, 0.0,    0.163835,
                           -0.145, -0.145, -5.125, 2527.5,  2527.5, NAN};
  for (int k = 0; k < 11; ++k) {
    EXPECT_NEAR(r.physical[k], want[k], 1e-7 * std::fabs(want[k]) + 1e-9) << "element " << k;
  }
  EXPECT_TRUE(std::isnan(r.physical[11]));  // -2048 is format 212's invalid sample
  EXPECT_EQ(r.signals[1].units, "uV");
  EXPECT_EQ(r.signals[1].physical_units, "mV");
  EXPECT_EQ(r.signals[3].physical_units, "mV");
  EXPECT_EQ(r.signals[2].gain, 200.0);  // gain 0 -> 200
  EXPECT_EQ(r.signals[2].baseline, 1024);
  EXPECT_EQ(r.signals[2].byte_offset, 4);
  for (const auto& s : r.signals) {
    EXPECT_TRUE(s.checksum_ok) << s.description;
    EXPECT_TRUE(s.initial_value_ok) << s.description;
  }
  EXPECT_EQ(r.signals[3].checksum_computed, 65510);  // -26 mod 2^16
  EXPECT_EQ(r.lead(2)[1], r.physical[7]);
  EXPECT_EQ(r.digital_lead(3)[0], 1011);
  EXPECT_EQ(r.header.comments, (std::vector<std::string>{"synthetic record"}));
}

TEST(WfdbRecord, ChecksumMismatchIsFlagged) {
  TempDir d;
  write_two_file_record(d, "10");  // the true sum is 9
  Record r = read_record(d.file("rec"));
  EXPECT_FALSE(r.signals[0].checksum_ok);
  EXPECT_EQ(r.signals[0].checksum_computed, 9);
  EXPECT_TRUE(r.signals[1].checksum_ok);
  EXPECT_FALSE(r.all_checksums_ok());
}

TEST(WfdbRecord, PathSpellingsAndDigitalOnly) {
  TempDir d;
  write_two_file_record(d);
  Record a = read_record(d.file("rec.hea"));
  Record b = read_record(d.file("rec.dat"));
  EXPECT_EQ(a.digital, b.digital);
  ReadOptions digital_only;
  digital_only.physical = false;
  Record c = read_record(d.file("rec"), digital_only);
  EXPECT_TRUE(c.physical.empty());
  EXPECT_EQ(c.digital, a.digital);
  compute_physical(c);
  EXPECT_EQ(c.physical.size(), a.physical.size());
  EXPECT_EQ(c.physical[0], a.physical[0]);
}

TEST(WfdbRecord, FindLeadIgnoresCaseAndSpelling) {
  TempDir d;
  d.write("r.hea",
          "r 3 500 2\nr.dat 16 1000 16 0 0 0 0 avr\nr.dat 16 1000 16 0 0 0 0 v2\n"
          "r.dat 16 1000 16 0 0 0 0 II\n");
  d.write("r.dat", int16_bytes({0, 0, 0, 0, 0, 0}));
  Record r = read_record(d.file("r"));
  EXPECT_EQ(r.find_lead("aVR"), 0);
  EXPECT_EQ(r.find_lead("AVR"), 0);
  EXPECT_EQ(r.find_lead("V2"), 1);
  EXPECT_EQ(r.find_lead("ii"), 2);
  EXPECT_EQ(r.find_lead("V6"), -1);
}

TEST(WfdbRecord, LengthFromFileSizeWhenHeaderOmitsIt) {
  TempDir d;
  d.write("r.hea", "r 2 250\nr.dat 80\nr.dat 80\n");
  d.write("r.dat", std::vector<uint8_t>{0x80, 0x81, 0x7f, 0x90, 0x00, 0xff, 0x42});  // 7 bytes
  Record r = read_record(d.file("r"));
  EXPECT_EQ(r.n_samples, 3);  // the odd last byte is no whole frame
  EXPECT_EQ(r.digital, (std::vector<int32_t>{0, -1, -128, 1, 16, 127}));
  EXPECT_TRUE(std::isnan(r.lead(0)[2]));  // -128 is format 80's invalid sample
  EXPECT_FLOAT_EQ(r.lead(1)[2], 127.0f / 200.0f);
}

TEST(WfdbRecord, CincStyleMatFile) {
  TempDir d;
  d.write("m.hea",
          "m.mat 2 500 3 05-May-2020 14:50:55\nm.mat 16+24 1000/mV 16 0 1 2 0 I\n"
          "m.mat 16x1+24 1000.0(0)/mv 16 0 -4 -12 0 II\n#Dx: 426783006\n");
  std::vector<uint8_t> mat = {30, 0, 0, 0, 2, 0, 0, 0, 3,   0,   0,   0,
                              0,  0, 0, 0, 4, 0, 0, 0, 'v', 'a', 'l', 0};
  // Column-major (signals x samples): column t holds sample t of every signal.
  for (uint8_t b : int16_bytes({1, -4, 0, -5, 1, -3})) mat.push_back(b);
  d.write("m.mat", mat);
  Record r = read_record(d.file("m.mat"));
  EXPECT_EQ(r.name, "m");
  EXPECT_EQ(r.digital, (std::vector<int32_t>{1, 0, 1, -4, -5, -3}));
  EXPECT_FLOAT_EQ(r.lead(1)[1], -0.005f);
  EXPECT_EQ(r.signals[1].units, "mV");
  EXPECT_TRUE(r.all_checksums_ok());
}

}  // namespace
}  // namespace acl::data
