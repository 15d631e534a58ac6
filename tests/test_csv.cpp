// RFC 4180 CSV reader: quoting, embedded separators and newlines, CRLF, errors with line numbers,
// and the real PTB-XL / reference CSV files.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"

namespace acl::data {
namespace {

using testing::throws_with;

TEST(Csv, PlainRowsAndEmptyFields) {
  auto rows = parse_csv("a,b,c\n1,,3\n,,\n", "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (CsvRow{"a", "b", "c"}));
  EXPECT_EQ(rows[1], (CsvRow{"1", "", "3"}));
  EXPECT_EQ(rows[2], (CsvRow{"", "", ""}));
}

TEST(Csv, QuotedFieldsWithCommasQuotesAndNewlines) {
  std::vector<int> lines;
  auto rows = parse_csv("id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"\"\n",
                        "t.csv", &lines);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1][1], "a, b");
  EXPECT_EQ(rows[2][1], "say \"hi\"");
  EXPECT_EQ(rows[3][1], "two\nlines");
  EXPECT_EQ(rows[4][1], "");
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 3, 4, 6}));  // the embedded newline counts
}

TEST(Csv, CrlfBomAndMissingFinalNewline) {
  auto rows = parse_csv("\xEF\xBB\xBFx,y\r\n\"1\r\n2\",3\r\n4,5", "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (CsvRow{"x", "y"}));
  EXPECT_EQ(rows[1], (CsvRow{"1\r\n2", "3"}));  // CRLF inside quotes is data
  EXPECT_EQ(rows[2], (CsvRow{"4", "5"}));
}

TEST(Csv, EmptyInputHasNoRows) {
  EXPECT_TRUE(parse_csv("", "t.csv").empty());
}

TEST(Csv, ErrorsNameSourceAndLine) {
  EXPECT_TRUE(throws_with([] { parse_csv("a,b\n1,\"open\n2,3\n", "bad.csv"); },
                          {"bad.csv", "line 2", "never closed"}));
  EXPECT_TRUE(throws_with([] { parse_csv("a,b\n\"x\"y,2\n", "bad.csv"); },
                          {"bad.csv", "line 2", "after a closing quote"}));
  EXPECT_TRUE(throws_with([] { parse_csv("a,b\nx\"y,2\n", "bad.csv"); },
                          {"bad.csv", "line 2", "quote inside"}));
}

TEST(CsvTable, ColumnsAndFieldCount) {
  CsvTable t = parse_csv_table("name,value\nfoo,1\nbar,\"2,5\"\n", "t.csv");
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.column("value"), 1);
  EXPECT_EQ(t.find_column("missing"), -1);
  EXPECT_EQ(t.at(1, "value"), "2,5");
  EXPECT_EQ(t.line(1), 3);
  EXPECT_TRUE(throws_with([&] { t.column("nope"); }, {"t.csv", "nope"}));
  EXPECT_TRUE(throws_with([] { parse_csv_table("a,b\n1,2\n3\n", "short.csv"); },
                          {"short.csv", "line 3", "1 fields", "has 2"}));
  EXPECT_TRUE(throws_with([] { parse_csv_table("", "empty.csv"); }, {"empty.csv", "header"}));
}

TEST(CsvReal, ScpStatementsAndPtbxlSubset) {
  ACL_REQUIRE_TEST_DATA(dir);
  CsvTable scp = read_csv_table(dir + "/labels/scp_statements.csv");
  EXPECT_EQ(scp.size(), 71u);
  EXPECT_EQ(scp.columns().size(), 13u);
  EXPECT_EQ(scp.columns()[0], "");  // the unnamed code column
  // A quoted field with an embedded comma: "Sinus node dysfunction, atrial and AV-conduction..."
  bool found = false;
  for (size_t r = 0; r < scp.size(); ++r) {
    if (scp.row(r)[0] == "1AVB") {
      found = true;
      EXPECT_EQ(scp.at(r, "Statement Category"),
                "Sinus node dysfunction, atrial and AV-conduction defects");
    }
  }
  EXPECT_TRUE(found);

  CsvTable db = read_csv_table(dir + "/labels/ptbxl_database_subset.csv");
  ASSERT_EQ(db.size(), 4u);
  EXPECT_EQ(db.columns().size(), 28u);
  EXPECT_EQ(db.at(3, "ecg_id"), "6000");
  EXPECT_EQ(db.at(3, "report"), "sinus rhythm. minor non-specific t wave flattening in v3,4.");
  EXPECT_EQ(db.at(0, "scp_codes"), "{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}");
  EXPECT_EQ(db.at(0, "heart_axis"), "");

  CsvTable ref = read_csv_table(dir + "/reference_values.csv");
  EXPECT_EQ(ref.size(), 191u);
}

}  // namespace
}  // namespace acl::data
