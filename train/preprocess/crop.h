// Fixed-length crop / pad of lead-major signals: a record longer than `length` is cropped (from
// the start, or centred: offset (n - length) / 2, rounded down); a shorter one is copied to the
// start and zero-padded at the end.
#pragma once

#include <cstdint>
#include <vector>

namespace acl::preprocess {

enum class CropMode { kStart, kCenter };

// First input sample kept (0 when padding).
int64_t crop_offset(int64_t n_samples, int64_t length, CropMode mode);

// (n_leads, n_samples) -> (n_leads, length).
std::vector<float> crop_or_pad(const float* x, int n_leads, int64_t n_samples, int64_t length,
                               CropMode mode = CropMode::kCenter);

}  // namespace acl::preprocess
