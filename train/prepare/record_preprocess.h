// The preprocessing every prepared record goes through (see prepare.h), shared by all sources.
#pragma once

#include <string>
#include <vector>

#include "train/data/wfdb_record.h"
#include "train/prepare/pipeline.h"

namespace acl::prepare {

// Canonical 12-lead order, limb-lead derivation, resampling, band-pass, crop/pad, R-peaks and
// standardisation of a read record (physical signal required). Throws std::runtime_error naming
// the record for a quality failure (non-finite or flat lead, missing leads).
PreparedRecord preprocess_record(const data::Record& record, const PrepareOptions& options);

// Band-pass, standardisation and crop/pad of a (12, n) signal already at options.fs; R-peaks
// given in the input's samples are shifted by the crop and kept when inside the stored length.
void finish_signal(std::vector<float>& signal12, int64_t n_samples, std::vector<int>& rpeaks,
                   bool detect_rpeaks, const PrepareOptions& options);

}  // namespace acl::prepare
