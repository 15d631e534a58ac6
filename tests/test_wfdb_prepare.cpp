// acl_prepare on the new WFDB record kinds: a multi-frequency 12-lead record has each signal
// resampled from its own rate to the target rate; a skewed record loses only the frames its skew
// leaves invalid; a multi-segment record is prepared once (not its segments on their own) and
// refused when it has a gap; records that cannot be read (a truncated FLAC file, a multi-segment
// record whose segment is missing, a header naming a signal file outside its directory) are
// skipped and listed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "models/leads.h"
#include "tests/test_wfdb_util.h"
#include "train/cache/cache_reader.h"
#include "train/data/signal_quality.h"
#include "train/data/wfdb_record.h"
#include "train/prepare/prepare.h"
#include "train/prepare/record_preprocess.h"

namespace acl::prepare {
namespace {

namespace fs = std::filesystem;
using data::testing::int16_bytes;
using data::testing::TempDir;

constexpr double kPi = 3.14159265358979323846;

double wave(int lead, double t_s) {
  return std::sin(2 * kPi * 3.0 * t_s + 0.4 * lead) + 0.3 * std::cos(2 * kPi * 7.0 * t_s);
}

// 12 leads at frame rate 250 Hz, 10 s: the limb leads at 1 sample per frame (250 Hz), V1-V6 at 2
// (500 Hz), format 16, 1000 ADC units per mV, in file order.
void write_multirate_record(const TempDir& d, const std::string& name) {
  const int frames = 2500;
  const auto& names = leads::lead_names();
  std::vector<int> spf(12), samples;
  for (int k = 0; k < 12; ++k) spf[k] = k < 6 ? 1 : 2;
  std::vector<uint32_t> sums(12, 0);
  std::vector<int> first(12, 0);
  for (int f = 0; f < frames; ++f) {
    for (int k = 0; k < 12; ++k) {
      for (int j = 0; j < spf[k]; ++j) {
        const double t = (f * spf[k] + j) / (250.0 * spf[k]);
        const int v = static_cast<int>(std::lround(1000.0 * wave(k, t)));
        if (f == 0 && j == 0) first[k] = v;
        sums[k] += static_cast<uint32_t>(v);
        samples.push_back(v);
      }
    }
  }
  std::string hea = name + " 12 250 " + std::to_string(frames) + "\n";
  for (int k = 0; k < 12; ++k) {
    hea += name + ".dat 16x" + std::to_string(spf[k]) + " 1000/mV 16 0 " +
           std::to_string(first[k]) + " " + std::to_string(sums[k] & 0xffff) + " 0 " + names[k] +
           "\n";
  }
  d.write(name + ".hea", hea);
  d.write(name + ".dat", int16_bytes(samples));
}

PrepareOptions plain_options(const std::string& out) {
  PrepareOptions o;
  o.out = out;
  o.fs = 100.0;
  o.seconds = 10.0;
  o.bandpass = false;
  o.standardize = false;
  o.threads = 1;
  o.progress = false;
  return o;
}

TEST(WfdbPrepare, MultiFrequencySignalsEachResampledToTheTargetRate) {
  TempDir d;
  write_multirate_record(d, "mr");
  data::ReadOptions strict;
  strict.strict = true;
  const data::Record r = data::read_record(d.file("mr"), strict);
  ASSERT_FALSE(r.uniform_rate());
  ASSERT_EQ(r.signal_length(11), 5000);
  const PreparedRecord p = preprocess_record(r, plain_options(d.file("unused")));
  ASSERT_EQ(p.signal.size(), 12u * 1000u);
  double worst = 0.0;
  for (int k = 0; k < 12; ++k) {
    for (int t = 50; t < 950; ++t) {  // away from the edges
      const double want = wave(k, t / 100.0);
      worst = std::max(worst, std::fabs(p.signal[static_cast<size_t>(k * 1000 + t)] - want));
    }
  }
  EXPECT_LT(worst, 2e-3) << "largest error in mV";
}

TEST(WfdbPrepare, UnreadableRecordsAreSkippedAndListed) {
  TempDir src;
  write_multirate_record(src, "good");
  const std::string wfdb_dir = std::string(ACL_SOURCE_DIR) + "/tests/data/wfdb/";
  fs::copy_file(wfdb_dir + "flac516.hea", src.file("flac516.hea"));
  std::string flac = ::acl::testing::read_file(wfdb_dir + "flac516.dat");
  src.write("flac516.dat", flac.substr(0, flac.size() / 2));
  src.write("ms.hea", "ms/2 12 250 20\nms_1 10\nms_2 10\n");  // neither segment exists
  src.write("xesc.hea", "xesc 1 250 20\n../good.dat 16 200 16 0 0 0 0 I\n");
  TempDir out;
  const PrepareSummary s = prepare_wfdb_dir(src.path(), false, plain_options(out.file("cache")));
  EXPECT_EQ(s.prepared, 1);
  ASSERT_EQ(s.bad.size(), 3u);
  EXPECT_EQ(s.bad[0].record, "flac516");
  EXPECT_NE(s.bad[0].reason.find("flac516.dat"), std::string::npos) << s.bad[0].reason;
  EXPECT_EQ(s.bad[1].record, "ms");
  EXPECT_NE(s.bad[1].reason.find("ms_1.hea"), std::string::npos) << s.bad[1].reason;
  EXPECT_NE(s.bad[1].reason.find("ms.hea line 2"), std::string::npos) << s.bad[1].reason;
  EXPECT_EQ(s.bad[2].record, "xesc");
  EXPECT_NE(s.bad[2].reason.find("xesc.hea line 2: signal file '../good.dat': must be a file name"),
            std::string::npos)
      << s.bad[2].reason;
}

void copy_test_records(const TempDir& d, const std::vector<std::string>& files) {
  const std::string wfdb_dir = std::string(ACL_SOURCE_DIR) + "/tests/data/wfdb/";
  for (const std::string& f : files) fs::copy_file(wfdb_dir + f, d.file(f));
}

// Leads I and II, 20 frames of format 16 at 100 Hz, II skewed by 2 frames; `invalid_at` >= 0 puts
// the format's invalid sample in lead I at that frame.
void write_skewed_pair(const TempDir& d, int invalid_at) {
  std::vector<int> samples;
  for (int f = 0; f < 20; ++f) {
    samples.push_back(f == invalid_at ? -32768 : 100 * (f % 5));
    samples.push_back(-50 * (f % 4));
  }
  d.write("sk.hea",
          "sk 2 100 20\nsk.dat 16 200/mV 16 0 0 0 0 I\nsk.dat 16:2 200/mV 16 0 0 0 0 II\n");
  d.write("sk.dat", int16_bytes(samples));
}

PrepareOptions raw_options(const std::string& out, double fs, int64_t frames) {
  PrepareOptions o = plain_options(out);
  o.fs = fs;
  o.seconds = static_cast<double>(frames) / fs;
  o.allow_missing_leads = true;
  return o;
}

TEST(WfdbPrepare, SkewedRecordLosesOnlyTheFramesTheSkewLeavesInvalid) {
  const std::string wfdb_dir = std::string(ACL_SOURCE_DIR) + "/tests/data/wfdb/";
  const data::Record r = data::read_record(wfdb_dir + "skew");
  ASSERT_EQ(r.n_samples, 150);
  ASSERT_EQ(skew_tail_frames(r), 3);
  ASSERT_FALSE(std::isfinite(r.lead(1)[149]));
  const data::Record t = without_last_frames(r, 3);
  EXPECT_EQ(t.n_samples, 147);
  EXPECT_TRUE(data::check_signal_quality(t).empty()) << data::check_signal_quality(t);
  // Stored at the record's own rate and length, the prepared leads are the first 147 frames.
  const PreparedRecord p = preprocess_record(r, raw_options("unused", 360.0, 147));
  EXPECT_NE(p.note.find("last 3 of 150 frames"), std::string::npos) << p.note;
  const int canonical[3] = {0, 1, 6};  // I, II, V1
  for (int i = 0; i < 3; ++i) {
    for (int f = 0; f < 147; ++f) {
      ASSERT_EQ(t.digital_lead(i)[f], r.digital_lead(i)[f]);
      ASSERT_EQ(p.signal[static_cast<size_t>(canonical[i] * 147 + f)], r.lead(i)[f])
          << "signal " << i << " frame " << f;
    }
  }
  TempDir src;
  copy_test_records(src, {"skew.hea", "skew.dat"});
  TempDir out;
  const PrepareSummary s =
      prepare_wfdb_dir(src.path(), false, raw_options(out.file("cache"), 360.0, 147));
  EXPECT_EQ(s.prepared, 1);
  EXPECT_TRUE(s.bad.empty());
  ASSERT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.notes[0].record, "skew");
  const std::string notes = ::acl::testing::read_file(s.notes_file);
  EXPECT_NE(notes.find("skew\t"), std::string::npos) << notes;
  EXPECT_NE(notes.find("last 3 of 150 frames"), std::string::npos) << notes;
}

TEST(WfdbPrepare, SkewedRecordWithAnInvalidSampleElsewhereIsStillRefused) {
  TempDir clean, dirty;
  write_skewed_pair(clean, -1);
  write_skewed_pair(dirty, 7);
  const PrepareOptions o = raw_options("unused", 100.0, 18);
  const data::Record c = data::read_record(clean.file("sk"));
  ASSERT_EQ(skew_tail_frames(c), 2);
  EXPECT_EQ(preprocess_record(c, o).signal.size(), 12u * 18u);
  const data::Record d = data::read_record(dirty.file("sk"));
  try {
    preprocess_record(d, o);
    FAIL() << "a NaN outside the skew's tail was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("first at sample 7"), std::string::npos) << e.what();
  }
}

TEST(WfdbPrepare, SegmentHeadersArePreparedOnlyInsideTheirMultiSegmentRecord) {
  TempDir src;
  copy_test_records(src, {"fixseg.hea", "fixseg_1.hea", "fixseg_1.dat", "fixseg_2.hea",
                          "fixseg_2.dat", "varseg.hea", "varseg_layout.hea", "varseg_1.hea",
                          "varseg_1.dat", "varseg_2.hea", "varseg_2.dat", "fmt8.hea", "fmt8.dat"});
  TempDir out;
  const PrepareSummary s =
      prepare_wfdb_dir(src.path(), false, raw_options(out.file("cache"), 250.0, 130));
  std::vector<std::string> names;
  const cache::CacheReader c(out.file("cache"));
  for (int64_t i = 0; i < c.size(); ++i) names.push_back(c.name(i));
  for (const BadRecord& b : s.bad) names.push_back(b.record);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"fixseg", "fmt8", "varseg"}));
  // varseg's first segment lacks lead I: refused, with the gap named.
  ASSERT_EQ(s.bad.size(), 1u) << s.bad[0].reason;
  EXPECT_EQ(s.bad[0].record, "varseg");
  EXPECT_NE(s.bad[0].reason.find("signal I has no valid sample at frame 0, in the segment "
                                 "'varseg_1' on line 3 (frames 0-69)"),
            std::string::npos)
      << s.bad[0].reason;
  EXPECT_EQ(s.prepared, 2);
}

TEST(WfdbPrepare, MultiSegmentGapNamesTheSegmentLackingASignal) {
  const std::string wfdb_dir = std::string(ACL_SOURCE_DIR) + "/tests/data/wfdb/";
  const data::Record fixed = data::read_record(wfdb_dir + "fixseg");
  EXPECT_EQ(multisegment_gap(fixed), "");
  data::Record r = data::read_record(wfdb_dir + "varseg");
  // With lead I filled in where varseg_1 lacks it, the first gap is the null segment.
  const int lead_i = r.find_lead("I");
  ASSERT_GE(lead_i, 0);
  std::fill_n(r.physical.begin() + r.signal_offset(lead_i), 70, 0.0f);
  const std::string null_gap = multisegment_gap(r);
  EXPECT_NE(null_gap.find("varseg.hea: gap: signal I has no valid sample at frame 70, in the null "
                          "segment '~' on line 4 (frames 70-99)"),
            std::string::npos)
      << null_gap;
  // A signal a segment lacks (V1 in frames 60-69 of varseg_1, line 3) comes first when earlier.
  const int v1 = r.find_lead("V1");
  ASSERT_GE(v1, 0);
  for (int f = 60; f < 70; ++f) r.physical[static_cast<size_t>(r.signal_offset(v1) + f)] = NAN;
  const std::string lacking = multisegment_gap(r);
  EXPECT_NE(lacking.find("signal V1 has no valid sample at frame 60, in the segment 'varseg_1' on "
                         "line 3 (frames 0-69)"),
            std::string::npos)
      << lacking;
}

}  // namespace
}  // namespace acl::prepare
