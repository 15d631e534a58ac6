// Reads a WFDB record (header + signal files) into digital and physical (mV) signals.
//
// Works on plain WFDB records and on PhysioNet/CinC 2020-21 records (.hea + MATLAB v4 .mat:
// format 16 at byte offset 24); a ".mat" signal file has its MATLAB v4 preamble validated
// (train/data/mat4.h). Signals are grouped by file in header order; each file holds its signals
// interleaved. physical = (digital - baseline) / gain, scaled to mV when the units are uV or V
// (other units are kept as written, see WfdbSignalInfo::physical_units); invalid-sample sentinels
// become NaN. Per signal, the 16-bit checksum (sum of the samples modulo 2^16) and the first
// sample are compared with the header; mismatches are flagged, and throw in strict mode.
// Only single-segment records with one sample per frame and no skew are read; the rest throws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/data/wfdb_header.h"

namespace acl::data {

struct WfdbSignalInfo : WfdbSignalSpec {
  std::string physical_units;   // units of Record::physical for this signal ("mV" for voltages)
  double physical_scale = 1.0;  // physical = (digital - baseline) / gain * physical_scale
  uint16_t checksum_computed = 0;
  bool checksum_ok = true;       // true also when the header gives no checksum
  bool initial_value_ok = true;  // true also when the header gives no initial value
  const std::string& name() const { return description; }
};

struct ReadOptions {
  bool strict = false;   // checksum or initial-value mismatch throws DataError
  bool physical = true;  // fill Record::physical
};

struct Record {
  std::string header_path;  // the .hea file read
  WfdbHeader header;        // everything the header said (comments included)
  std::string name;         // record name
  double fs = 0.0;          // Hz
  int n_sig = 0;
  int64_t n_samples = 0;  // per signal
  std::vector<WfdbSignalInfo> signals;
  std::vector<int32_t> digital;  // (n_sig, n_samples) lead-major, ADC units
  std::vector<float> physical;   // (n_sig, n_samples) lead-major, mV (empty if not asked)

  const int32_t* digital_lead(int sig) const { return digital.data() + sig * n_samples; }
  const float* lead(int sig) const { return physical.data() + sig * n_samples; }
  std::vector<std::string> lead_names() const;
  // Index of the signal whose name matches (case-insensitive, "aVR" == "AVR" == "avr"); -1 if none.
  int find_lead(const std::string& name) const;
  bool all_checksums_ok() const;
};

// Reads the record at `path`: "dir/rec", "dir/rec.hea" (or "dir/rec.mat" / "dir/rec.dat", whose
// extension is replaced by ".hea"). Throws DataError for a missing, truncated or malformed file.
Record read_record(const std::string& path, const ReadOptions& options = {});

// Converts digital to physical for an already-read record (fills `physical`).
void compute_physical(Record& record);

}  // namespace acl::data
