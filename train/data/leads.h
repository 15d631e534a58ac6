// Lead names of records (matched through the lead table of models/leads.h) and the
// expected-lead-set check.
#pragma once

#include <string>
#include <vector>

#include "models/leads.h"
#include "train/data/wfdb_record.h"

namespace acl::data {

// Canonical spelling of a lead name that leads::lead_index accepts: "i" -> "I", "AVR" -> "aVR",
// "v1" -> "V1", "MLII" -> "II", "Lead II" -> "II"; other names are returned unchanged.
std::string normalize_lead_name(const std::string& name);

// Index in `record` of each lead of `expected`, in the order of `expected` (names compared after
// normalize_lead_name). Throws DataError naming the record file when a lead is missing or, unless
// `allow_extra` is true, when the record has a different number of signals.
std::vector<int> match_lead_set(const Record& record, const std::vector<std::string>& expected,
                                bool allow_extra = false);

}  // namespace acl::data
