// PhysioNet/CinC 2020-21 records: MATLAB v4 preamble validation (each bad field in a file the
// test writes), header-comment metadata in its spellings, and the real records' labels against
// labels.csv.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"
#include "train/data/mat4.h"
#include "train/data/parse_util.h"
#include "train/data/record_metadata.h"
#include "train/data/wfdb_record.h"

namespace acl::data {
namespace {

using testing::int16_bytes;
using testing::TempDir;
using testing::throws_with;

std::vector<uint8_t> le32(std::initializer_list<int32_t> v) {
  std::vector<uint8_t> out;
  for (int32_t x : v) {
    for (int k = 0; k < 4; ++k)
      out.push_back(static_cast<uint8_t>((uint32_t(x) >> (8 * k)) & 0xff));
  }
  return out;
}

// A 2-signal, 3-sample CinC record "m" whose preamble fields can be spoiled one at a time.
std::string write_mat_record(const TempDir& d, int32_t type, int32_t rows, int32_t cols,
                             int32_t imag, const std::string& name,
                             const std::string& format = "16+24") {
  d.write("m.hea", "m 2 500 3\nm.mat " + format + " 1000/mV 16 0 1 2 0 I\nm.mat " + format +
                       " 1000/mV 16 0 -4 -12 0 II\n#Age: 50\n");
  std::vector<uint8_t> mat = le32({type, rows, cols, imag, static_cast<int32_t>(name.size() + 1)});
  mat.insert(mat.end(), name.begin(), name.end());
  mat.push_back(0);
  for (uint8_t b : int16_bytes({1, -4, 0, -5, 1, -3})) mat.push_back(b);
  return d.write("m.mat", mat);
}

TEST(CincMat, ValidPreambleReads) {
  TempDir d;
  write_mat_record(d, 30, 2, 3, 0, "val");
  Record r = read_record(d.file("m"));
  EXPECT_EQ(r.digital, (std::vector<int32_t>{1, 0, 1, -4, -5, -3}));
}

TEST(CincMat, EachBadPreambleFieldIsNamed) {
  struct Case {
    int32_t type, rows, cols, imag;
    std::string name, format;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {0, 2, 3, 0, "val", "16+24", {"field type = 0", "expected 30"}},
      {30, 3, 3, 0, "val", "16+24", {"field rows = 3", "expected 2"}},
      {30, 2, 4, 0, "val", "16+24", {"field cols = 4", "expected 3"}},
      {30, 2, 3, 1, "val", "16+24", {"field imag = 1", "expected 0"}},
      {30, 2, 3, 0, "xyz", "16+24", {"field name = \"xyz\"", "expected \"val\""}},
      {30, 2, 3, 0, "val", "16+20", {"field data offset = 24", "expected 20"}},
  };
  for (const Case& c : cases) {
    TempDir d;
    const std::string mat = write_mat_record(d, c.type, c.rows, c.cols, c.imag, c.name, c.format);
    std::vector<std::string> parts = c.parts;
    parts.push_back(mat);
    EXPECT_TRUE(throws_with([&] { read_record(d.file("m")); }, parts)) << c.parts[0];
  }
}

TEST(CincMat, TruncatedPreamble) {
  TempDir d;
  const std::string p = d.write("short.mat", std::vector<uint8_t>{30, 0, 0, 0, 2, 0});
  EXPECT_TRUE(throws_with([&] { read_mat4_preamble(p); }, {p, "truncated", "20 bytes"}));
  const std::string q = d.write("name.mat", le32({30, 2, 3, 0, 100000}));
  EXPECT_TRUE(throws_with([&] { read_mat4_preamble(q); }, {q, "name_length = 100000"}));
  EXPECT_TRUE(throws_with([&] { read_mat4_preamble(d.file("none.mat")); }, {"cannot open"}));
}

TEST(CincMetadata, CommentSpellings) {
  RecordMetadata m = parse_record_metadata(
      {"Age: 78", "Sex: Male", "Dx: 67741000119109,426177001", "Rx: Unknown"});
  EXPECT_TRUE(m.has_age);
  EXPECT_EQ(m.age, 78.0);
  EXPECT_EQ(m.sex, "Male");
  EXPECT_EQ(m.sex_code(), 'M');
  EXPECT_EQ(m.dx_codes, (std::vector<std::string>{"67741000119109", "426177001"}));
  m = parse_record_metadata({"<age>: 51", "<sex>: F", "<diagnoses>:"});
  EXPECT_EQ(m.age, 51.0);
  EXPECT_EQ(m.sex_code(), 'F');
  EXPECT_TRUE(m.dx_codes.empty());
  m = parse_record_metadata({"age: 81", "sex: female", "Labels: NORM, IMI"});
  EXPECT_EQ(m.age, 81.0);
  EXPECT_EQ(m.sex_code(), 'F');
  EXPECT_EQ(m.labels, (std::vector<std::string>{"NORM", "IMI"}));
  m = parse_record_metadata({"Age: NaN", "Sex: Unknown", "Dx: 164889003 , 59118001", "noise"});
  EXPECT_FALSE(m.has_age);
  EXPECT_EQ(m.sex, "");
  EXPECT_EQ(m.sex_code(), '?');
  EXPECT_EQ(m.dx_codes, (std::vector<std::string>{"164889003", "59118001"}));
  m = parse_record_metadata({"69 M 1085 1629 x1", "Aldomet, Inderal"});
  EXPECT_FALSE(m.has_age);
  EXPECT_TRUE(m.sex.empty());
}

// labels.csv: age, sex, Dx codes, "# Labels" and the record shape for every record.
TEST(CincReal, LabelsMatchLabelsCsv) {
  ACL_REQUIRE_TEST_DATA(dir);
  CsvTable labels = read_csv_table(dir + "/labels.csv");
  ASSERT_EQ(labels.size(), 19u);
  int with_dx = 0, with_age = 0;
  for (size_t row = 0; row < labels.size(); ++row) {
    const std::string rec = labels.at(row, "record");
    SCOPED_TRACE(rec);
    Record r = read_record(dir + "/" + rec);
    double fs = 0.0;
    ASSERT_TRUE(detail::parse_double(labels.at(row, "fs"), &fs));
    EXPECT_EQ(r.fs, fs);
    EXPECT_EQ(std::to_string(r.n_samples), labels.at(row, "nsamp"));
    EXPECT_EQ(std::to_string(r.n_sig), labels.at(row, "nsig"));
    const RecordMetadata m = parse_record_metadata(r.header.comments);
    const std::string age = labels.at(row, "age");
    EXPECT_EQ(m.has_age, !age.empty());
    if (!age.empty()) {
      EXPECT_EQ(m.age, std::stod(age));
      ++with_age;
    }
    EXPECT_EQ(m.sex, labels.at(row, "sex"));
    EXPECT_EQ(m.dx_codes, detail::split_blanks(labels.at(row, "dx_snomed")));
    with_dx += !m.dx_codes.empty();
    if (labels.at(row, "dataset").rfind("PTB-XL", 0) == 0) {
      EXPECT_EQ(m.labels, detail::split_blanks(labels.at(row, "header_labels")));
    }
  }
  EXPECT_EQ(with_dx, 11);  // 8 CinC + 2 rewritten + 1 two-lead
  EXPECT_EQ(with_age, 15);
}

TEST(CincReal, SnomedCodesAreInTheCinCMapping) {
  ACL_REQUIRE_TEST_DATA(dir);
  CsvTable scored = read_csv_table(dir + "/labels/cinc2021_dx_mapping_scored.csv");
  CsvTable unscored = read_csv_table(dir + "/labels/cinc2021_dx_mapping_unscored.csv");
  auto abbrev = [&](const std::string& code) -> std::string {
    for (const CsvTable* t : {&scored, &unscored}) {
      for (size_t r = 0; r < t->size(); ++r) {
        if (t->at(r, "SNOMEDCTCode") == code) return t->at(r, "Abbreviation");
      }
    }
    return "";
  };
  CsvTable labels = read_csv_table(dir + "/labels.csv");
  for (size_t row = 0; row < labels.size(); ++row) {
    const std::string rec = labels.at(row, "record");
    if (labels.at(row, "dx_snomed").empty()) continue;
    Record r = read_record(dir + "/" + rec);
    std::vector<std::string> got;
    for (const auto& code : parse_record_metadata(r.header.comments).dx_codes) {
      got.push_back(abbrev(code));
    }
    EXPECT_EQ(got, detail::split_blanks(labels.at(row, "dx_abbrev"))) << rec;
  }
}

}  // namespace
}  // namespace acl::data
