// An acl_eval config file -> load_eval_config; an accepted config's resolved JSON must read back
// into the same resolved JSON.
#include "train/eval/eval_config.h"
#include "fuzz/config_round_trip.h"
#include "fuzz/targets.h"

namespace acl::fuzz {

std::string eval_config(const uint8_t* data, size_t size) {
  return config_round_trip<eval::EvalConfig>(data, size, "eval.json", [](const std::string& path) {
    return eval::load_eval_config(path);
  });
}

}  // namespace acl::fuzz
