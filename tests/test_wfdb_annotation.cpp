// MIT-format annotation reader: a hand-built stream exercising SKIP (both signs), AUX padding,
// NUM/SUB/CHN and the end word; malformed streams; the real MIT-BIH 100/100s and CPSC 2021
// data_8_4 annotation files with exact counts per type.
#include <gtest/gtest.h>

#include <map>

#include "tests/test_wfdb_util.h"
#include "train/data/wfdb_annotation.h"

namespace acl::data {
namespace {

using testing::throws_with;

void word(std::vector<uint8_t>& b, int code, int interval) {
  const int w = (code << 10) | interval;
  b.push_back(static_cast<uint8_t>(w & 0xff));
  b.push_back(static_cast<uint8_t>(w >> 8));
}

TEST(WfdbAnnotation, HandBuiltStream) {
  std::vector<uint8_t> b;
  word(b, ann::kRhythm, 5);  // '+' at 5
  word(b, ann::kAux, 3);
  b.insert(b.end(), {'(', 'N', 0, 0});  // 3 bytes + 1 pad
  word(b, ann::kNormal, 100);           // N at 105
  word(b, ann::kSkip, 0);               // +100000 = 0x000186a0: high word first
  b.insert(b.end(), {0x01, 0x00, 0xa0, 0x86});
  word(b, ann::kPvc, 7);  // V at 100112
  word(b, ann::kSub, 2);
  word(b, ann::kChn, 1);
  word(b, ann::kNum, 3);
  word(b, ann::kNormal, 1023);  // N at 101135; chan and num carry over, subtype does not
  word(b, ann::kSkip, 0);       // -50 = 0xffffffce
  b.insert(b.end(), {0xff, 0xff, 0xce, 0xff});
  word(b, ann::kApc, 0);  // A at 101085
  word(b, ann::kAux, 5);
  b.insert(b.end(), {'(', 'A', 'F', 'I', 'B', 0});  // odd length, padded
  b.insert(b.end(), {0x00, 0x00, 0x12, 0x34});      // end word, then bytes that are ignored

  auto a = parse_annotations(b, "hand.atr");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].sample, 5);
  EXPECT_EQ(a[0].code, ann::kRhythm);
  EXPECT_EQ(a[0].aux, "(N");
  EXPECT_EQ(a[1].sample, 105);
  EXPECT_EQ(a[1].aux, "");
  EXPECT_EQ(a[2].sample, 100112);
  EXPECT_EQ(a[2].code, ann::kPvc);
  EXPECT_EQ(a[2].subtype, 2);
  EXPECT_EQ(a[2].chan, 1);
  EXPECT_EQ(a[2].num, 3);
  EXPECT_EQ(a[3].sample, 101135);
  EXPECT_EQ(a[3].subtype, 0);
  EXPECT_EQ(a[3].chan, 1);
  EXPECT_EQ(a[3].num, 3);
  EXPECT_EQ(a[4].sample, 101085);
  EXPECT_EQ(a[4].code, ann::kApc);
  EXPECT_EQ(a[4].aux, "(AFIB");
  EXPECT_EQ(beat_samples(a), (std::vector<int64_t>{105, 100112, 101135, 101085}));
}

TEST(WfdbAnnotation, MalformedStreams) {
  std::vector<uint8_t> b;
  word(b, ann::kNormal, 1);
  word(b, ann::kSkip, 0);
  b.insert(b.end(), {0x00, 0x00});
  EXPECT_TRUE(throws_with([&] { parse_annotations(b, "s.atr"); }, {"s.atr", "byte 2", "SKIP"}));
  b.clear();
  word(b, ann::kNormal, 1);
  word(b, ann::kAux, 9);
  b.insert(b.end(), {'a', 'b'});
  EXPECT_TRUE(throws_with([&] { parse_annotations(b, "a.atr"); }, {"a.atr", "AUX of 9 bytes"}));
  b.clear();
  word(b, ann::kChn, 1);
  EXPECT_TRUE(
      throws_with([&] { parse_annotations(b, "c.atr"); }, {"c.atr", "CHN before any annotation"}));
  b.clear();
  word(b, 55, 1);
  EXPECT_TRUE(throws_with([&] { parse_annotations(b, "x.atr"); }, {"x.atr", "code 55"}));
}

TEST(WfdbAnnotation, SymbolsAndBeatCodes) {
  EXPECT_EQ(annotation_symbol(ann::kNormal), "N");
  EXPECT_EQ(annotation_symbol(ann::kPvc), "V");
  EXPECT_EQ(annotation_symbol(ann::kApc), "A");
  EXPECT_EQ(annotation_symbol(ann::kRhythm), "+");
  EXPECT_EQ(annotation_symbol(ann::kNapc), "x");
  EXPECT_EQ(annotation_symbol(ann::kPace), "/");
  EXPECT_EQ(annotation_symbol(60), "");
  std::string beats;
  for (int c = 0; c <= ann::kMaxCode; ++c) {
    if (is_beat_code(c)) beats += annotation_symbol(c);
  }
  EXPECT_EQ(beats, "NLRaVFJASEj/QB?enfr");
}

std::map<std::string, int> count_by_symbol(const std::vector<Annotation>& a) {
  std::map<std::string, int> m;
  for (const auto& x : a) ++m[annotation_symbol(x.code)];
  return m;
}

TEST(WfdbAnnotationReal, MitBih100) {
  ACL_REQUIRE_TEST_DATA(dir);
  auto a = read_annotations(dir + "/wfdb212_mitdb_2lead/100.atr");
  // 2274 annotations: the rhythm annotation "(N" at sample 18 and 2273 beats (2239 N, 33 A,
  // 1 V), the published beat table of MIT-BIH record 100.
  EXPECT_EQ(a.size(), 2274u);
  EXPECT_EQ(count_by_symbol(a),
            (std::map<std::string, int>{{"N", 2239}, {"A", 33}, {"V", 1}, {"+", 1}}));
  EXPECT_EQ(beat_samples(a).size(), 2273u);
  EXPECT_EQ(a[0].sample, 18);
  EXPECT_EQ(a[0].code, ann::kRhythm);
  EXPECT_EQ(a[0].aux, "(N");
  EXPECT_EQ(a[1].sample, 77);
  EXPECT_EQ(a[2].sample, 370);
  EXPECT_EQ(a[3].sample, 662);
  EXPECT_EQ(a.back().sample, 649991);
  for (size_t i = 1; i < a.size(); ++i) ASSERT_GT(a[i].sample, a[i - 1].sample) << i;

  // 100s is the first minute (21600 samples) of 100: the same annotations up to there.
  auto s = read_annotations(dir + "/wfdb212_mitdb_2lead/100s.atr");
  EXPECT_EQ(s.size(), 75u);
  EXPECT_EQ(count_by_symbol(s), (std::map<std::string, int>{{"N", 73}, {"A", 1}, {"+", 1}}));
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].sample, a[i].sample) << i;
    EXPECT_EQ(s[i].code, a[i].code) << i;
  }
  EXPECT_GE(a[s.size()].sample, 21600);
}

TEST(WfdbAnnotationReal, Cpsc2021Data84) {
  ACL_REQUIRE_TEST_DATA(dir);
  auto a = read_annotations(dir + "/wfdb16_cpsc2021_2lead/data_8_4.atr");
  EXPECT_EQ(a.size(), 53u);
  EXPECT_EQ(count_by_symbol(a), (std::map<std::string, int>{{"N", 51}, {"+", 2}}));
  EXPECT_EQ(a.front().sample, 0);
  EXPECT_EQ(a.front().aux, "(AFIB");
  EXPECT_EQ(a.back().sample, 8234);
  EXPECT_EQ(a.back().aux, "(N");
  auto beats = beat_samples(a);
  ASSERT_EQ(beats.size(), 51u);
  EXPECT_EQ(beats[0], 30);
  EXPECT_EQ(beats[1], 147);
  EXPECT_EQ(beats[2], 285);
  EXPECT_EQ(beats.back(), 8205);
  EXPECT_EQ(a[1].aux, "None");  // wfdb-python wrote "None" on every beat
}

}  // namespace
}  // namespace acl::data
