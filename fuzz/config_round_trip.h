// The config targets' one check: an input file goes through the loader; an accepted config's
// resolved JSON must read back (Config::from_json) into the same resolved JSON, as a run
// directory's config.json relies on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz/scratch.h"

namespace acl::fuzz {

// "" when `load` accepts the input (written to `file_name` in the scratch directory), else its
// error (which must name the file); aborts when the resolved config does not read back the same.
template <typename Config, typename Load>
std::string config_round_trip(const uint8_t* data, size_t size, const char* file_name, Load load) {
  const std::string path = write_file(fresh_scratch_dir(), file_name,
                                      std::string(reinterpret_cast<const char*>(data), size));
  nlohmann::json resolved;
  try {
    resolved = load(path).to_json();
  } catch (const std::invalid_argument& e) {
    return error_naming(e, path);
  }
  try {
    if (Config::from_json(resolved, "resolved").to_json() != resolved) {
      finding("resolved config reads back different: " + resolved.dump());
    }
  } catch (const std::invalid_argument& e) {
    finding(std::string("resolved config does not read back: ") + e.what() + "\n" +
            resolved.dump());
  }
  return "";
}

}  // namespace acl::fuzz
