// The ordered parallel pipeline behind every acl_prepare source: process records on several
// threads, append them to the cache in input order, collect the bad ones with their reasons.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/prepare/prepare.h"

namespace acl::prepare {

struct PreparedRecord {
  std::vector<float> signal;        // (12, length) lead-major
  std::vector<int> rpeaks;          // ascending, within [0, length)
  std::vector<std::string> labels;  // label names of this record
  std::string split;                // "train", "val" or "test"
  std::string patient;              // patient key; "" = the record is its own patient
  std::string note;                 // what preprocessing changed beyond the usual; "" if nothing
};

struct Job {
  std::string name;  // record name in the cache
  std::string file;  // where it comes from (for bad_records.tsv)
};

// Processes job i; throws (any std::exception) for a bad record, whose message is its reason.
using ProcessFn = std::function<PreparedRecord(size_t i)>;

// Runs `process` over `jobs` and writes the cache. With `label_names` empty, the label vocabulary
// is built in first-seen order; otherwise labels outside it are an error for that record.
PrepareSummary run_pipeline(const std::string& dataset, const std::vector<Job>& jobs,
                            const ProcessFn& process, std::vector<std::string> label_names,
                            nlohmann::json preprocessing, const PrepareOptions& options);

// Deterministic 80/10/10 train/val/test assignment from a patient key (the record name where
// the patient is not known) and a seed: every record of a patient gets the same split.
std::string split_for(const std::string& name, uint64_t seed);

// The patient key of a synthetic record of patient `patient_id`: "p<patient_id>".
std::string synthetic_patient_key(uint64_t patient_id);

int64_t stored_length(const PrepareOptions& options);
nlohmann::json preprocessing_json(const PrepareOptions& options);

}  // namespace acl::prepare
