// One WFDB signal file: the signals it holds, its bytes, and its samples split per signal.
//
// A signal file stores frames: each frame holds, for every signal of the file in header order,
// that signal's samples_per_frame samples. A file's signals share one format and byte offset.
// Format 8 stores first differences; they are summed per signal from the header's initial value.
// Internal to the record reader (train/data/wfdb_record.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/data/wfdb_header.h"

namespace acl::data::detail {

struct FileGroup {
  std::string file_name;
  std::vector<int> signals;   // indices into header.signals, in header order
  int samples_per_frame = 0;  // all signals' samples in one frame of this file
};

// The header's stored signals grouped by file (format 0, a null signal, is in none); throws
// DataError when one file mixes formats or offsets.
std::vector<FileGroup> group_by_file(const WfdbHeader& h);

// The bytes of a group's file (`dir` ends with '/' or is ""), MATLAB v4 preamble validated for
// ".mat" files; throws DataError naming the file and the header line that names it.
std::vector<uint8_t> load_signal_file(const FileGroup& g, const std::string& dir,
                                      const WfdbHeader& h);

// Whole frames the file holds after its byte offset.
int64_t frames_in_file(const FileGroup& g, const std::vector<uint8_t>& bytes, const WfdbHeader& h);

// The first n_frames frames of the file, one vector per signal of the group (n_frames x
// samples_per_frame samples each, as stored: no skew applied). Throws DataError when the file
// is too short.
std::vector<std::vector<int32_t>> decode_signal_file(const FileGroup& g, const std::string& dir,
                                                     const std::vector<uint8_t>& bytes,
                                                     const WfdbHeader& h, int64_t n_frames);

}  // namespace acl::data::detail
