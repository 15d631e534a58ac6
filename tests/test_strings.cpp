// acl::strings: trimming, case folding, joining, shortest round-trip number formatting, edit
// distance and the closest-name suggestion, each against hand-checked values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "engine/util/strings.h"

namespace acl::strings {
namespace {

TEST(Strings, TrimRemovesBlanksAtBothEndsOnly) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim("  a b \t"), "a b");
  EXPECT_EQ(trim("\r\nII\r\n"), "II");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim("\va\f"), "\va\f");  // only space, tab, CR and LF are blanks
}

TEST(Strings, ToLowerAndIequalsFoldAsciiOnly) {
  EXPECT_EQ(to_lower("aVR V1 MLII"), "avr v1 mlii");
  EXPECT_EQ(to_lower(""), "");
  EXPECT_EQ(to_lower("\xc2\xb5V"), "\xc2\xb5v");  // bytes >= 0x80 unchanged
  EXPECT_TRUE(iequals("AVR", "avr"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("avr", "avr "));
  EXPECT_FALSE(iequals("V1", "V2"));
}

TEST(Strings, JoinWithSeparatorAndQuotes) {
  EXPECT_EQ(join({}), "");
  EXPECT_EQ(join({"a"}), "a");
  EXPECT_EQ(join({"I", "II", "III"}), "I, II, III");
  EXPECT_EQ(join({"a", "b"}, "/"), "a/b");
  EXPECT_EQ(join({"a", "b"}, ", ", true), "\"a\", \"b\"");
  EXPECT_EQ(join({"", ""}, "-"), "-");
}

TEST(Strings, FormatNumberIsShortestRoundTrip) {
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(1e-5), "1e-05");
  EXPECT_EQ(format_number(-2.5), "-2.5");
  EXPECT_EQ(format_number(100.0), "100");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(123.0), "123");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
  for (double v : {1.0 / 3.0, 0.1 + 0.2, 6.02214076e23, std::numeric_limits<double>::min(),
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
    const std::string s = format_number(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
  EXPECT_EQ(format_number(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
}

TEST(Strings, EditDistanceCountsByteEdits) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "ab"), 2u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("chanels", "channels"), 1u);  // one insertion
  EXPECT_EQ(edit_distance("stpes", "steps"), 2u);       // a swap is two substitutions
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(Strings, ClosestPicksTheNearestAndTheFirstOnTies) {
  EXPECT_EQ(closest("chanels", {"kernel_size", "channels", "pool_size"}), "channels");
  EXPECT_EQ(closest("ab", {"ax", "xb"}), "ax");  // both at distance 1: the first
  EXPECT_EQ(closest("anything", {}), "");
  EXPECT_EQ(closest("", {"a", "bc"}), "a");
}

TEST(Strings, PrintableEscapesNonPrintableBytes) {
  EXPECT_EQ(printable("100.dat 212"), "100.dat 212");
  EXPECT_EQ(printable(""), "");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[2J\x7f\xff"), "\\x1b[2J\\x7f\\xff");
  EXPECT_EQ(printable("\xc2\xb5V"), "\\xc2\\xb5V");
  EXPECT_EQ(printable("C:\\x"), "C:\\x5cx");  // a backslash cannot be confused with an escape
}

TEST(Strings, PrintableCutsLongTextAtMaxLen) {
  EXPECT_EQ(printable(std::string(80, 'a')), std::string(80, 'a'));
  EXPECT_EQ(printable(std::string(81, 'a')), std::string(80, 'a') + "...");
  EXPECT_EQ(printable("abcdef", 4), "abcd...");
  // An escape is never split: "ab" + "\x01" would need 6 characters, the limit is 5.
  EXPECT_EQ(printable("ab\x01zz", 5), "ab...");
  EXPECT_EQ(printable("ab\x01zz", 6), "ab\\x01...");
}

}  // namespace
}  // namespace acl::strings
