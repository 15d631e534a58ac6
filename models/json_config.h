// Strict, typed reading of a JSON config object: every getter names the key it reads and returns
// the default when the key is absent; a value of the wrong type throws std::invalid_argument naming
// the key path, the expected type and the value found; finish() throws for any key no getter asked
// for, naming it and suggesting the closest valid key (Levenshtein distance).
//
//   JsonObjectReader r(j, "encoder");
//   cfg.kernel_size = r.get_int("kernel_size", 3, 1);
//   r.finish();  // "encoder.kernel_sise: unknown key; did you mean 'kernel_size'? (valid: ...)"
#pragma once

#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace acl::models {

// Edit distance (insertions, deletions, substitutions) between a and b.
size_t edit_distance(const std::string& a, const std::string& b);
// The candidate closest to `key` by edit distance (first on ties); empty when there is none.
std::string closest_key(const std::string& key, const std::vector<std::string>& candidates);

class JsonObjectReader {
 public:
  // Throws when `j` is not an object. `path` prefixes every error ("encoder.leadwise").
  JsonObjectReader(const nlohmann::json& j, std::string path);

  bool has(const std::string& key);  // also marks `key` as valid
  std::string path(const std::string& key) const { return path_ + "." + key; }

  int get_int(const std::string& key, int def, int min = std::numeric_limits<int>::min(),
              int max = std::numeric_limits<int>::max());
  double get_number(const std::string& key, double def);
  bool get_bool(const std::string& key, bool def);
  std::string get_string(const std::string& key, const std::string& def);
  // An array of integers, each >= min; a non-empty array unless allow_empty.
  std::vector<int> get_int_array(const std::string& key, const std::vector<int>& def, int min,
                                 bool allow_empty = false);
  // The raw value (nullptr when absent): for values of several possible types.
  const nlohmann::json* get_raw(const std::string& key);

  // Throws for the first key of the object that no getter asked for.
  void finish() const;

  // Throws std::invalid_argument "<path>.<key>: expected <expected>, got <value>".
  [[noreturn]] void type_error(const std::string& key, const std::string& expected) const;

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::vector<std::string> known_;
};

// "<type> <dumped value>" for error messages, truncated to a readable length.
std::string describe_json(const nlohmann::json& v);

}  // namespace acl::models
