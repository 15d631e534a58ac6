// WFDB FLAC signal files (formats 508, 516, 524): one FLAC stream per signal file, one FLAC
// channel per signal of the file, at most 8, 16 or 24 bits per sample (format - 500). Decoded with
// libFLAC, the stream's MD5 signature checked when the encoder wrote one. A signal with k samples
// per frame holds k consecutive FLAC samples per frame (every signal of a FLAC file has the same
// k). The header's byte-offset field counts FLAC samples to skip, as wfdb-python reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acl::data {

bool is_flac_format(int format);
const std::vector<int>& flac_formats();  // 508, 516, 524

struct FlacSignals {
  int bits_per_sample = 0;
  std::vector<std::vector<int32_t>> channels;  // one vector per channel, all the same length
};

// Decodes a whole FLAC file held in `bytes`; `path` names it in errors. Throws DataError for a
// file that is not FLAC, a corrupt or truncated stream, an MD5 mismatch, more bits per sample than
// `format` allows, or a channel count other than `n_channels`.
FlacSignals decode_flac(const std::vector<uint8_t>& bytes, int format, int n_channels,
                        const std::string& path);

}  // namespace acl::data
