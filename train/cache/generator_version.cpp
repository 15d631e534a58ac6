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

}  // namespace acl::cache
