// Signal sanity of a read record: non-finite samples and flat leads. (The expected-lead-set
// check is in train/data/leads.h, included here.)
#pragma once

#include <string>
#include <vector>

#include "train/data/leads.h"
#include "train/data/wfdb_record.h"

namespace acl::data {

struct QualityOptions {
  // A lead whose peak-to-peak range (physical units, from the digital values) is at most this is
  // a flat line.
  double flat_range = 1e-3;
};

// "" when every lead is finite and not flat; otherwise the first problem, naming the record,
// the lead and the evidence, e.g. "rec: lead V3 (signal 8) is flat (peak-to-peak 0 over 5000
// samples)" or "rec: lead II (signal 1) has 12 non-finite samples (first at sample 40)".
// Requires the physical signal (ReadOptions::physical).
std::string check_signal_quality(const Record& record, const QualityOptions& options = {});

}  // namespace acl::data
