// What the fuzz targets share: a scratch directory for parsers that read files, the splitting of
// one input into several files, and the check that an error names its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace acl::fuzz {

// Separates the files of a multi-file input (a WFDB header and its signal file, the files of a
// cache). The dictionaries (fuzz/dict/*.dict) hold it so mutations keep the split.
inline constexpr const char kFileSeparator[] = "\n--acl-fuzz-file--\n";

// The first `max_parts` - 1 separators split `data`; the last part keeps any later separator.
std::vector<std::string> split_files(const uint8_t* data, size_t size, size_t max_parts);

// An empty directory private to this process (created under $TMPDIR or /tmp on first use, emptied
// by every call, removed at exit). Ends without '/'.
const std::string& fresh_scratch_dir();

// Writes `bytes` to dir/name and returns the path.
std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes);

// e.what(), after checking that it names `input` (the file, directory or label the parser was
// given) and holds no control byte (input bytes must be escaped, strings::printable); aborts with
// both printed when it does not.
std::string error_naming(const std::exception& e, const std::string& input);

// Prints `what` and aborts (a finding).
[[noreturn]] void finding(const std::string& what);

}  // namespace acl::fuzz
