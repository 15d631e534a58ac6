#include "models/json_config.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace acl::models {

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

std::string closest_key(const std::string& key, const std::vector<std::string>& candidates) {
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

std::string describe_json(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return std::string(v.type_name()) + " " + s;
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& j, std::string path)
    : j_(j), path_(std::move(path)) {
  if (!j_.is_object()) {
    throw std::invalid_argument(path_ + ": expected an object, got " + describe_json(j_));
  }
}

void JsonObjectReader::type_error(const std::string& key, const std::string& expected) const {
  throw std::invalid_argument(path(key) + ": expected " + expected + ", got " +
                              describe_json(j_.at(key)));
}

bool JsonObjectReader::has(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  return j_.contains(key);
}

const nlohmann::json* JsonObjectReader::get_raw(const std::string& key) {
  return has(key) ? &j_.at(key) : nullptr;
}

int JsonObjectReader::get_int(const std::string& key, int def, int min, int max) {
  const nlohmann::json* v = get_raw(key);
  if (!v) return def;
  const std::string range = min == std::numeric_limits<int>::min()
                                ? "an integer"
                                : "an integer >= " + std::to_string(min);
  if (!v->is_number_integer()) type_error(key, range);
  const int64_t x = v->get<int64_t>();
  if (x < min || x > max)
    type_error(
        key,
        range + (max == std::numeric_limits<int>::max() ? "" : " and <= " + std::to_string(max)));
  return static_cast<int>(x);
}

double JsonObjectReader::get_number(const std::string& key, double def) {
  const nlohmann::json* v = get_raw(key);
  if (!v) return def;
  if (!v->is_number()) type_error(key, "a number");
  return v->get<double>();
}

bool JsonObjectReader::get_bool(const std::string& key, bool def) {
  const nlohmann::json* v = get_raw(key);
  if (!v) return def;
  if (!v->is_boolean()) type_error(key, "a boolean (true or false)");
  return v->get<bool>();
}

std::string JsonObjectReader::get_string(const std::string& key, const std::string& def) {
  const nlohmann::json* v = get_raw(key);
  if (!v) return def;
  if (!v->is_string()) type_error(key, "a string");
  return v->get<std::string>();
}

std::vector<int> JsonObjectReader::get_int_array(const std::string& key,
                                                 const std::vector<int>& def, int min,
                                                 bool allow_empty) {
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

void JsonObjectReader::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
    std::string valid;
    for (const std::string& k : known_) valid += (valid.empty() ? "" : ", ") + k;
    throw std::invalid_argument(path(it.key()) + ": unknown key; did you mean '" +
                                closest_key(it.key(), known_) + "'? (valid keys: " + valid + ")");
  }
}

}  // namespace acl::models
