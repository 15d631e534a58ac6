// WFDB signal-file sample formats: byte stream -> digital samples.
//
// A signal file holds the samples of its signals interleaved frame by frame
// (s0[0] s1[0] ... s0[1] s1[1] ...); the packed formats (212, 310, 311) pack across that
// interleaved stream, so decoding works on the whole stream of one file.
//   8   int8 first differences (decoded here as the differences; the record reader adds them up
//       per signal from the header's initial value)
//   16  int16 little-endian             61  int16 big-endian
//   24  int24 little-endian             32  int32 little-endian
//   80  uint8, offset 128               160 uint16 little-endian, offset 32768
//   212 two 12-bit samples in 3 bytes   310 three 10-bit samples in two 16-bit words (bits 1-10
//   311 three 10-bit samples in one         of each word, the third split over bits 11-15)
//       32-bit little-endian word (bits 0-9, 10-19, 20-29)
// Each format's most negative value is the WFDB "invalid sample" sentinel (format 8 has none).
// Format 0 (a null signal, e.g. in a layout header) stores nothing; headers may name it, and
// format_invalid_sample(0) is what its samples read as.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace acl::data {

// The format codes decode_samples understands, ascending.
const std::vector<int>& supported_formats();
bool is_supported_format(int format);

// Bytes needed to hold the first `n_samples` samples of a stream in `format`.
int64_t format_bytes_for_samples(int format, int64_t n_samples);

// Whole samples that `n_bytes` bytes of a stream hold.
int64_t format_samples_in_bytes(int format, int64_t n_bytes);

// The sentinel a sample has when the recorder marked it invalid (e.g. -32768 for format 16).
int32_t format_invalid_sample(int format);

// Decodes the first `n_samples` samples of the stream `bytes` (n_bytes long) into out[0..n).
// Throws DataError if the format is unsupported or n_bytes < format_bytes_for_samples(...).
void decode_samples(int format, const uint8_t* bytes, size_t n_bytes, int64_t n_samples,
                    int32_t* out);

}  // namespace acl::data
