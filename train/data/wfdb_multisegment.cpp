#include "train/data/wfdb_multisegment.h"

#include <algorithm>
#include <limits>

#include "engine/util/strings.h"
#include "train/data/data_error.h"
#include "train/data/leads.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_formats.h"

namespace acl::data {

namespace {

std::string at_line(const WfdbHeader& master, int line) {
  return master.source + " line " + std::to_string(line);
}

// The header of the segment listed on `seg.line`; a missing file is named with that line.
WfdbHeader segment_header(const std::string& dir, const WfdbHeader& master,
                          const WfdbSegment& seg) {
  const std::string path =
      detail::path_inside(dir, seg.name, "segment name", at_line(master, seg.line));
  try {
    return read_wfdb_header(path);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (segment '" + strings::printable(seg.name) +
                    "' listed on " + at_line(master, seg.line) + ")");
  }
}

Record read_segment(const std::string& dir, const WfdbHeader& master, const WfdbSegment& seg,
                    const ReadOptions& options) {
  WfdbHeader h = segment_header(dir, master, seg);
  const std::string where = "segment '" + strings::printable(seg.name) + "' (" + h.source +
                            " line " + std::to_string(h.record_line) + ")";
  if (h.fs != master.fs) {
    throw DataError(where + ": sampling frequency " + std::to_string(h.fs) + " differs from " +
                    std::to_string(master.fs) + " on " + at_line(master, master.record_line));
  }
  if (h.n_samples >= 0 && h.n_samples != seg.n_samples) {
    throw DataError(where + ": number of samples " + std::to_string(h.n_samples) +
                    " differs from the length " + std::to_string(seg.n_samples) + " listed on " +
                    at_line(master, seg.line));
  }
  h.n_samples = seg.n_samples;
  ReadOptions o = options;
  o.physical = true;
  return read_record_from_header(wfdb_header_path(dir + seg.name), std::move(h), o);
}

// Index of the record signal that signal j of segment `seg` fills.
int channel_of(const Record& rec, bool variable, const Record& seg, int j, const WfdbHeader& master,
               const WfdbSegment& listed) {
  if (!variable) return j;
  const WfdbSignalInfo& s = seg.signals[j];
  const int i = rec.find_lead(s.description);
  if (i >= 0) return i;
  throw DataError(seg.header.source + " line " + std::to_string(s.line) + ": signal '" +
                  s.description + "' of segment '" + listed.name +
                  "' is not in the layout header named on " +
                  at_line(master, master.segments[0].line));
}

// The record's signals: the layout header's (variable) or the first real segment's (fixed).
void set_signals(Record& rec, const WfdbHeader& spec) {
  rec.n_sig = spec.n_sig;
  for (const auto& s : spec.signals) {
    WfdbSignalInfo info;
    static_cast<WfdbSignalSpec&>(info) = s;
    const double to_mv = units_to_mv(s.units);
    info.physical_scale = to_mv > 0.0 ? to_mv : 1.0;
    info.physical_units = to_mv > 0.0 ? "mV" : s.units;
    rec.signals.push_back(info);
  }
}

}  // namespace

Record read_multisegment_record(const std::string& header_path, const WfdbHeader& master,
                                const ReadOptions& options) {
  const std::string dir = detail::dir_of(header_path);
  const auto& segs = master.segments;
  if (options.segment >= 0) {
    if (options.segment >= static_cast<int>(segs.size())) {
      throw DataError(header_path + ": segment " + std::to_string(options.segment) +
                      " asked for, the record has " + std::to_string(segs.size()) + " segments");
    }
    const WfdbSegment& seg = segs[static_cast<size_t>(options.segment)];
    if (seg.name == "~") {
      throw DataError(at_line(master, seg.line) + ": segment " + std::to_string(options.segment) +
                      " is a null segment ('~'): it has no signals");
    }
    return read_record_from_header(wfdb_header_path(dir + seg.name),
                                   segment_header(dir, master, seg), options);
  }
  const bool variable = segs[0].n_samples == 0 && segs[0].name != "~";
  Record rec;
  rec.header_path = header_path;
  rec.header = master;
  rec.name = master.record_name;
  rec.fs = master.fs;
  rec.n_samples = 0;
  for (size_t k = variable ? 1 : 0; k < segs.size(); ++k) rec.n_samples += segs[k].n_samples;
  if (master.n_samples >= 0 && master.n_samples != rec.n_samples) {
    throw DataError(at_line(master, master.record_line) + ": number of samples " +
                    std::to_string(master.n_samples) + " differs from the segments' total " +
                    std::to_string(rec.n_samples));
  }
  std::vector<Record> parts(segs.size());
  for (size_t k = variable ? 1 : 0; k < segs.size(); ++k) {
    if (segs[k].name != "~") parts[k] = read_segment(dir, master, segs[k], options);
  }
  if (variable) {
    set_signals(rec, segment_header(dir, master, segs[0]));
  } else {
    const auto first = std::find_if(parts.begin(), parts.end(),
                                    [](const Record& r) { return !r.header_path.empty(); });
    if (first == parts.end()) throw DataError(header_path + ": every segment is a null segment");
    set_signals(rec, first->header);
  }
  if (rec.n_sig != master.n_sig) {
    throw DataError(at_line(master, master.record_line) + ": number of signals " +
                    std::to_string(master.n_sig) + " differs from the " +
                    std::to_string(rec.n_sig) + " of the segments' signal lines");
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  rec.digital.assign(static_cast<size_t>(rec.total_samples()), 0);
  rec.physical.assign(rec.digital.size(), nan);
  for (int i = 0; i < rec.n_sig; ++i) {
    std::fill_n(rec.digital.begin() + rec.signal_offset(i), rec.signal_length(i),
                format_invalid_sample(rec.signals[i].format));
  }
  int64_t frame = 0;
  for (size_t k = variable ? 1 : 0; k < segs.size(); ++k) {
    const Record& part = parts[k];
    for (int j = 0; j < part.n_sig; ++j) {
      if (!variable && part.n_sig != rec.n_sig) {
        throw DataError(part.header.source + " line " + std::to_string(part.header.record_line) +
                        ": segment '" + segs[k].name + "' has " + std::to_string(part.n_sig) +
                        " signals, the first segment " + std::to_string(rec.n_sig) +
                        " (fixed layout)");
      }
      const int i = channel_of(rec, variable, part, j, master, segs[k]);
      const WfdbSignalInfo& s = part.signals[j];
      if (s.samples_per_frame != rec.samples_per_frame(i)) {
        throw DataError(part.header.source + " line " + std::to_string(s.line) +
                        ": samples per frame " + std::to_string(s.samples_per_frame) +
                        " of signal '" + s.description + "' differs from the record's " +
                        std::to_string(rec.samples_per_frame(i)));
      }
      const int64_t at = rec.signal_offset(i) + frame * s.samples_per_frame;
      std::copy_n(part.digital_lead(j), part.signal_length(j), rec.digital.begin() + at);
      std::copy_n(part.lead(j), part.signal_length(j), rec.physical.begin() + at);
      rec.signals[i].checksum_ok = rec.signals[i].checksum_ok && s.checksum_ok;
      rec.signals[i].initial_value_ok = rec.signals[i].initial_value_ok && s.initial_value_ok;
    }
    frame += segs[k].n_samples;
  }
  if (!options.physical) rec.physical.clear();
  return rec;
}

}  // namespace acl::data
