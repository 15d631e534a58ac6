// The preprocessing every prepared record goes through (see prepare.h), shared by all sources.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/data/wfdb_record.h"
#include "train/prepare/pipeline.h"

namespace acl::prepare {

// Frames at the end of a single-segment record that its signals' skews leave invalid (NaN): the
// largest skew, at most the record's length; 0 for a multi-segment record.
int64_t skew_tail_frames(const data::Record& record);

// A copy of `record` without its last `frames` frames (every signal, digital and physical).
data::Record without_last_frames(const data::Record& record, int64_t frames);

// "" unless `record` is a multi-segment record with a non-finite sample; otherwise the reason it
// is refused, naming the first such frame, the signal and the segment (null segment or a segment
// lacking the signal) with its header line and frame range.
std::string multisegment_gap(const data::Record& record);

// Canonical 12-lead order, limb-lead derivation, resampling, band-pass, crop/pad, R-peaks and
// standardisation of a read record (physical signal required). The signals of a multi-frequency
// record are each resampled from their own rate to options.fs. The frames a skew leaves invalid
// (skew_tail_frames) are dropped first, and PreparedRecord::note says so. Throws
// std::runtime_error naming the record for a quality failure (non-finite or flat lead, missing
// leads) or a multi-segment record's gap (multisegment_gap).
PreparedRecord preprocess_record(const data::Record& record, const PrepareOptions& options);

// Band-pass, standardisation and crop/pad of a (12, n) signal already at options.fs; R-peaks
// given in the input's samples are shifted by the crop and kept when inside the stored length.
void finish_signal(std::vector<float>& signal12, int64_t n_samples, std::vector<int>& rpeaks,
                   bool detect_rpeaks, const PrepareOptions& options);

}  // namespace acl::prepare
