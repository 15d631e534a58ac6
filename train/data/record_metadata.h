// Patient and label fields from WFDB header comments.
//
// Recognised "key: value" comments (key case-insensitive, optional <> around it, optional space
// after '#'):
//   Age: 78          (CinC, PTB-XL, PTB Diagnostic "age:", LUDB "<age>:")
//   Sex: Male        (kept as written; sex_code() gives 'M', 'F' or '?')
//   Dx: 164889003,59118001   (CinC SNOMED CT codes, kept as strings, order kept)
//   Labels: NORM     (PTB-XL-derived headers; comma or space separated)
// "Unknown", "NaN" and empty values count as absent.
#pragma once

#include <string>
#include <vector>

namespace acl::data {

struct RecordMetadata {
  bool has_age = false;
  double age = 0.0;
  std::string sex;                    // as written, "" if absent
  std::vector<std::string> dx_codes;  // SNOMED CT codes
  std::vector<std::string> labels;    // "# Labels:" entries
  char sex_code() const;              // 'M', 'F' or '?'
};

RecordMetadata parse_record_metadata(const std::vector<std::string>& comments);

}  // namespace acl::data
