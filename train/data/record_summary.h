// What acl_inspect prints: a JSON summary of a record and its physical signal as CSV.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "train/data/wfdb_record.h"

namespace acl::data {

// {"record", "header", "fs", "n_sig", "sig_len", "duration_s", "leads", "units", "gains",
//  "baselines", "formats", "files", "checksum_ok", "initial_value_ok", "base_time", "base_date",
//  and when the comments carry them "age", "sex", "dx_codes", "labels"}.
nlohmann::ordered_json record_summary_json(const Record& record);

// Header row of lead names, then one row per sample, one column per lead, values "%.9g"
// (round-trips a float). Requires the physical signal.
void write_signal_csv(const Record& record, std::ostream& out);
// Same, to a file; throws DataError if it cannot be written.
void write_signal_csv_file(const Record& record, const std::string& path);

}  // namespace acl::data
