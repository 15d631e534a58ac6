// Fixed-length crop / zero pad; see crop.h.
#include "train/preprocess/crop.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace acl::preprocess {

int64_t crop_offset(int64_t n_samples, int64_t length, CropMode mode) {
  if (n_samples <= length) return 0;
  return mode == CropMode::kCenter ? (n_samples - length) / 2 : 0;
}

std::vector<float> crop_or_pad(const float* x, int n_leads, int64_t n_samples, int64_t length,
                               CropMode mode) {
  if (n_leads < 0 || n_samples < 0 || length < 0) {
    throw std::invalid_argument("crop_or_pad: negative size (n_leads " + std::to_string(n_leads) +
                                ", n_samples " + std::to_string(n_samples) + ", length " +
                                std::to_string(length) + ")");
  }
  std::vector<float> y(static_cast<size_t>(n_leads * length), 0.0f);
  const int64_t off = crop_offset(n_samples, length, mode);
  const int64_t keep = std::min(n_samples, length);
  for (int l = 0; l < n_leads; ++l) {
    const float* src = x + l * n_samples + off;
    std::copy(src, src + keep, y.begin() + l * length);
  }
  return y;
}

}  // namespace acl::preprocess
