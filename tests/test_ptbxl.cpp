// PTB-XL metadata: the scp_codes dict-literal parser, the benchmark label sets on a hand-written
// statement table and on the real scp_statements.csv, the standard split, and the real database
// subset against labels.csv.
#include <gtest/gtest.h>

#include "tests/test_wfdb_util.h"
#include "train/data/csv.h"
#include "train/data/ptbxl.h"

namespace acl::data {
namespace {

using testing::TempDir;
using testing::throws_with;
using Codes = std::vector<std::pair<std::string, double>>;

TEST(PtbxlScpCodes, DictLiterals) {
  EXPECT_EQ(parse_scp_codes("{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}", "w"),
            (Codes{{"NORM", 100.0}, {"LVOLT", 0.0}, {"SR", 0.0}}));
  EXPECT_EQ(parse_scp_codes("{}", "w"), Codes{});
  EXPECT_EQ(parse_scp_codes(" { \"IMI\" :50 , 'NST_':  -1.5e1, } ", "w"),
            (Codes{{"IMI", 50.0}, {"NST_", -15.0}}));
  EXPECT_EQ(parse_scp_codes("{'A\\'B': 1}", "w"), (Codes{{"A'B", 1.0}}));
}

TEST(PtbxlScpCodes, ErrorsNameWhereAndPosition) {
  EXPECT_TRUE(throws_with([] { parse_scp_codes("'NORM': 100.0}", "db.csv line 2"); },
                          {"db.csv line 2", "character 0", "expected '{'"}));
  EXPECT_TRUE(throws_with([] { parse_scp_codes("{'NORM' 100.0}", "w"); }, {"expected ':'"}));
  EXPECT_TRUE(throws_with([] { parse_scp_codes("{'NORM': abc}", "w"); }, {"expected a number"}));
  EXPECT_TRUE(throws_with([] { parse_scp_codes("{'NORM': 1.0", "w"); }, {"expected '}'"}));
  EXPECT_TRUE(throws_with([] { parse_scp_codes("{'NORM: 1.0}", "w"); }, {"unterminated"}));
  EXPECT_TRUE(throws_with([] { parse_scp_codes("{NORM: 1.0}", "w"); }, {"quoted code"}));
  EXPECT_TRUE(throws_with([] { parse_scp_codes("{'NORM': 1.0} x", "w"); }, {"after '}'"}));
}

// A 6-statement table in the scp_statements.csv layout.
ScpStatements small_table(const TempDir& d) {
  return read_scp_statements(
      d.write("scp.csv",
              ",description,diagnostic,form,rhythm,diagnostic_class,diagnostic_subclass\n"
              "NORM,normal ECG,1.0,,,NORM,NORM\n"
              "IMI,inferior MI,1.0,,,MI,IMI\n"
              "ILMI,inferolateral MI,1.0,,,MI,IMI\n"
              "NDT,\"non-diagnostic T, abnormalities\",1.0,1.0,,STTC,STTC\n"
              "LVOLT,low QRS voltages,,1.0,,,\n"
              "SR,sinus rhythm,,,1.0,,\n"));
}

TEST(PtbxlLabels, TasksOnAHandWrittenTable) {
  TempDir d;
  ScpStatements s = small_table(d);
  ASSERT_EQ(s.rows().size(), 6u);
  EXPECT_EQ(s.find("NDT")->description, "non-diagnostic T, abnormalities");
  EXPECT_TRUE(s.find("NDT")->form);
  EXPECT_EQ(s.find("XYZ"), nullptr);
  const Codes codes = {{"IMI", 100.0}, {"ILMI", 0.0}, {"NDT", 50.0}, {"SR", 0.0}, {"XYZ", 1.0}};
  using V = std::vector<std::string>;
  EXPECT_EQ(ptbxl_labels(codes, s, PtbxlTask::kSuperdiagnostic), (V{"MI", "STTC"}));
  EXPECT_EQ(ptbxl_labels(codes, s, PtbxlTask::kSubdiagnostic), (V{"IMI", "STTC"}));
  EXPECT_EQ(ptbxl_labels(codes, s, PtbxlTask::kDiagnostic), (V{"ILMI", "IMI", "NDT"}));
  EXPECT_EQ(ptbxl_labels(codes, s, PtbxlTask::kForm), (V{"NDT"}));
  EXPECT_EQ(ptbxl_labels(codes, s, PtbxlTask::kRhythm), (V{"SR"}));
  EXPECT_EQ(ptbxl_labels(codes, s, PtbxlTask::kAll), (V{"ILMI", "IMI", "NDT", "SR"}));
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kSuperdiagnostic), (V{"MI", "NORM", "STTC"}));
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kForm), (V{"LVOLT", "NDT"}));
  EXPECT_EQ(std::string(ptbxl_task_name(PtbxlTask::kSubdiagnostic)), "subdiagnostic");
}

TEST(PtbxlLabels, TaskNamesRoundTrip) {
  EXPECT_EQ(ptbxl_task_names(), (std::vector<std::string>{"superdiagnostic", "subdiagnostic",
                                                          "diagnostic", "form", "rhythm", "all"}));
  for (const std::string& name : ptbxl_task_names()) {
    PtbxlTask task = PtbxlTask::kAll;
    ASSERT_TRUE(ptbxl_task_from_name(name, &task)) << name;
    EXPECT_EQ(ptbxl_task_name(task), name);
  }
  PtbxlTask task = PtbxlTask::kForm;
  EXPECT_FALSE(ptbxl_task_from_name("superdiagnostc", &task));
  EXPECT_FALSE(ptbxl_task_from_name("Form", &task));
  EXPECT_EQ(task, PtbxlTask::kForm);
}

TEST(PtbxlLabels, BadStatementTable) {
  TempDir d;
  const std::string p = d.write("bad.csv",
                                ",description,diagnostic,form,rhythm,diagnostic_class,"
                                "diagnostic_subclass\nNORM,normal,yes,,,NORM,NORM\n");
  EXPECT_TRUE(throws_with([&] { read_scp_statements(p); }, {p, "line 2", "diagnostic", "'yes'"}));
  const std::string q = d.write("nocol.csv", "code,description\nNORM,normal\n");
  EXPECT_TRUE(throws_with([&] { read_scp_statements(q); }, {q, "unnamed", "'code'"}));
}

TEST(PtbxlSplit, StandardFolds) {
  for (int f = 1; f <= 8; ++f) EXPECT_EQ(ptbxl_split(f), Split::kTrain) << f;
  EXPECT_EQ(ptbxl_split(9), Split::kValidation);
  EXPECT_EQ(ptbxl_split(10), Split::kTest);
  EXPECT_TRUE(throws_with([] { ptbxl_split(0); }, {"strat_fold 0"}));
  EXPECT_TRUE(throws_with([] { ptbxl_split(11); }, {"strat_fold 11"}));
}

TEST(PtbxlReal, StatementVocabularies) {
  ACL_REQUIRE_TEST_DATA(dir);
  ScpStatements s = read_scp_statements(dir + "/labels/scp_statements.csv");
  EXPECT_EQ(s.rows().size(), 71u);
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kSuperdiagnostic),
            (std::vector<std::string>{"CD", "HYP", "MI", "NORM", "STTC"}));
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kSubdiagnostic).size(), 23u);
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kDiagnostic).size(), 44u);
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kForm).size(), 19u);
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kRhythm).size(), 12u);
  EXPECT_EQ(ptbxl_label_vocabulary(s, PtbxlTask::kAll).size(), 71u);
  EXPECT_EQ(s.find("IMI")->diagnostic_class, "MI");
  EXPECT_EQ(s.find("1AVB")->diagnostic_subclass, "_AVB");
}

TEST(PtbxlReal, DatabaseSubsetMatchesLabelsCsv) {
  ACL_REQUIRE_TEST_DATA(dir);
  ScpStatements s = read_scp_statements(dir + "/labels/scp_statements.csv");
  auto db = read_ptbxl_database(dir + "/labels/ptbxl_database_subset.csv");
  ASSERT_EQ(db.size(), 4u);
  EXPECT_EQ(db[0].ecg_id, 1);
  EXPECT_EQ(db[0].patient_id, 15709);
  EXPECT_EQ(db[0].age, 56.0);
  EXPECT_EQ(db[0].sex, 1);
  EXPECT_EQ(db[0].filename_lr, "records100/00000/00001_lr");
  EXPECT_EQ(db[3].filename_hr, "records500/06000/06000_hr");
  EXPECT_EQ(db[3].report, "sinus rhythm. minor non-specific t wave flattening in v3,4.");

  // Every labels.csv row with a PTB-XL ecg_id agrees on scp_codes and strat_fold.
  CsvTable labels = read_csv_table(dir + "/labels.csv");
  int matched = 0;
  for (size_t row = 0; row < labels.size(); ++row) {
    const std::string id = labels.at(row, "ptbxl_ecg_id");
    const std::string scp = labels.at(row, "ptbxl_scp_codes");
    if (id.empty() || scp.empty()) continue;
    const PtbxlRecord* rec = nullptr;
    for (const auto& r : db) {
      if (std::to_string(r.ecg_id) == id) rec = &r;
    }
    ASSERT_NE(rec, nullptr) << "ecg_id " << id;
    EXPECT_EQ(rec->scp_codes, parse_scp_codes(scp, "labels.csv"));
    EXPECT_EQ(std::to_string(rec->strat_fold), labels.at(row, "ptbxl_strat_fold"));
    ++matched;
  }
  EXPECT_EQ(matched, 5);  // 00001_lr, 00005_hr, 00666_hr, HR06000 twice

  using V = std::vector<std::string>;
  EXPECT_EQ(ptbxl_labels(db[0].scp_codes, s, PtbxlTask::kSuperdiagnostic), (V{"NORM"}));
  EXPECT_EQ(ptbxl_labels(db[0].scp_codes, s, PtbxlTask::kSubdiagnostic), (V{"NORM"}));
  EXPECT_EQ(ptbxl_labels(db[0].scp_codes, s, PtbxlTask::kDiagnostic), (V{"NORM"}));
  EXPECT_EQ(ptbxl_labels(db[0].scp_codes, s, PtbxlTask::kForm), (V{"LVOLT"}));
  EXPECT_EQ(ptbxl_labels(db[0].scp_codes, s, PtbxlTask::kRhythm), (V{"SR"}));
  EXPECT_EQ(ptbxl_labels(db[0].scp_codes, s, PtbxlTask::kAll), (V{"LVOLT", "NORM", "SR"}));
  EXPECT_EQ(ptbxl_labels(db[3].scp_codes, s, PtbxlTask::kForm), (V{"NT_"}));
  EXPECT_EQ(ptbxl_split(db[0].strat_fold), Split::kTrain);  // fold 3
  EXPECT_EQ(ptbxl_split(db[3].strat_fold), Split::kTest);   // fold 10
}

}  // namespace
}  // namespace acl::data
