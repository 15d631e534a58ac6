// PTB-XL metadata: ptbxl_database.csv rows, scp_statements.csv, the benchmark label sets and the
// standard split.
//
// Label sets follow the PTB-XL benchmark (Strodthoff et al. 2020,
// utils.compute_label_aggregations): every scp_codes key counts, whatever its likelihood, if
// scp_statements lists it with the flag
//   kDiagnostic      diagnostic == 1: the statement itself (44 codes)
//   kSubdiagnostic   diagnostic == 1: its diagnostic_subclass (23)
//   kSuperdiagnostic diagnostic == 1: its diagnostic_class: NORM, MI, STTC, CD, HYP (5)
//   kForm            form == 1 (19)           kRhythm  rhythm == 1 (12)
//   kAll             any statement in scp_statements (71)
// Standard split: strat_fold 1-8 train, 9 validation, 10 test.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace acl::data {

// A scp_codes Python dict literal "{'NORM': 100.0, 'SR': 0.0}" -> ordered (code, likelihood)
// pairs. Accepts single or double quotes and integer or float values. Throws DataError naming
// `where` and the offending position.
std::vector<std::pair<std::string, double>> parse_scp_codes(const std::string& literal,
                                                            const std::string& where);

struct ScpStatement {
  std::string code;  // first (unnamed) column, e.g. "IMI"
  std::string description;
  bool diagnostic = false;
  bool form = false;
  bool rhythm = false;
  std::string diagnostic_class;     // "MI", ... ("" for non-diagnostic statements)
  std::string diagnostic_subclass;  // "IMI", ...
};

class ScpStatements {
 public:
  explicit ScpStatements(std::vector<ScpStatement> rows);
  const std::vector<ScpStatement>& rows() const { return rows_; }
  const ScpStatement* find(const std::string& code) const;  // nullptr if not listed

 private:
  std::vector<ScpStatement> rows_;
};

ScpStatements read_scp_statements(const std::string& path);

struct PtbxlRecord {
  int ecg_id = 0;
  int patient_id = 0;
  bool has_age = false;
  double age = 0.0;
  int sex = -1;  // PTB-XL coding: 0 male, 1 female; -1 absent
  std::vector<std::pair<std::string, double>> scp_codes;
  int strat_fold = 0;
  std::string filename_lr;  // "records100/00000/00001_lr"
  std::string filename_hr;  // "records500/00000/00001_hr"
  std::string report;
};

// Reads ptbxl_database.csv (or a subset with the same columns).
std::vector<PtbxlRecord> read_ptbxl_database(const std::string& path);

enum class PtbxlTask { kSuperdiagnostic, kSubdiagnostic, kDiagnostic, kForm, kRhythm, kAll };
const char* ptbxl_task_name(PtbxlTask task);  // "superdiagnostic", ...
// Every task's name, in enum order.
std::vector<std::string> ptbxl_task_names();
// The task named `name`; false when there is none.
bool ptbxl_task_from_name(const std::string& name, PtbxlTask* task);

// The labels of one record for `task`, sorted and unique. Codes missing from `statements` are
// ignored (as in the benchmark).
std::vector<std::string> ptbxl_labels(const std::vector<std::pair<std::string, double>>& scp_codes,
                                      const ScpStatements& statements, PtbxlTask task);

// Every label `task` can produce, sorted.
std::vector<std::string> ptbxl_label_vocabulary(const ScpStatements& statements, PtbxlTask task);

enum class Split { kTrain, kValidation, kTest };
// Folds 1-8 -> kTrain, 9 -> kValidation, 10 -> kTest; throws DataError for other folds.
Split ptbxl_split(int strat_fold);

}  // namespace acl::data
