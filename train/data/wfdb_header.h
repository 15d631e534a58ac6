// WFDB header (.hea) parser.
//
// Record line:  name[/n_seg] n_sig [fs[/counter_freq[(base_counter)]] [n_samples [time [date]]]]
// Signal line:  file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adc_res [adc_zero
//               [initial_value [checksum [block_size [description...]]]]]]]
// Tolerated: comment lines ('#' with or without a following space) anywhere, also before the
// record line; blank lines; CRLF line endings; CinC record lines that carry the signal file name
// ("E07500.mat 12 500 5000 ...", the ".mat" is dropped from record_name) and write the date
// before the time ("05-May-2020 14:50:55"); lower-case units ("/mv" becomes "mV").
// WFDB defaults: fs 250 Hz; gain 0 or missing = 200 ADC units per physical unit; missing baseline
// = ADC zero; missing units = mV.
// Every malformed field throws DataError naming the file, the line, the field and its value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acl::data {

struct WfdbSignalSpec {
  std::string file_name;        // signal file, relative to the header's directory
  int format = 16;              // WFDB storage format code (16, 212, 80, 24, ...)
  int samples_per_frame = 1;    // the "xN" of the format field
  int skew = 0;                 // the ":N"
  int64_t byte_offset = 0;      // the "+N": bytes to skip at the start of the signal file
  double gain = 200.0;          // ADC units per physical unit (after the default is applied)
  bool gain_defaulted = false;  // true when the file wrote 0 or nothing
  int32_t baseline = 0;         // digital value of 0 physical units (after the default)
  std::string units = "mV";     // "mV", "uV", "V" normalised; anything else as written
  int adc_resolution = 0;       // bits; 0 = not given
  int32_t adc_zero = 0;
  bool has_initial_value = false;
  int32_t initial_value = 0;  // first sample as written in the header
  bool has_checksum = false;
  int32_t checksum = 0;  // as written (signed or unsigned); compare modulo 2^16
  int block_size = 0;
  std::string description;  // the lead name ("II", "V5", "MLII", "vx", ...); may have spaces
  int line = 0;             // 1-based line of this signal in the header file
};

struct WfdbSegment {      // one line of a multi-segment header
  std::string name;       // the segment's record name; "~" for a null segment (a gap)
  int64_t n_samples = 0;  // frames; 0 for the layout segment of a variable-layout record
  int line = 0;           // 1-based line in the header file
};

struct WfdbHeader {
  std::string source;       // header path (or a label for in-memory text); used in errors
  std::string record_name;  // as written, minus a trailing ".mat"/".dat"/".hea"
  int n_segments = 0;       // > 0 for a multi-segment record (then `segments`, no signals)
  int n_sig = 0;
  double fs = 250.0;          // sampling frequency in Hz
  double counter_freq = 0.0;  // 0 = not given
  double base_counter = 0.0;
  int64_t n_samples = -1;  // samples per signal; -1 = not given (derived from file size)
  std::string base_time;   // as written ("10:43:15"), "" if absent
  std::string base_date;   // as written ("17/11/1984", "05-May-2020"), "" if absent
  int record_line = 0;     // 1-based line of the record line
  std::vector<WfdbSignalSpec> signals;
  std::vector<WfdbSegment> segments;
  std::vector<std::string> comments;  // text after '#', leading/trailing blanks removed, in order
};

// Parses header text. `source` names the file in error messages.
WfdbHeader parse_wfdb_header(const std::string& text, const std::string& source);

// Reads and parses a header file. `path` may be "dir/rec.hea" or the record path "dir/rec".
WfdbHeader read_wfdb_header(const std::string& path);

// "dir/rec" or "dir/rec.hea" -> "dir/rec.hea".
std::string wfdb_header_path(const std::string& record_or_header);

// "mv"/"MV" -> "mV", "uv"/"µV" -> "uV", "v" -> "V"; anything else unchanged.
std::string normalize_units(const std::string& units);

// Multiplier from `units` to millivolts (mV 1, uV 1e-3, V 1e3); 0 when `units` is not a voltage.
double units_to_mv(const std::string& units);

}  // namespace acl::data
