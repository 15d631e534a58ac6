#include "train/data/parse_util.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "engine/util/strings.h"
#include "train/data/data_error.h"

namespace acl::data::detail {

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::vector<std::string> split_blanks(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !is_blank(line[j])) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && strings::iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool parse_int64(const std::string& s, int64_t* out) {
  if (s.empty() || is_blank(s[0])) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

bool parse_double(const std::string& s, double* out) {
  if (s.empty() || is_blank(s[0])) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno == ERANGE || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

namespace {
// Throws DataError naming `path` when it is a directory (which opens, then fails on the first read
// with a message that names no file).
void check_not_directory(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw DataError("cannot read " + path + ": it is a directory, expected a file");
  }
}
}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  check_not_directory(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError("cannot open " + path + ": " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string read_text_file(const std::string& path) {
  check_not_directory(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string outside_dir_error(const std::string& field, const std::string& name) {
  return strings::outside_dir_error(field, name, "the record's directory");
}

std::string path_inside(const std::string& dir, const std::string& name, const std::string& field,
                        const std::string& where) {
  const std::string error = outside_dir_error(field, name);
  if (!error.empty()) throw DataError(where + ": " + error);
  return dir + name;
}

}  // namespace acl::data::detail
