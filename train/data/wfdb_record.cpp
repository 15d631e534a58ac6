#include "train/data/wfdb_record.h"

#include <cmath>
#include <limits>

#include "train/data/data_error.h"
#include "train/data/leads.h"
#include "train/data/mat4.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_formats.h"

namespace acl::data {

namespace {

std::string header_path_for(const std::string& path) {
  for (const char* ext : {".mat", ".dat"}) {
    if (detail::ends_with_ci(path, ext)) return path.substr(0, path.size() - 4) + ".hea";
  }
  return wfdb_header_path(path);
}

std::string signal_label(const WfdbSignalSpec& s, int index) {
  std::string label = "signal " + std::to_string(index);
  if (!s.description.empty()) label += " (" + s.description + ")";
  return label + " on line " + std::to_string(s.line);
}

struct FileGroup {
  std::string file_name;
  std::vector<int> signals;  // indices into header.signals, in header order
};

std::vector<FileGroup> group_by_file(const WfdbHeader& h) {
  std::vector<FileGroup> groups;
  for (int i = 0; i < static_cast<int>(h.signals.size()); ++i) {
    const WfdbSignalSpec& s = h.signals[i];
    FileGroup* g = nullptr;
    for (auto& existing : groups) {
      if (existing.file_name == s.file_name) g = &existing;
    }
    if (!g) {
      groups.push_back({s.file_name, {}});
      g = &groups.back();
    }
    const WfdbSignalSpec& first = h.signals[g->signals.empty() ? i : g->signals[0]];
    if (s.format != first.format || s.byte_offset != first.byte_offset) {
      throw DataError(h.source + " line " + std::to_string(s.line) + ": signal file " +
                      s.file_name + " has format " + std::to_string(s.format) + "+" +
                      std::to_string(s.byte_offset) + " here but " + std::to_string(first.format) +
                      "+" + std::to_string(first.byte_offset) + " on line " +
                      std::to_string(first.line) + "; one file holds one format at one offset");
    }
    g->signals.push_back(i);
  }
  return groups;
}

// The bytes of one signal file (MATLAB v4 preamble validated for ".mat" files).
std::vector<uint8_t> load_group(const FileGroup& g, const std::string& dir, const WfdbHeader& h) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  const std::string path = dir + g.file_name;
  std::vector<uint8_t> bytes;
  try {
    bytes = detail::read_file_bytes(path);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (signal file named on line " +
                    std::to_string(first.line) + " of " + h.source + ")");
  }
  if (detail::ends_with_ci(g.file_name, ".mat")) {
    validate_mat4_preamble(read_mat4_preamble(path), path, static_cast<int>(g.signals.size()),
                           h.n_samples, first.byte_offset);
  }
  if (first.byte_offset > static_cast<int64_t>(bytes.size())) {
    throw DataError(path + ": truncated: " + std::to_string(bytes.size()) +
                    " bytes, but the byte offset on line " + std::to_string(first.line) + " of " +
                    h.source + " is " + std::to_string(first.byte_offset));
  }
  return bytes;
}

// Samples per signal the file holds (used when the header gives no length).
int64_t samples_in_file(const FileGroup& g, const std::vector<uint8_t>& bytes,
                        const WfdbHeader& h) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  const int64_t avail = static_cast<int64_t>(bytes.size()) - first.byte_offset;
  return format_samples_in_bytes(first.format, avail) / static_cast<int64_t>(g.signals.size());
}

// Decodes one file's interleaved samples into rec.digital (sized n_sig x n_samples).
void decode_group(const FileGroup& g, const std::string& dir, const std::vector<uint8_t>& bytes,
                  Record& rec) {
  const WfdbHeader& h = rec.header;
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  const int k = static_cast<int>(g.signals.size());
  const int64_t avail = static_cast<int64_t>(bytes.size()) - first.byte_offset;
  const int64_t n = rec.n_samples;
  const int64_t need = format_bytes_for_samples(first.format, n * k);
  if (avail < need) {
    throw DataError(dir + g.file_name + ": truncated: " + std::to_string(avail) +
                    " bytes after offset " + std::to_string(first.byte_offset) + ", but " +
                    std::to_string(n) + " samples of " + std::to_string(k) + " signals in format " +
                    std::to_string(first.format) + " (" + h.source + " line " +
                    std::to_string(first.line) + ") need " + std::to_string(need) + " bytes");
  }
  std::vector<int32_t> stream(static_cast<size_t>(n * k));
  decode_samples(first.format, bytes.data() + first.byte_offset, static_cast<size_t>(avail), n * k,
                 stream.data());
  for (int j = 0; j < k; ++j) {
    int32_t* dst = rec.digital.data() + static_cast<int64_t>(g.signals[j]) * n;
    for (int64_t t = 0; t < n; ++t) dst[t] = stream[t * k + j];
  }
}

void verify_signal(Record& rec, int i, const ReadOptions& options) {
  WfdbSignalInfo& s = rec.signals[i];
  const int32_t* d = rec.digital_lead(i);
  uint32_t sum = 0;
  for (int64_t t = 0; t < rec.n_samples; ++t) sum += static_cast<uint32_t>(d[t]);
  s.checksum_computed = static_cast<uint16_t>(sum & 0xffff);
  s.checksum_ok = !s.has_checksum || static_cast<uint16_t>(s.checksum) == s.checksum_computed;
  s.initial_value_ok = !s.has_initial_value || rec.n_samples == 0 || d[0] == s.initial_value;
  if (!options.strict) return;
  if (!s.checksum_ok) {
    throw DataError(rec.header.source + ": " + signal_label(s, i) + ": checksum " +
                    std::to_string(s.checksum) + " in the header, " +
                    std::to_string(s.checksum_computed) +
                    " computed from the samples (sum modulo 65536)");
  }
  if (!s.initial_value_ok) {
    throw DataError(rec.header.source + ": " + signal_label(s, i) + ": initial value " +
                    std::to_string(s.initial_value) + " in the header, first sample is " +
                    std::to_string(d[0]));
  }
}

}  // namespace

std::vector<std::string> Record::lead_names() const {
  std::vector<std::string> out;
  for (const auto& s : signals) out.push_back(s.description);
  return out;
}

int Record::find_lead(const std::string& name) const {
  const std::string want = normalize_lead_name(name);
  for (int i = 0; i < n_sig; ++i) {
    if (normalize_lead_name(signals[i].description) == want) return i;
  }
  return -1;
}

bool Record::all_checksums_ok() const {
  for (const auto& s : signals) {
    if (!s.checksum_ok) return false;
  }
  return true;
}

void compute_physical(Record& rec) {
  rec.physical.assign(rec.digital.size(), 0.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int i = 0; i < rec.n_sig; ++i) {
    const WfdbSignalInfo& s = rec.signals[i];
    const int32_t invalid = format_invalid_sample(s.format);
    const int32_t* d = rec.digital_lead(i);
    float* p = rec.physical.data() + static_cast<int64_t>(i) * rec.n_samples;
    const double scale = s.physical_scale / s.gain;
    for (int64_t t = 0; t < rec.n_samples; ++t) {
      p[t] = d[t] == invalid ? nan
                             : static_cast<float>((static_cast<double>(d[t]) - s.baseline) * scale);
    }
  }
}

Record read_record(const std::string& path, const ReadOptions& options) {
  Record rec;
  rec.header_path = header_path_for(path);
  rec.header = read_wfdb_header(rec.header_path);
  const WfdbHeader& h = rec.header;
  if (h.n_segments > 0) {
    throw DataError(h.source + " line " + std::to_string(h.record_line) +
                    ": multi-segment record (" + std::to_string(h.n_segments) +
                    " segments) is not supported");
  }
  rec.name = h.record_name;
  rec.fs = h.fs;
  rec.n_sig = h.n_sig;
  rec.n_samples = h.n_samples;
  for (int i = 0; i < h.n_sig; ++i) {
    const WfdbSignalSpec& s = h.signals[i];
    if (s.samples_per_frame != 1 || s.skew != 0) {
      throw DataError(h.source + ": " + signal_label(s, i) + ": samples per frame " +
                      std::to_string(s.samples_per_frame) + " and skew " + std::to_string(s.skew) +
                      " are not supported (only 1 and 0)");
    }
    WfdbSignalInfo info;
    static_cast<WfdbSignalSpec&>(info) = s;
    double to_mv = units_to_mv(s.units);
    info.physical_scale = to_mv > 0.0 ? to_mv : 1.0;
    info.physical_units = to_mv > 0.0 ? "mV" : s.units;
    rec.signals.push_back(info);
  }
  const std::vector<FileGroup> groups = group_by_file(h);
  const std::string dir = detail::dir_of(rec.header_path);
  std::vector<std::vector<uint8_t>> files;
  for (const FileGroup& g : groups) files.push_back(load_group(g, dir, h));
  // No length on the record line: the first signal file's size decides (as in WFDB).
  if (rec.n_samples < 0) rec.n_samples = samples_in_file(groups[0], files[0], h);
  rec.digital.assign(static_cast<size_t>(rec.n_sig * rec.n_samples), 0);
  for (size_t i = 0; i < groups.size(); ++i) decode_group(groups[i], dir, files[i], rec);
  for (int i = 0; i < rec.n_sig; ++i) verify_signal(rec, i, options);
  if (options.physical) compute_physical(rec);
  return rec;
}

}  // namespace acl::data
