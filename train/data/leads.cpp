// Record lead names through the lead table; see leads.h.
#include "train/data/leads.h"

#include "engine/util/strings.h"
#include "train/data/data_error.h"

namespace acl::data {

std::string normalize_lead_name(const std::string& name) {
  const int i = leads::lead_index(name);
  return i >= 0 ? leads::lead_names()[static_cast<size_t>(i)] : name;
}

std::vector<int> match_lead_set(const Record& r, const std::vector<std::string>& expected,
                                bool allow_extra) {
  const std::string names = strings::join(r.lead_names());
  if (!allow_extra && r.n_sig != static_cast<int>(expected.size())) {
    throw DataError(r.header_path + ": " + std::to_string(r.n_sig) + " leads (" + names +
                    "), expected " + std::to_string(expected.size()) + " (" +
                    strings::join(expected) + ")");
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
