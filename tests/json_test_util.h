// JSON comparison helpers for the config tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace acl::testing {

// Every leaf of `j` as "dotted.path" -> value.
inline void flatten_json(const nlohmann::json& j, const std::string& prefix,
                         std::map<std::string, nlohmann::json>& out) {
  if (!j.is_object()) {
    out[prefix] = j;
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    flatten_json(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  }
}

// The leaf paths where a and b differ (a's order, then the paths only b has).
inline std::vector<std::string> differing_paths(const nlohmann::json& a, const nlohmann::json& b) {
  std::map<std::string, nlohmann::json> fa, fb;
  flatten_json(a, "", fa);
  flatten_json(b, "", fb);
  std::vector<std::string> out;
  for (const auto& [k, v] : fa) {
    if (!fb.count(k) || fb.at(k) != v) out.push_back(k);
  }
  for (const auto& [k, v] : fb) {
    if (!fa.count(k)) out.push_back(k);
  }
  return out;
}

}  // namespace acl::testing
