// What acl_train and acl_eval say about the synthetic generator that made a cache. The current
// version is passed in (synth::kGeneratorVersion), so the cache library does not depend on the
// generator.
#pragma once

#include <string>

#include "train/cache/cache_reader.h"

namespace acl::cache {

// The dataset as the tools' start-up lines name it: "synthetic (generator v2)" for a synthetic
// cache, the dataset name otherwise ("ptbxl", "cinc", "wfdb").
std::string describe_dataset(const CacheReader& cache);

// "" when `cache` (opened from `dir`) is not synthetic or was made by generator
// `current_version`; otherwise one line naming the version that made it and the acl_prepare
// command that makes a cache of the current one.
std::string generator_version_note(const CacheReader& cache, const std::string& dir,
                                   int current_version);

// The draw a synthetic cache's records come from, "generator v2 seed 0" (preprocessing.generator's
// version and seed): record i and its patient are a function of the draw and i, so two caches of
// different draws share no record or patient even where names coincide ("synth_7", "p3"). ""
// when the cache is not synthetic or its index records no integer seed.
std::string synthetic_draw(const CacheReader& cache);

}  // namespace acl::cache
