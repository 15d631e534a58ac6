#include "train/data/wfdb_signal_file.h"

#include <algorithm>

#include "train/data/data_error.h"
#include "train/data/mat4.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_flac.h"
#include "train/data/wfdb_formats.h"

namespace acl::data::detail {

std::vector<FileGroup> group_by_file(const WfdbHeader& h) {
  std::vector<FileGroup> groups;
  for (int i = 0; i < static_cast<int>(h.signals.size()); ++i) {
    const WfdbSignalSpec& s = h.signals[i];
    if (s.format == 0) continue;  // a null signal has no file
    FileGroup* g = nullptr;
    for (auto& existing : groups) {
      if (existing.file_name == s.file_name) g = &existing;
    }
    if (!g) {
      groups.push_back({s.file_name, {}, 0});
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
    g->samples_per_frame += s.samples_per_frame;
  }
  return groups;
}

std::vector<uint8_t> load_signal_file(const FileGroup& g, const std::string& dir,
                                      const WfdbHeader& h) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  const std::string path = path_inside(dir, g.file_name, "signal file",
                                       h.source + " line " + std::to_string(first.line));
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file_bytes(path);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (signal file named on line " +
                    std::to_string(first.line) + " of " + h.source + ")");
  }
  if (ends_with_ci(g.file_name, ".mat")) {
    validate_mat4_preamble(read_mat4_preamble(path), path, static_cast<int>(g.signals.size()),
                           h.n_samples, first.byte_offset);
  }
  if (!is_flac_format(first.format) && first.byte_offset > static_cast<int64_t>(bytes.size())) {
    throw DataError(path + ": truncated: " + std::to_string(bytes.size()) +
                    " bytes, but the byte offset on line " + std::to_string(first.line) + " of " +
                    h.source + " is " + std::to_string(first.byte_offset));
  }
  return bytes;
}

namespace {

// The FLAC channels of a group's file, checked against the header.
FlacSignals flac_channels(const FileGroup& g, const std::string& dir,
                          const std::vector<uint8_t>& bytes, const WfdbHeader& h) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  for (int i : g.signals) {
    const WfdbSignalSpec& s = h.signals[i];
    if (s.samples_per_frame != first.samples_per_frame) {
      throw DataError(h.source + " line " + std::to_string(s.line) + ": samples per frame " +
                      std::to_string(s.samples_per_frame) + " differs from " +
                      std::to_string(first.samples_per_frame) + " on line " +
                      std::to_string(first.line) + "; the signals of one FLAC file share it");
    }
  }
  try {
    return decode_flac(bytes, first.format, static_cast<int>(g.signals.size()), dir + g.file_name);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (signal file named on line " +
                    std::to_string(first.line) + " of " + h.source + ")");
  }
}

std::vector<std::vector<int32_t>> decode_flac_file(const FileGroup& g, const std::string& dir,
                                                   const std::vector<uint8_t>& bytes,
                                                   const WfdbHeader& h, int64_t n_frames) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  FlacSignals f = flac_channels(g, dir, bytes, h);
  const int64_t need = first.byte_offset + n_frames * first.samples_per_frame;
  const int64_t have = static_cast<int64_t>(f.channels[0].size());
  if (have < need) {
    throw DataError(dir + g.file_name + ": truncated: " + std::to_string(have) +
                    " FLAC samples per channel, but " + std::to_string(n_frames) + " frames (" +
                    h.source + " line " + std::to_string(first.line) + ") need " +
                    std::to_string(need));
  }
  std::vector<std::vector<int32_t>> out;
  for (auto& c : f.channels) {
    out.emplace_back(c.begin() + first.byte_offset, c.begin() + need);
  }
  return out;
}

}  // namespace

int64_t frames_in_file(const FileGroup& g, const std::vector<uint8_t>& bytes, const WfdbHeader& h) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  if (is_flac_format(first.format)) {
    const int64_t have = static_cast<int64_t>(flac_channels(g, "", bytes, h).channels[0].size());
    return std::max<int64_t>(0, have - first.byte_offset) / first.samples_per_frame;
  }
  const int64_t avail = static_cast<int64_t>(bytes.size()) - first.byte_offset;
  return format_samples_in_bytes(first.format, avail) / g.samples_per_frame;
}

std::vector<std::vector<int32_t>> decode_signal_file(const FileGroup& g, const std::string& dir,
                                                     const std::vector<uint8_t>& bytes,
                                                     const WfdbHeader& h, int64_t n_frames) {
  const WfdbSignalSpec& first = h.signals[g.signals[0]];
  if (is_flac_format(first.format)) return decode_flac_file(g, dir, bytes, h, n_frames);
  const int64_t spf = g.samples_per_frame;
  const int64_t avail = static_cast<int64_t>(bytes.size()) - first.byte_offset;
  const int64_t need = format_bytes_for_samples(first.format, n_frames * spf);
  if (avail < need) {
    throw DataError(dir + g.file_name + ": truncated: " + std::to_string(avail) +
                    " bytes after offset " + std::to_string(first.byte_offset) + ", but " +
                    std::to_string(n_frames) + " frames of " + std::to_string(spf) +
                    " samples in format " + std::to_string(first.format) + " (" + h.source +
                    " line " + std::to_string(first.line) + ") need " + std::to_string(need) +
                    " bytes");
  }
  std::vector<int32_t> stream(static_cast<size_t>(n_frames * spf));
  decode_samples(first.format, bytes.data() + first.byte_offset, static_cast<size_t>(avail),
                 n_frames * spf, stream.data());
  std::vector<std::vector<int32_t>> out;
  int64_t pos = 0;  // where this signal's samples start within a frame
  for (int i : g.signals) {
    const WfdbSignalSpec& s = h.signals[i];
    const int64_t k = s.samples_per_frame;
    std::vector<int32_t> v(static_cast<size_t>(n_frames * k));
    for (int64_t t = 0; t < n_frames; ++t) {
      for (int64_t j = 0; j < k; ++j) v[t * k + j] = stream[t * spf + pos + j];
    }
    if (s.format == 8) {  // first differences -> samples, starting from the initial value
      int32_t acc = s.initial_value;
      for (auto& x : v) x = acc += x;
    }
    out.push_back(std::move(v));
    pos += k;
  }
  return out;
}

}  // namespace acl::data::detail
