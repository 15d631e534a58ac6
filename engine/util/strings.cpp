#include "engine/util/strings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace acl::strings {

namespace {
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
}  // namespace

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string join(const std::vector<std::string>& items, const std::string& sep, bool quote) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += quote ? "\"" + items[i] + "\"" : items[i];
  }
  return out;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // The fewest significant digits that read back to v; then at least as many digits as the
  // integer part has (up to 17), so 60 prints as "60", not "6e+01".
  char buf[40];
  int precision = 1;
  for (; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  const double magnitude = std::fabs(v);
  int integer_digits = magnitude >= 1 ? static_cast<int>(std::floor(std::log10(magnitude))) + 1 : 1;
  if (integer_digits > precision && integer_digits <= 17) precision = integer_digits;
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = 0;
  for (const std::string& c : candidates) {
    size_t d = edit_distance(key, c);
    if (best.empty() || d < best_d) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

std::string printable(const std::string& s, size_t max_len) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    std::string piece(1, ch);
    if (c < 0x20 || c > 0x7e || c == '\\') piece = {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    if (out.size() + piece.size() > max_len) return out + "...";
    out += piece;
  }
  return out;
}

std::string outside_dir_error(const std::string& field, const std::string& name,
                              const std::string& dir_what) {
  bool inside = name.empty() || name[0] != '/';
  for (size_t b = 0; inside && b <= name.size();) {
    size_t e = name.find('/', b);
    if (e == std::string::npos) e = name.size();
    inside = name.compare(b, e - b, "..") != 0;
    b = e + 1;
  }
  // A NUL byte would cut the name the file system opens; no dataset names a file with control
  // bytes, and they would reach the terminal in every message naming the file.
  if (inside && std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      })) {
    return field + " '" + printable(name) + "': holds a control byte";
  }
  if (inside) return "";
  return field + " '" + printable(name) + "': must be a file name inside " + dir_what;
}

}  // namespace acl::strings
