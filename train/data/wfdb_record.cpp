#include "train/data/wfdb_record.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/util/strings.h"
#include "train/data/data_error.h"
#include "train/data/leads.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_formats.h"
#include "train/data/wfdb_multisegment.h"
#include "train/data/wfdb_signal_file.h"

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
  if (!s.description.empty()) label += " (" + strings::printable(s.description) + ")";
  return label + " on line " + std::to_string(s.line);
}

// Checksum and initial value of signal i, on its samples as stored (before the skew).
void verify_signal(Record& rec, int i, const std::vector<int32_t>& stored,
                   const ReadOptions& options) {
  WfdbSignalInfo& s = rec.signals[i];
  uint32_t sum = 0;
  for (int32_t x : stored) sum += static_cast<uint32_t>(x);
  s.checksum_computed = static_cast<uint16_t>(sum & 0xffff);
  s.checksum_ok = !s.has_checksum || static_cast<uint16_t>(s.checksum) == s.checksum_computed;
  // Format 8 starts its sums from the initial value: there is nothing to compare.
  s.initial_value_ok =
      !s.has_initial_value || s.format == 8 || stored.empty() || stored[0] == s.initial_value;
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
                    std::to_string(stored[0]));
  }
}

// Copies signal i's stored samples into rec.digital, shifted back by its skew in frames; frames
// the skew moves past the record's end hold the format's invalid sample.
void place_signal(Record& rec, int i, const std::vector<int32_t>& stored) {
  const WfdbSignalInfo& s = rec.signals[i];
  const int64_t k = s.samples_per_frame;
  const int64_t len = rec.signal_length(i);
  const int64_t shift = std::min<int64_t>(static_cast<int64_t>(s.skew) * k, len);
  int32_t* dst = rec.digital.data() + rec.signal_offset(i);
  std::copy(stored.begin() + shift, stored.begin() + len, dst);
  std::fill(dst + (len - shift), dst + len, format_invalid_sample(s.format));
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

bool Record::uniform_rate() const {
  for (const auto& s : signals) {
    if (s.samples_per_frame != 1) return false;
  }
  return true;
}

int Record::samples_per_frame(int sig) const {
  return signals.empty() ? 1 : signals[static_cast<size_t>(sig)].samples_per_frame;
}

int64_t Record::signal_offset(int sig) const {
  int64_t off = 0;
  for (int j = 0; j < sig; ++j) off += signal_length(j);
  return off;
}

int64_t Record::total_samples() const {
  return signal_offset(n_sig);
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
    float* p = rec.physical.data() + rec.signal_offset(i);
    const double scale = s.physical_scale / s.gain;
    for (int64_t t = 0; t < rec.signal_length(i); ++t) {
      p[t] = d[t] == invalid ? nan
                             : static_cast<float>((static_cast<double>(d[t]) - s.baseline) * scale);
    }
  }
}

Record read_record(const std::string& path, const ReadOptions& options) {
  const std::string header_path = header_path_for(path);
  WfdbHeader header = read_wfdb_header(header_path);
  if (header.n_segments > 0) return read_multisegment_record(header_path, header, options);
  return read_record_from_header(header_path, std::move(header), options);
}

Record read_record_from_header(const std::string& header_path, WfdbHeader header,
                               const ReadOptions& options) {
  Record rec;
  rec.header_path = header_path;
  rec.header = std::move(header);
  const WfdbHeader& h = rec.header;
  if (h.n_segments > 0) {
    throw DataError(h.source + " line " + std::to_string(h.record_line) +
                    ": a segment of a multi-segment record is itself multi-segment");
  }
  rec.name = h.record_name;
  rec.fs = h.fs;
  rec.n_sig = h.n_sig;
  rec.n_samples = h.n_samples;
  for (int i = 0; i < h.n_sig; ++i) {
    const WfdbSignalSpec& s = h.signals[i];
    WfdbSignalInfo info;
    static_cast<WfdbSignalSpec&>(info) = s;
    double to_mv = units_to_mv(s.units);
    info.physical_scale = to_mv > 0.0 ? to_mv : 1.0;
    info.physical_units = to_mv > 0.0 ? "mV" : s.units;
    rec.signals.push_back(info);
  }
  const std::vector<detail::FileGroup> groups = detail::group_by_file(h);
  const std::string dir = detail::dir_of(rec.header_path);
  std::vector<std::vector<uint8_t>> files;
  for (const auto& g : groups) files.push_back(detail::load_signal_file(g, dir, h));
  // No length on the record line: the first signal file's size decides (as in WFDB).
  if (rec.n_samples < 0) {
    rec.n_samples = groups.empty() ? 0 : detail::frames_in_file(groups[0], files[0], h);
  }
  // Every file is decoded, which checks that it holds the header's length, before the record's
  // arrays are allocated: a header claiming more samples than its files hold fails, naming the
  // file, without allocating for them.
  std::vector<std::vector<std::vector<int32_t>>> stored;
  for (size_t f = 0; f < groups.size(); ++f) {
    stored.push_back(detail::decode_signal_file(groups[f], dir, files[f], h, rec.n_samples));
  }
  // Null signals (format 0) store nothing, so no file bounds their length: a record made only of
  // them is refused beyond kMaxNullSamples invalid samples rather than allocated.
  constexpr int64_t kMaxNullSamples = int64_t{1} << 24;
  if (groups.empty() && h.n_sig > 0 && rec.n_samples > kMaxNullSamples / h.n_sig) {
    throw DataError(h.source + " line " + std::to_string(h.record_line) + ": " +
                    std::to_string(rec.n_samples) + " samples of " + std::to_string(h.n_sig) +
                    " null signals (format 0, nothing stored): more than " +
                    std::to_string(kMaxNullSamples) + " invalid samples, a damaged header");
  }
  rec.digital.assign(static_cast<size_t>(rec.total_samples()), format_invalid_sample(0));
  for (size_t f = 0; f < groups.size(); ++f) {
    for (size_t j = 0; j < stored[f].size(); ++j) {
      const int i = groups[f].signals[j];
      verify_signal(rec, i, stored[f][j], options);
      place_signal(rec, i, stored[f][j]);
    }
  }
  if (options.physical) compute_physical(rec);
  return rec;
}

}  // namespace acl::data
