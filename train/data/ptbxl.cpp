#include "train/data/ptbxl.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "engine/util/strings.h"
#include "train/data/csv.h"
#include "train/data/data_error.h"
#include "train/data/parse_util.h"

namespace acl::data {

namespace {

class DictParser {
 public:
  DictParser(const std::string& s, const std::string& where) : s_(s), where_(where) {}

  std::vector<std::pair<std::string, double>> parse() {
    std::vector<std::pair<std::string, double>> out;
    skip_blanks();
    expect('{');
    skip_blanks();
    if (peek() == '}') {
      ++i_;
    } else {
      while (true) {
        skip_blanks();
        if (peek() == '}') {  // trailing comma
          ++i_;
          break;
        }
        std::string key = string();
        skip_blanks();
        expect(':');
        skip_blanks();
        double value = number();
        out.emplace_back(std::move(key), value);
        skip_blanks();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        break;
      }
    }
    skip_blanks();
    if (i_ != s_.size()) fail("unexpected text after '}'");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(where_ + ": scp_codes \"" + strings::printable(s_) + "\" at character " +
                    std::to_string(i_) + ": " + strings::printable(what));
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_blanks() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string string() {
    char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted code");
    ++i_;
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == q) break;
      if (c == '\\') {
        if (i_ >= s_.size()) fail("unterminated escape");
        c = s_[i_++];
      }
      out += c;
    }
    if (out.empty()) fail("empty code");
    return out;
  }
  double number() {
    size_t j = i_;
    while (j < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[j])) || s_[j] == '.' ||
                             s_[j] == '-' || s_[j] == '+' || s_[j] == 'e' || s_[j] == 'E')) {
      ++j;
    }
    double v = 0.0;
    if (!detail::parse_double(s_.substr(i_, j - i_), &v)) fail("expected a number");
    i_ = j;
    return v;
  }

  const std::string& s_;
  const std::string& where_;
  size_t i_ = 0;
};

bool flag(const CsvTable& t, size_t r, const std::string& col) {
  const std::string& v = t.at(r, col);
  if (v.empty()) return false;
  double d = 0.0;
  if (!detail::parse_double(v, &d)) {
    throw DataError(t.source() + " line " + std::to_string(t.line(r)) + ": column " + col +
                    " value '" + strings::printable(v) + "' is not a number");
  }
  return d == 1.0;
}

int int_value(const CsvTable& t, size_t r, const std::string& col) {
  const std::string& v = t.at(r, col);
  double d = 0.0;  // PTB-XL writes some ids as floats ("15709.0")
  if (!detail::parse_double(v, &d) || d != std::floor(d) || std::fabs(d) > 2e9) {
    throw DataError(t.source() + " line " + std::to_string(t.line(r)) + ": column " + col +
                    " value '" + strings::printable(v) + "' is not an integer");
  }
  return static_cast<int>(d);
}

}  // namespace

std::vector<std::pair<std::string, double>> parse_scp_codes(const std::string& literal,
                                                            const std::string& where) {
  return DictParser(literal, where).parse();
}

ScpStatements::ScpStatements(std::vector<ScpStatement> rows) : rows_(std::move(rows)) {}

const ScpStatement* ScpStatements::find(const std::string& code) const {
  for (const auto& s : rows_) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

ScpStatements read_scp_statements(const std::string& path) {
  CsvTable t = read_csv_table(path);
  if (t.columns().empty() || !t.columns()[0].empty()) {
    throw DataError(path + ": the first column must be the unnamed statement-code column, got '" +
                    strings::printable(t.columns().empty() ? std::string() : t.columns()[0]) + "'");
  }
  std::vector<ScpStatement> rows;
  for (size_t r = 0; r < t.size(); ++r) {
    ScpStatement s;
    s.code = t.row(r)[0];
    if (s.code.empty()) {
      throw DataError(path + " line " + std::to_string(t.line(r)) + ": empty statement code");
    }
    s.description = t.at(r, "description");
    s.diagnostic = flag(t, r, "diagnostic");
    s.form = flag(t, r, "form");
    s.rhythm = flag(t, r, "rhythm");
    s.diagnostic_class = t.at(r, "diagnostic_class");
    s.diagnostic_subclass = t.at(r, "diagnostic_subclass");
    rows.push_back(std::move(s));
  }
  return ScpStatements(std::move(rows));
}

std::vector<PtbxlRecord> read_ptbxl_database(const std::string& path) {
  CsvTable t = read_csv_table(path);
  std::vector<PtbxlRecord> out;
  for (size_t r = 0; r < t.size(); ++r) {
    PtbxlRecord rec;
    rec.ecg_id = int_value(t, r, "ecg_id");
    rec.patient_id = int_value(t, r, "patient_id");
    const std::string& age = t.at(r, "age");
    if (!age.empty()) {
      if (!detail::parse_double(age, &rec.age)) {
        throw DataError(path + " line " + std::to_string(t.line(r)) + ": column age value '" +
                        strings::printable(age) + "' is not a number");
      }
      rec.has_age = true;
    }
    rec.sex = t.at(r, "sex").empty() ? -1 : int_value(t, r, "sex");
    rec.scp_codes =
        parse_scp_codes(t.at(r, "scp_codes"), path + " line " + std::to_string(t.line(r)));
    rec.strat_fold = int_value(t, r, "strat_fold");
    rec.filename_lr = t.at(r, "filename_lr");
    rec.filename_hr = t.at(r, "filename_hr");
    for (const char* column : {"filename_lr", "filename_hr"}) {
      const std::string outside =
          detail::outside_dir_error(std::string("column ") + column, t.at(r, column));
      if (!outside.empty()) {
        throw DataError(path + " line " + std::to_string(t.line(r)) + ": " + outside);
      }
    }
    if (t.has_column("report")) rec.report = t.at(r, "report");
    out.push_back(std::move(rec));
  }
  return out;
}

namespace {

struct TaskName {
  PtbxlTask task;
  const char* name;
};
constexpr TaskName kTaskNames[] = {{PtbxlTask::kSuperdiagnostic, "superdiagnostic"},
                                   {PtbxlTask::kSubdiagnostic, "subdiagnostic"},
                                   {PtbxlTask::kDiagnostic, "diagnostic"},
                                   {PtbxlTask::kForm, "form"},
                                   {PtbxlTask::kRhythm, "rhythm"},
                                   {PtbxlTask::kAll, "all"}};

}  // namespace

const char* ptbxl_task_name(PtbxlTask task) {
  for (const TaskName& t : kTaskNames)
    if (t.task == task) return t.name;
  return "?";
}

std::vector<std::string> ptbxl_task_names() {
  std::vector<std::string> out;
  for (const TaskName& t : kTaskNames) out.push_back(t.name);
  return out;
}

bool ptbxl_task_from_name(const std::string& name, PtbxlTask* task) {
  for (const TaskName& t : kTaskNames) {
    if (name == t.name) {
      *task = t.task;
      return true;
    }
  }
  return false;
}

namespace {

// The label `s` contributes to `task`, "" for none.
std::string label_for(const ScpStatement& s, PtbxlTask task) {
  switch (task) {
    case PtbxlTask::kSuperdiagnostic:
      return s.diagnostic ? s.diagnostic_class : "";
    case PtbxlTask::kSubdiagnostic:
      return s.diagnostic ? s.diagnostic_subclass : "";
    case PtbxlTask::kDiagnostic:
      return s.diagnostic ? s.code : "";
    case PtbxlTask::kForm:
      return s.form ? s.code : "";
    case PtbxlTask::kRhythm:
      return s.rhythm ? s.code : "";
    case PtbxlTask::kAll:
      return s.code;
  }
  return "";
}

}  // namespace

std::vector<std::string> ptbxl_labels(const std::vector<std::pair<std::string, double>>& scp_codes,
                                      const ScpStatements& statements, PtbxlTask task) {
  std::set<std::string> labels;
  for (const auto& [code, likelihood] : scp_codes) {
    (void)likelihood;
    const ScpStatement* s = statements.find(code);
    if (!s) continue;
    std::string l = label_for(*s, task);
    if (!l.empty()) labels.insert(l);
  }
  return {labels.begin(), labels.end()};
}

std::vector<std::string> ptbxl_label_vocabulary(const ScpStatements& statements, PtbxlTask task) {
  std::set<std::string> labels;
  for (const auto& s : statements.rows()) {
    std::string l = label_for(s, task);
    if (!l.empty()) labels.insert(l);
  }
  return {labels.begin(), labels.end()};
}

Split ptbxl_split(int strat_fold) {
  if (strat_fold >= 1 && strat_fold <= 8) return Split::kTrain;
  if (strat_fold == 9) return Split::kValidation;
  if (strat_fold == 10) return Split::kTest;
  throw DataError("PTB-XL strat_fold " + std::to_string(strat_fold) + " is not in 1..10");
}

}  // namespace acl::data
