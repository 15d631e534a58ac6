#include "train/data/record_metadata.h"

#include "engine/util/strings.h"
#include "train/data/parse_util.h"

namespace acl::data {

namespace {

bool is_absent(const std::string& v) {
  std::string l = strings::to_lower(v);
  return l.empty() || l == "unknown" || l == "nan" || l == "none" || l == "n/a";
}

// Splits on commas and blanks, dropping empty pieces.
std::vector<std::string> split_list(const std::string& v) {
  std::string s = v;
  for (char& c : s) {
    if (c == ',' || c == ';') c = ' ';
  }
  return detail::split_blanks(s);
}

}  // namespace

char RecordMetadata::sex_code() const {
  std::string l = strings::to_lower(sex);
  if (l == "m" || l == "male") return 'M';
  if (l == "f" || l == "female") return 'F';
  return '?';
}

RecordMetadata parse_record_metadata(const std::vector<std::string>& comments) {
  RecordMetadata m;
  for (const std::string& c : comments) {
    size_t colon = c.find(':');
    if (colon == std::string::npos) continue;
    std::string key = strings::to_lower(strings::trim(c.substr(0, colon)));
    if (key.size() >= 2 && key.front() == '<' && key.back() == '>') {
      key = key.substr(1, key.size() - 2);
    }
    const std::string value = strings::trim(c.substr(colon + 1));
    if (key == "age") {
      double age = 0.0;
      if (!is_absent(value) && detail::parse_double(value, &age) && age >= 0.0) {
        m.has_age = true;
        m.age = age;
      }
    } else if (key == "sex") {
      if (!is_absent(value)) m.sex = value;
    } else if (key == "dx") {
      if (!is_absent(value)) m.dx_codes = split_list(value);
    } else if (key == "labels") {
      if (!is_absent(value)) m.labels = split_list(value);
    }
  }
  return m;
}

}  // namespace acl::data
