// An acl_train experiment file -> load_experiment_config; an accepted config's resolved JSON must
// read back into the same resolved JSON (what a run directory's config.json relies on).
#include "train/experiment/experiment_config.h"
#include "fuzz/config_round_trip.h"
#include "fuzz/targets.h"

namespace acl::fuzz {

std::string experiment_config(const uint8_t* data, size_t size) {
  return config_round_trip<experiment::ExperimentConfig>(
      data, size, "experiment.json",
      [](const std::string& path) { return experiment::load_experiment_config(path); });
}

}  // namespace acl::fuzz
