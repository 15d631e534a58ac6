// Strict, typed reading of one JSON config object (ECG-free). Every getter names the key it reads
// and returns the default when the key is absent; a value of the wrong type throws
// std::invalid_argument naming the key path, the expected type and the value found; finish()
// throws for any key no getter asked for, naming it and the closest valid key.
//
//   JsonObjectReader r(j, "encoder");
//   cfg.kernel_size = r.get_int("kernel_size", 3, 1);
//   r.finish();  // "encoder.kernel_sise: unknown key; did you mean 'kernel_size'? (valid: ...)"
//
// Header-only: the field tables (field_table.h) are templates over this reader.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/util/strings.h"

namespace acl::config {

// Throws std::invalid_argument "<key_path>: <what>".
[[noreturn]] inline void invalid(const std::string& key_path, const std::string& what) {
  throw std::invalid_argument(key_path + ": " + what);
}

// "<type> <dumped value>" for error messages, truncated to a readable length.
inline std::string describe_json(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', /*ensure_ascii=*/true);  // no raw control or non-ASCII bytes
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return std::string(v.type_name()) + " " + s;
}

// "a.b" + "c" -> "a.b.c"; an empty prefix gives "c".
inline std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

class JsonObjectReader {
 public:
  // Throws when `j` is not an object. `path` prefixes every error ("encoder.leadwise"; empty at
  // the top level).
  JsonObjectReader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) {
      throw std::invalid_argument((path_.empty() ? "" : path_ + ": ") + "expected an object, got " +
                                  describe_json(j_));
    }
  }

  // Whether the object has `key`; also marks `key` as valid.
  bool has(const std::string& key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
    return j_.contains(key);
  }
  std::string path(const std::string& key) const { return join_path(path_, key); }

  // The raw value (nullptr when absent): for values of several possible types.
  const nlohmann::json* get_raw(const std::string& key) { return has(key) ? &j_.at(key) : nullptr; }

  // An integer in [min, max]; `why` follows the range in the message.
  int64_t get_int64(const std::string& key, int64_t def, int64_t min,
                    int64_t max = std::numeric_limits<int64_t>::max(),
                    const std::string& why = "") {
    const nlohmann::json* v = get_raw(key);
    if (!v) return def;
    std::string expected = "an integer >= " + std::to_string(min);
    if (max != std::numeric_limits<int64_t>::max()) expected += " and <= " + std::to_string(max);
    expected += why;
    const bool too_big_unsigned =
        v->is_number_unsigned() &&
        v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!v->is_number_integer() || too_big_unsigned) type_error(key, expected);
    const int64_t x = v->get<int64_t>();
    if (x < min || x > max) type_error(key, expected);
    return x;
  }
  int get_int(const std::string& key, int def, int min = std::numeric_limits<int>::min(),
              int max = std::numeric_limits<int>::max()) {
    return static_cast<int>(get_int64(key, def, min, max));
  }
  uint64_t get_uint64(const std::string& key, uint64_t def) {
    const nlohmann::json* v = get_raw(key);
    if (!v) return def;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<int64_t>() >= 0)) {
      type_error(key, "a non-negative integer");
    }
    return v->get<uint64_t>();
  }
  double get_number(const std::string& key, double def) {
    const nlohmann::json* v = get_raw(key);
    if (!v) return def;
    if (!v->is_number()) type_error(key, "a number");
    return v->get<double>();
  }
  bool get_bool(const std::string& key, bool def) {
    const nlohmann::json* v = get_raw(key);
    if (!v) return def;
    if (!v->is_boolean()) type_error(key, "a boolean (true or false)");
    return v->get<bool>();
  }
  std::string get_string(const std::string& key, const std::string& def) {
    const nlohmann::json* v = get_raw(key);
    if (!v) return def;
    if (!v->is_string()) type_error(key, "a string");
    return v->get<std::string>();
  }
  // An array of integers, each >= min; a non-empty array unless allow_empty.
  std::vector<int> get_int_array(const std::string& key, const std::vector<int>& def, int min,
                                 bool allow_empty = false) {
    const nlohmann::json* v = get_raw(key);
    if (!v) return def;
    const std::string expected = std::string(allow_empty ? "an" : "a non-empty") +
                                 " array of integers >= " + std::to_string(min);
    if (!v->is_array() || (!allow_empty && v->empty())) type_error(key, expected);
    std::vector<int> out;
    for (const auto& e : *v) {
      if (!e.is_number_integer() || e.get<int64_t>() < min ||
          e.get<int64_t>() > std::numeric_limits<int>::max()) {
        type_error(key, expected);
      }
      out.push_back(e.get<int>());
    }
    return out;
  }

  // Throws for the first key of the object that no getter asked for.
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
      invalid(path(strings::printable(it.key())),
              "unknown key; did you mean '" + strings::closest(it.key(), known_) +
                  "'? (valid keys: " + strings::join(known_) + ")");
    }
  }

  // Throws std::invalid_argument "<path>.<key>: expected <expected>, got <value>".
  [[noreturn]] void type_error(const std::string& key, const std::string& expected) const {
    invalid(path(key), "expected " + expected + ", got " + describe_json(j_.at(key)));
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::vector<std::string> known_;
};

}  // namespace acl::config
