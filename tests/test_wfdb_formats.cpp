// Sample decoders on hand-computed byte patterns (sign extension, the packed formats' bit layout,
// odd counts that end inside a packed group) and their byte-count bookkeeping.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/wfdb_formats.h"

namespace acl::data {
namespace {

using testing::throws_with;

std::vector<int32_t> decode(int format, const std::vector<uint8_t>& bytes, int64_t n) {
  std::vector<int32_t> out(static_cast<size_t>(n) + 1, 0x7eadbeef);  // guard past the end
  decode_samples(format, bytes.data(), bytes.size(), n, out.data());
  EXPECT_EQ(out.back(), 0x7eadbeef) << "format " << format << " wrote past n samples";
  out.pop_back();
  return out;
}

TEST(WfdbFormats, SixteenBitAndWider) {
  EXPECT_EQ(decode(16, {0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f}, 4),
            (std::vector<int32_t>{1, -1, -32768, 32767}));
  EXPECT_EQ(decode(61, {0x00, 0x01, 0xff, 0xfe, 0x80, 0x00}, 3),
            (std::vector<int32_t>{1, -2, -32768}));
  EXPECT_EQ(decode(160, {0x00, 0x80, 0x01, 0x00, 0xff, 0xff}, 3),
            (std::vector<int32_t>{0, -32767, 32767}));
  EXPECT_EQ(decode(24, {0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x80, 0x56, 0x34, 0x12}, 4),
            (std::vector<int32_t>{1, -1, -8388608, 0x123456}));
  EXPECT_EQ(decode(32, {0x01, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x80}, 3),
            (std::vector<int32_t>{1, -2, INT32_MIN}));
  EXPECT_EQ(decode(80, {0x80, 0x00, 0xff, 0x81}, 4), (std::vector<int32_t>{0, -128, 127, 1}));
}

TEST(WfdbFormats, Format212) {
  // The first bytes of MIT-BIH 100.dat: e3 33 f3 -> 995 (0x3e3), 1011 (0x3f3).
  EXPECT_EQ(decode(212, {0xe3, 0x33, 0xf3, 0xe3, 0x33, 0xf3}, 4),
            (std::vector<int32_t>{995, 1011, 995, 1011}));
  // -1 (0xfff), -2048 (0x800), 2047 (0x7ff); the odd last sample uses bytes 0-1 of its group.
  EXPECT_EQ(decode(212, {0xff, 0x8f, 0x00, 0xff, 0x07}, 3),
            (std::vector<int32_t>{-1, -2048, 2047}));
}

TEST(WfdbFormats, Format310) {
  // Bytes from the byte-level description of the format: s0 = b0 bits 1-7 | b1 bits 0-2,
  // s1 = b2 bits 1-7 | b3 bits 0-2, s2 = b1 bits 3-7 | b3 bits 3-7.
  EXPECT_EQ(decode(310, {0x0a, 0x60, 0xfa, 0x4f, 0x00, 0xa4, 0xfe, 0xb3}, 6),
            (std::vector<int32_t>{5, -3, 300, -512, 511, -300}));
  EXPECT_EQ(decode(310, {0x02, 0xf8, 0x04, 0xf8, 0x0a, 0x60}, 4),
            (std::vector<int32_t>{1, 2, -1, 5}));
}

TEST(WfdbFormats, Format311) {
  // s0 = b0 | b1 bits 0-1, s1 = b1 bits 2-7 | b2 bits 0-3, s2 = b2 bits 4-7 | b3 bits 0-5.
  EXPECT_EQ(decode(311, {0x05, 0xf4, 0xcf, 0x12, 0x00, 0xfe, 0x47, 0x2d}, 6),
            (std::vector<int32_t>{5, -3, 300, -512, 511, -300}));
  EXPECT_EQ(decode(311, {0x01, 0x08, 0xf0, 0x3f, 0x05, 0xf4, 0xcf}, 5),
            (std::vector<int32_t>{1, 2, -1, 5, -3}));
}

TEST(WfdbFormats, FormatEightDecodesSignedDifferences) {
  // The record reader sums them per signal (tests/test_wfdb_layouts.cpp).
  EXPECT_EQ(decode(8, {0x00, 0x7f, 0x80, 0xff, 0x05}, 5),
            (std::vector<int32_t>{0, 127, -128, -1, 5}));
  EXPECT_EQ(format_invalid_sample(8), INT32_MIN);  // none in the file; marks skewed-out samples
}

TEST(WfdbFormats, ByteCountsRoundTrip) {
  for (int f : supported_formats()) {
    for (int64_t n = 0; n < 20; ++n) {
      const int64_t b = format_bytes_for_samples(f, n);
      // b bytes hold the n samples (310 packs 2 or 3 samples in 4 bytes), b - 1 do not.
      EXPECT_GE(format_samples_in_bytes(f, b), n) << "format " << f << " n " << n;
      if (n > 0) {
        EXPECT_LT(format_samples_in_bytes(f, b - 1), n) << "format " << f << " n " << n;
      }
    }
  }
  EXPECT_EQ(format_bytes_for_samples(212, 3), 5);
  EXPECT_EQ(format_bytes_for_samples(310, 4), 6);
  EXPECT_EQ(format_bytes_for_samples(311, 5), 7);
  EXPECT_EQ(format_samples_in_bytes(310, 4), 3);
  EXPECT_EQ(format_samples_in_bytes(16, 5), 2);
}

TEST(WfdbFormats, InvalidSentinelsAndErrors) {
  EXPECT_EQ(format_invalid_sample(16), -32768);
  EXPECT_EQ(format_invalid_sample(212), -2048);
  EXPECT_EQ(format_invalid_sample(80), -128);
  EXPECT_EQ(format_invalid_sample(24), -8388608);
  EXPECT_TRUE(is_supported_format(212));
  EXPECT_TRUE(is_supported_format(8));
  EXPECT_FALSE(is_supported_format(9));
  std::vector<uint8_t> three = {1, 2, 3};
  int32_t out[4];
  EXPECT_TRUE(throws_with([&] { decode_samples(16, three.data(), three.size(), 2, out); },
                          {"format 16", "need 4 bytes", "got 3"}));
  EXPECT_TRUE(throws_with([&] { decode_samples(17, three.data(), three.size(), 1, out); },
                          {"format 17", "not supported"}));
}

}  // namespace
}  // namespace acl::data
