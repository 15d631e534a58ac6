#include "train/cache/generator_version.h"

namespace acl::cache {

std::string describe_dataset(const CacheReader& cache) {
  const int version = cache.synthetic_generator_version();
  if (version == 0) return cache.dataset();
  return cache.dataset() + " (generator v" + std::to_string(version) + ")";
}

std::string generator_version_note(const CacheReader& cache, const std::string& dir,
                                   int current_version) {
  const int version = cache.synthetic_generator_version();
  if (version == 0 || version == current_version) return "";
  return "the synthetic cache " + dir + " was made by generator v" + std::to_string(version) +
         ", this build has generator v" + std::to_string(current_version) +
         "; running on it as it is (`acl_prepare --synthetic " + std::to_string(cache.size()) +
         " --out " + dir + "` makes a v" + std::to_string(current_version) + " cache)";
}

std::string synthetic_draw(const CacheReader& cache) {
  const int version = cache.synthetic_generator_version();
  if (version == 0) return "";
  const nlohmann::json& index = cache.index();
  const auto pre = index.find("preprocessing");
  if (pre == index.end() || !pre->is_object()) return "";
  const auto gen = pre->find("generator");
  if (gen == pre->end() || !gen->is_object()) return "";
  const auto seed = gen->find("seed");
  if (seed == gen->end() || !seed->is_number_integer()) return "";
  return "generator v" + std::to_string(version) + " seed " + seed->dump();
}

}  // namespace acl::cache
