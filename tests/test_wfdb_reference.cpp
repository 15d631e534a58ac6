// Every signal of every record in reference_values.csv (values from an independent Python
// reader): header fields, the first 5 samples digital and in mV, min/max/mean in mV, and the
// checksum as written and as computed modulo 2^16.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

double num(const std::string& s) {
  double v = 0.0;
  EXPECT_TRUE(detail::parse_double(s, &v)) << "'" << s << "' is not a number";
  return v;
}

std::vector<double> nums(const std::string& s) {
  std::vector<double> out;
  for (const auto& f : detail::split_blanks(s)) out.push_back(num(f));
  return out;
}

// The reference rounds mV values to 6 decimals; our values are floats (relative error 6e-8).
double mv_tol(double ref) {
  return 5.1e-7 + 1.2e-7 * std::fabs(ref);
}
// first5_mV is further printed with 6 significant digits ("4.90202" for 4.902022).
double first5_tol(double ref) {
  return mv_tol(ref) + 5.1e-6 * std::fabs(ref);
}

TEST(WfdbReference, EverySignalMatchesTheReferenceReader) {
  ACL_REQUIRE_TEST_DATA(dir);
  CsvTable ref = read_csv_table(dir + "/reference_values.csv");
  ASSERT_EQ(ref.size(), 191u);  // the reference is not empty or cut short
  std::map<std::string, Record> records;
  std::set<std::string> formats_seen;
  for (size_t row = 0; row < ref.size(); ++row) {
    const std::string name = ref.at(row, "record");
    SCOPED_TRACE(name + " signal " + ref.at(row, "sig") + " (reference_values.csv line " +
                 std::to_string(ref.line(row)) + ")");
    if (!records.count(name)) records.emplace(name, read_record(dir + "/" + name));
    const Record& r = records.at(name);
    const int i = static_cast<int>(num(ref.at(row, "sig")));
    ASSERT_LT(i, r.n_sig);
    const WfdbSignalInfo& s = r.signals[i];

    EXPECT_EQ(r.fs, num(ref.at(row, "fs")));
    EXPECT_EQ(r.n_samples, static_cast<int64_t>(num(ref.at(row, "nsamp"))));
    EXPECT_EQ(r.n_sig, static_cast<int>(num(ref.at(row, "nsig"))));
    EXPECT_EQ(s.description, ref.at(row, "lead"));
    EXPECT_EQ(s.file_name, ref.at(row, "file"));
    const std::string fmt = ref.at(row, "fmt");
    formats_seen.insert(fmt);
    const size_t plus = fmt.find('+');
    EXPECT_EQ(s.format, static_cast<int>(num(fmt.substr(0, plus))));
    EXPECT_EQ(s.byte_offset, plus == std::string::npos ? 0 : num(fmt.substr(plus + 1)));
    EXPECT_DOUBLE_EQ(s.gain, num(ref.at(row, "gain")));
    EXPECT_EQ(s.baseline, static_cast<int32_t>(num(ref.at(row, "baseline"))));
    EXPECT_EQ(s.units, normalize_units(ref.at(row, "units")));  // the reference keeps "mv"

    const auto d5 = nums(ref.at(row, "first5_digital"));
    const auto p5 = nums(ref.at(row, "first5_mV"));
    ASSERT_EQ(d5.size(), 5u);
    ASSERT_EQ(p5.size(), 5u);
    for (int t = 0; t < 5; ++t) {
      EXPECT_EQ(r.digital_lead(i)[t], static_cast<int32_t>(d5[t])) << "sample " << t;
      EXPECT_NEAR(r.lead(i)[t], p5[t], first5_tol(p5[t])) << "sample " << t;
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0.0;
    for (int64_t t = 0; t < r.n_samples; ++t) {
      const double v = r.lead(i)[t];
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
    const double ref_lo = num(ref.at(row, "min_mV")), ref_hi = num(ref.at(row, "max_mV"));
    ASSERT_LT(ref_lo, ref_hi);  // a non-flat reference lead, so the comparison means something
    EXPECT_NEAR(lo, ref_lo, mv_tol(ref_lo));
    EXPECT_NEAR(hi, ref_hi, mv_tol(ref_hi));
    const double ref_mean = num(ref.at(row, "mean_mV"));
    EXPECT_NEAR(sum / static_cast<double>(r.n_samples), ref_mean, mv_tol(ref_mean));

    EXPECT_TRUE(s.has_checksum);
    EXPECT_EQ(s.checksum, static_cast<int32_t>(num(ref.at(row, "checksum_header"))));
    EXPECT_EQ(s.checksum_computed,
              static_cast<uint16_t>(num(ref.at(row, "checksum_computed_u16"))));
    EXPECT_EQ(s.checksum_ok, ref.at(row, "checksum_ok") == "True");
    EXPECT_EQ(s.initial_value_ok, ref.at(row, "initval_ok") == "True");
  }
  EXPECT_EQ(records.size(), 19u);
  EXPECT_EQ(formats_seen, (std::set<std::string>{"16", "212", "16+24"}));
}

}  // namespace
}  // namespace acl::data
