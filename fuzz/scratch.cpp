#include "fuzz/scratch.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

namespace acl::fuzz {
namespace fs = std::filesystem;

std::vector<std::string> split_files(const uint8_t* data, size_t size, size_t max_parts) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::string_view sep(kFileSeparator);
  std::vector<std::string> parts;
  while (parts.size() + 1 < max_parts) {
    size_t at = all.find(sep);
    if (at == std::string_view::npos) break;
    parts.emplace_back(all.substr(0, at));
    all.remove_prefix(at + sep.size());
  }
  parts.emplace_back(all);
  return parts;
}

namespace {
struct ScratchDir {
  std::string path;
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/acl_fuzz_XXXXXX";
    if (!::mkdtemp(pattern.data())) finding("cannot create a scratch directory from " + pattern);
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
}  // namespace

const std::string& fresh_scratch_dir() {
  static ScratchDir dir;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.path)) fs::remove_all(entry.path(), ec);
  return dir.path;
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) finding("cannot write the scratch file " + path);
  return path;
}

std::string error_naming(const std::exception& e, const std::string& input) {
  std::string what = e.what();
  if (what.find(input) == std::string::npos) {
    finding("error message does not name the input '" + input + "': " + what);
  }
  // Control bytes (ESC sequences, NUL, CR) from the input would reach the user's terminal.
  for (unsigned char c : what) {
    if (c < 0x20 || c == 0x7f) finding("error message holds a control byte: " + what);
  }
  return what;
}

void finding(const std::string& what) {
  std::fprintf(stderr, "acl fuzz finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace acl::fuzz
