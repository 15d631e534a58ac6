#include "train/data/leads.h"

#include "train/data/data_error.h"
#include "train/data/parse_util.h"

namespace acl::data {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

}  // namespace

std::string normalize_lead_name(const std::string& name) {
  std::string l = detail::to_lower(detail::trim(name));
  if (l == "i" || l == "ii" || l == "iii") return std::string(l.size(), 'I');
  if (l == "avr") return "aVR";
  if (l == "avl") return "aVL";
  if (l == "avf") return "aVF";
  if (l.size() == 2 && l[0] == 'v' && l[1] >= '1' && l[1] <= '6') return "V" + l.substr(1);
  return name;
}

const std::vector<std::string>& standard_12_leads() {
  static const std::vector<std::string> leads = {"I",  "II", "III", "aVR", "aVL", "aVF",
                                                 "V1", "V2", "V3",  "V4",  "V5",  "V6"};
  return leads;
}

std::vector<int> match_lead_set(const Record& r, const std::vector<std::string>& expected,
                                bool allow_extra) {
  const std::string names = join(r.lead_names());
  if (!allow_extra && r.n_sig != static_cast<int>(expected.size())) {
    throw DataError(r.header_path + ": " + std::to_string(r.n_sig) + " leads (" + names +
                    "), expected " + std::to_string(expected.size()) + " (" + join(expected) + ")");
  }
  std::vector<int> index;
  for (const std::string& want : expected) {
    int i = r.find_lead(want);
    if (i < 0) {
      throw DataError(r.header_path + ": lead " + want + " is missing; the record has " + names);
    }
    index.push_back(i);
  }
  return index;
}

}  // namespace acl::data
