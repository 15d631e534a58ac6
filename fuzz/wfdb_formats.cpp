// Sample decoding of every WFDB signal-file format: byte 0 picks the format (the plain formats of
// supported_formats() then the FLAC formats), byte 1 the FLAC channel count (1-8); the rest is the
// signal file. Plain formats decode every whole sample the bytes hold; FLAC decodes the stream.
#include <vector>

#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"
#include "train/data/wfdb_flac.h"
#include "train/data/wfdb_formats.h"

namespace acl::fuzz {

std::string wfdb_formats(const uint8_t* data, size_t size) {
  if (size < 2) return "";
  const std::vector<int>& plain = data::supported_formats();
  const std::vector<int>& flac = data::flac_formats();
  const size_t pick = data[0] % (plain.size() + flac.size());
  const int n_channels = 1 + data[1] % 8;
  const uint8_t* bytes = data + 2;
  const size_t n_bytes = size - 2;
  const std::string source = "fuzz.dat";
  try {
    if (pick < plain.size()) {
      const int format = plain[pick];
      const int64_t n = data::format_samples_in_bytes(format, static_cast<int64_t>(n_bytes));
      if (n < 0 || data::format_bytes_for_samples(format, n) > static_cast<int64_t>(n_bytes)) {
        finding("format " + std::to_string(format) + ": " + std::to_string(n_bytes) +
                " bytes said to hold " + std::to_string(n) + " samples");
      }
      std::vector<int32_t> out(static_cast<size_t>(n));
      data::decode_samples(format, bytes, n_bytes, n, out.data());
      return "";
    }
    const int format = flac[pick - plain.size()];
    data::FlacSignals s =
        data::decode_flac(std::vector<uint8_t>(bytes, bytes + n_bytes), format, n_channels, source);
    if (static_cast<int>(s.channels.size()) != n_channels) {
      finding("decode_flac returned " + std::to_string(s.channels.size()) + " channels, asked " +
              std::to_string(n_channels));
    }
    for (const auto& c : s.channels) {
      if (c.size() != s.channels[0].size()) finding("decode_flac channels differ in length");
    }
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, pick < plain.size() ? "format" : source);
  }
}

}  // namespace acl::fuzz
