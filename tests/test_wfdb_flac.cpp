// FLAC signal files (formats 508/516/524): layouts beyond the reference records (samples per
// frame, sample offset, length from the stream) and every bad input naming file and line.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

using testing::TempDir;
using testing::throws_with;

const std::string kDir = std::string(ACL_SOURCE_DIR) + "/tests/data/wfdb/";

// flac516.dat (2 channels of 200 16-bit samples) under the header `hea`, in a scratch folder.
struct FlacCase {
  TempDir d;
  explicit FlacCase(const std::string& hea, const std::string& dat = "") {
    d.write("f.hea", hea);
    d.write("f.dat", dat.empty() ? ::acl::testing::read_file(kDir + "flac516.dat") : dat);
  }
  Record read() const { return read_record(d.file("f")); }
};

const char* kSig = " 1000/mV 16 0 0 0 0 ";

TEST(WfdbFlac, SamplesPerFrameOffsetAndLengthFromTheStream) {
  const Record ref = read_record(kDir + "flac516");
  {
    FlacCase c(std::string("f 2 500 100\nf.dat 516x2") + kSig + "I\nf.dat 516x2" + kSig + "II\n");
    const Record r = c.read();
    ASSERT_EQ(r.signal_length(1), 200);
    EXPECT_EQ(r.signal_fs(1), 1000.0);
    for (int t = 0; t < 200; ++t) EXPECT_EQ(r.digital_lead(1)[t], ref.digital_lead(1)[t]) << t;
  }
  {
    FlacCase c(std::string("f 2 500\nf.dat 516+10") + kSig + "I\nf.dat 516+10" + kSig + "II\n");
    const Record r = c.read();
    ASSERT_EQ(r.n_samples, 190);  // the stream's 200 samples less the 10 skipped
    for (int t = 0; t < 190; ++t) EXPECT_EQ(r.digital_lead(0)[t], ref.digital_lead(0)[t + 10]);
  }
}

TEST(WfdbFlac, BadInputNamesFileAndLine) {
  const std::string two =
      std::string("f 2 500 200\nf.dat 516") + kSig + "I\nf.dat 516" + kSig + "II\n";
  {
    FlacCase c(two, std::string(400, '\1'));
    EXPECT_TRUE(throws_with([&] { c.read(); }, {"f.dat", "not a FLAC file", "line 2"}));
  }
  {
    const std::string flac = ::acl::testing::read_file(kDir + "flac516.dat");
    FlacCase c(two, flac.substr(0, flac.size() - 60));
    EXPECT_TRUE(throws_with([&] { c.read(); }, {"f.dat", "line 2"}));
  }
  {
    FlacCase c(std::string("f 1 500 200\nf.dat 516") + kSig + "I\n");
    EXPECT_TRUE(throws_with([&] { c.read(); }, {"f.dat", "2 channels", "1 signals", "line 2"}));
  }
  {
    FlacCase c(std::string("f 2 500 200\nf.dat 508") + kSig + "I\nf.dat 508" + kSig + "II\n");
    EXPECT_TRUE(throws_with([&] { c.read(); }, {"16 bits per sample", "format 508 allows 8"}));
  }
  {
    FlacCase c(std::string("f 2 500 100\nf.dat 516x2") + kSig + "I\nf.dat 516" + kSig + "II\n");
    EXPECT_TRUE(throws_with([&] { c.read(); },
                            {"f.hea line 3", "samples per frame 1", "differs from 2 on line 2"}));
  }
  {
    FlacCase c(std::string("f 2 500 300\nf.dat 516") + kSig + "I\nf.dat 516" + kSig + "II\n");
    EXPECT_TRUE(throws_with([&] { c.read(); },
                            {"f.dat", "truncated", "200 FLAC samples", "300 frames", "line 2"}));
  }
}

}  // namespace
}  // namespace acl::data
