// An acl_train experiment file -> load_experiment_config; an accepted config's resolved JSON must
// read back into the same resolved JSON (what a run directory's config.json relies on).
#include <stdexcept>

#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/experiment/experiment_config.h"

namespace acl::fuzz {

std::string experiment_config(const uint8_t* data, size_t size) {
  const std::string path = write_file(fresh_scratch_dir(), "experiment.json",
                                      std::string(reinterpret_cast<const char*>(data), size));
  nlohmann::json resolved;
  try {
    resolved = experiment::load_experiment_config(path).to_json();
  } catch (const std::invalid_argument& e) {
    return error_naming(e, path);
  }
  try {
    if (experiment::ExperimentConfig::from_json(resolved, "resolved").to_json() != resolved) {
      finding("resolved config reads back different: " + resolved.dump());
    }
  } catch (const std::invalid_argument& e) {
    finding(std::string("resolved config does not read back: ") + e.what() + "\n" +
            resolved.dump());
  }
  return "";
}

}  // namespace acl::fuzz
