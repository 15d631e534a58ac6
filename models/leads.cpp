// The lead table and lead-name matching; see leads.h.
#include "models/leads.h"

#include <cctype>

#include "engine/util/strings.h"
#include "kernels/augment_params.h"

namespace acl::leads {

// The VCG augmentation kernels work on records in this table's order.
static_assert(kernels::kVcgLeads == kNumLeads, "kernels::kVcgLeads must equal leads::kNumLeads");

const std::vector<std::string>& lead_names() {
  static const std::vector<std::string> names{"I",  "II", "III", "aVR", "aVL", "aVF",
                                              "V1", "V2", "V3",  "V4",  "V5",  "V6"};
  return names;
}

int lead_index(std::string_view name) {
  std::string s;
  for (char c : name) {
    if (c == ' ' || c == '_' || c == '\t' || c == '\r' || c == '\n') continue;
    s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (s.rfind("lead", 0) == 0) s.erase(0, 4);
  if (s.rfind("ml", 0) == 0 && s.size() > 2 && s[2] == 'i') s.erase(0, 2);  // MLII -> ii
  if (s == "d1" || s == "di") {
    s = "i";
  } else if (s == "d2" || s == "dii") {
    s = "ii";
  } else if (s == "d3" || s == "diii") {
    s = "iii";
  }
  for (int i = 0; i < kNumLeads; ++i) {
    if (strings::iequals(s, lead_names()[static_cast<size_t>(i)])) return i;
  }
  return -1;
}

const std::vector<int>& independent_leads() {
  static const std::vector<int> v{kII, kIII, kV1, kV2, kV3, kV4, kV5, kV6};
  return v;
}

const std::vector<int>& all_leads() {
  static const std::vector<int> v{kI, kII, kIII, kAVR, kAVL, kAVF, kV1, kV2, kV3, kV4, kV5, kV6};
  return v;
}

const std::vector<AnatomicalRegion>& anatomical_regions() {
  static const std::vector<AnatomicalRegion> r{{"inferior", {"II", "III", "aVF"}},
                                               {"septal", {"V1", "V2"}},
                                               {"anterior", {"V3", "V4"}},
                                               {"lateral", {"I", "aVL", "V5", "V6"}}};
  return r;
}

}  // namespace acl::leads
