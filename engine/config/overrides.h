// The parts of a JSON config file's life shared by every config: reading the file, listing its
// key paths, and --set PATH=VALUE overrides.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace acl::config {

// Reads and parses a JSON file. Throws std::invalid_argument "<file>: cannot open the config file
// (<reason>)" or "<file>: invalid JSON: parse error at line L, column C: ...".
nlohmann::json read_json_file(const std::string& file);

// Appends every dotted key path of j's objects to `out`, depth first ("train", "train.steps").
void collect_paths(const nlohmann::json& j, const std::string& prefix,
                   std::vector<std::string>& out);

// The JSON value of an override's text: JSON when it parses, else the text as a string.
nlohmann::json override_value(const std::string& text);

// Applies --set overrides "PATH=VALUE" to j in order. VALUE is parsed as JSON, or taken as a string
// when it is not valid JSON. PATH must be one of `schema_keys` or a path j already has (so a
// misspelt key in the file can be overridden; the parser reports it if it stays); an unknown path
// names the closest valid one. Missing intermediate objects are created. On error j is left as it
// was. `example` shows the form in the message for a missing '=' (e.g. "train.steps=200").
void apply_overrides(nlohmann::json& j, const std::vector<std::string>& overrides,
                     const std::vector<std::string>& schema_keys, const std::string& example);

}  // namespace acl::config
