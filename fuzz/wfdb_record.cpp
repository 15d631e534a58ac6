// A whole WFDB record read from disk: the input is the header text, kFileSeparator, then the bytes
// of its signal file. The header is written as rec.hea and the signal bytes under every plain file
// name its signals give (names with a path are left for the reader to reject); read_record then
// decodes it (formats, skew, samples per frame, byte offset, checksums, .mat preamble), in strict
// mode when the header's first byte is odd.
#include <set>

#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/data/data_error.h"
#include "train/data/wfdb_header.h"
#include "train/data/wfdb_record.h"

namespace acl::fuzz {

std::string wfdb_record(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = split_files(data, size, 2);
  const std::string& header_text = parts[0];
  const std::string signal = parts.size() > 1 ? parts[1] : std::string();
  const std::string& dir = fresh_scratch_dir();
  const std::string header_path = write_file(dir, "rec.hea", header_text);
  try {
    std::set<std::string> names;
    for (const auto& s : data::parse_wfdb_header(header_text, header_path).signals) {
      const std::string& n = s.file_name;
      if (!n.empty() && n.size() < 64 && n.find('/') == std::string::npos && n != "." &&
          n != ".." && n != "rec.hea" && n.find('\0') == std::string::npos) {
        names.insert(n);
      }
    }
    for (const auto& n : names) write_file(dir, n, signal);
    data::ReadOptions options;
    options.strict = !header_text.empty() && (header_text[0] & 1);
    data::Record r = data::read_record(header_path, options);
    if (static_cast<int64_t>(r.digital.size()) != r.total_samples() ||
        r.physical.size() != r.digital.size()) {
      finding("record holds " + std::to_string(r.digital.size()) + " digital and " +
              std::to_string(r.physical.size()) + " physical samples, total_samples() is " +
              std::to_string(r.total_samples()));
    }
    return "";
  } catch (const data::DataError& e) {
    return error_naming(e, dir);
  }
}

}  // namespace acl::fuzz
