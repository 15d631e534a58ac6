#include "engine/config/overrides.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engine/config/json_reader.h"
#include "engine/util/strings.h"

namespace acl::config {

using nlohmann::json;

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    keys.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return keys;
}

}  // namespace

json override_value(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception&) {  // parse_error, out_of_range (number overflow: "1e999")
    return text;
  }
}

json read_json_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::invalid_argument(file + ": cannot open the config file (" + std::strerror(errno) +
                                ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(file + ": cannot read the config file");
  try {
    return json::parse(text.str());
  } catch (const json::exception& e) {  // parse_error, out_of_range (number overflow)
    // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string msg = e.what();
    const size_t p = msg.find("] ");
    if (p != std::string::npos && msg.rfind("[json.exception", 0) == 0) msg.erase(0, p + 2);
    throw std::invalid_argument(file + ": invalid JSON: " + strings::printable(msg, 300));
  }
}

void collect_paths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = join_path(prefix, it.key());
    out.push_back(p);
    collect_paths(it.value(), p, out);
  }
}

void apply_overrides(json& j, const std::vector<std::string>& overrides,
                     const std::vector<std::string>& schema_keys, const std::string& example) {
  if (overrides.empty()) return;
  if (j.is_null()) j = json::object();
  if (!j.is_object()) {
    throw std::invalid_argument("--set: the config is a " + std::string(j.type_name()) +
                                ", not a JSON object");
  }
  std::vector<std::string> valid_paths = schema_keys;
  collect_paths(j, "", valid_paths);
  json out = j;  // built on a copy: a failed override leaves `j` as it was
  for (const std::string& ov : overrides) {
    const std::string what = "--set '" + ov + "'";
    const size_t eq = ov.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument(what + ": expected PATH=VALUE (e.g. " + example + ")");
    }
    const std::string path = strings::trim(ov.substr(0, eq));
    if (std::find(valid_paths.begin(), valid_paths.end(), path) == valid_paths.end()) {
      throw std::invalid_argument(what + ": unknown key path '" + path + "'; did you mean '" +
                                  strings::closest(path, valid_paths) + "'?");
    }
    const std::vector<std::string> keys = split_path(path);
    json value = override_value(ov.substr(eq + 1));
    json* t = &out;
    std::string at;
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
      at = join_path(at, keys[i]);
      json& next = (*t)[keys[i]];
      if (next.is_null()) next = json::object();
      if (!next.is_object()) {
        throw std::invalid_argument(what + ": " + at + " is " + describe_json(next) +
                                    " in the config, not an object");
      }
      t = &next;
    }
    (*t)[keys.back()] = std::move(value);
  }
  j = std::move(out);
}

}  // namespace acl::config
