// Lead names and the expected-lead-set check.
#pragma once

#include <string>
#include <vector>

#include "train/data/wfdb_record.h"

namespace acl::data {

// Canonical spelling of a lead name: "i" -> "I", "AVR"/"avr" -> "aVR", "v1" -> "V1"; other names
// are returned unchanged.
std::string normalize_lead_name(const std::string& name);

// I, II, III, aVR, aVL, aVF, V1..V6.
const std::vector<std::string>& standard_12_leads();

// Index in `record` of each lead of `expected`, in the order of `expected` (names compared after
// normalize_lead_name). Throws DataError naming the record file when a lead is missing or, unless
// `allow_extra` is true, when the record has a different number of signals.
std::vector<int> match_lead_set(const Record& record, const std::vector<std::string>& expected,
                                bool allow_extra = false);

}  // namespace acl::data
