// Reads a WFDB record (header + signal files) into digital and physical (mV) signals.
//
// Works on plain WFDB records and on PhysioNet/CinC 2020-21 records (.hea + MATLAB v4 .mat:
// format 16 at byte offset 24); a ".mat" signal file has its MATLAB v4 preamble validated
// (train/data/mat4.h). Signals are grouped by file in header order; each file holds its signals
// interleaved. physical = (digital - baseline) / gain, scaled to mV when the units are uV or V
// (other units are kept as written, see WfdbSignalInfo::physical_units); invalid-sample sentinels
// become NaN. Per signal, the 16-bit checksum (sum of the samples modulo 2^16) and the first
// sample are compared with the header (as stored, before the skew); mismatches are flagged, and
// throw in strict mode.
// Skew: sample t of a signal with skew s is stored in frame t + s; frames past the record's
// length become invalid (NaN), as wfdb-python reads them.
// Multi-frequency records (samples per frame > 1): every signal is kept at its own rate,
// signal_fs(i) = fs x samples_per_frame, signal_length(i) = n_samples x samples_per_frame; the
// signals lie one after the other in digital/physical (lead(i) points at signal i).
// Multi-segment records: see train/data/wfdb_multisegment.h.
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
  int segment = -1;      // multi-segment records: -1 reads them whole, k >= 0 reads segment k alone
};

struct Record {
  std::string header_path;  // the .hea file read
  WfdbHeader header;        // everything the header said (comments included)
  std::string name;         // record name
  double fs = 0.0;          // frame rate in Hz: the rate of a signal with one sample per frame
  int n_sig = 0;
  int64_t n_samples = 0;  // frames: the length of a signal with one sample per frame
  std::vector<WfdbSignalInfo> signals;
  std::vector<int32_t> digital;  // signal after signal, signal_length(i) each; ADC units
  std::vector<float> physical;   // same layout, mV (empty if not asked)

  // Every signal has one sample per frame: digital/physical are (n_sig, n_samples) lead-major.
  bool uniform_rate() const;
  int samples_per_frame(int sig) const;
  int64_t signal_length(int sig) const { return n_samples * samples_per_frame(sig); }
  double signal_fs(int sig) const { return fs * samples_per_frame(sig); }
  int64_t signal_offset(int sig) const;  // where signal `sig` starts in digital/physical
  int64_t total_samples() const;         // all signals' samples together

  const int32_t* digital_lead(int sig) const { return digital.data() + signal_offset(sig); }
  const float* lead(int sig) const { return physical.data() + signal_offset(sig); }
  std::vector<std::string> lead_names() const;
  // Index of the signal whose name matches (case-insensitive, "aVR" == "AVR" == "avr"); -1 if none.
  int find_lead(const std::string& name) const;
  bool all_checksums_ok() const;
};

// Reads the record at `path`: "dir/rec", "dir/rec.hea" (or "dir/rec.mat" / "dir/rec.dat", whose
// extension is replaced by ".hea"). Throws DataError for a missing, truncated or malformed file.
Record read_record(const std::string& path, const ReadOptions& options = {});

// Reads the single-segment record `header` describes (header_path names its .hea file).
Record read_record_from_header(const std::string& header_path, WfdbHeader header,
                               const ReadOptions& options = {});

// Converts digital to physical for an already-read record (fills `physical`).
void compute_physical(Record& record);

}  // namespace acl::data
