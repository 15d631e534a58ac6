// A prepared synthetic dataset for the tests that read a data cache.
#pragma once

#include <cstdint>
#include <string>

#include "train/prepare/prepare.h"

namespace acl::testing {

// Prepares `records` synthetic records of `seconds` s each into the cache directory `dir`,
// `records_per_shard` per shard, on one thread and without progress output.
inline void prepare_synthetic_cache(const std::string& dir, int64_t records,
                                    int64_t records_per_shard, double seconds) {
  prepare::PrepareOptions o;
  o.out = dir;
  o.progress = false;
  o.threads = 1;
  o.records_per_shard = records_per_shard;
  o.seconds = seconds;
  prepare::prepare_synthetic(records, o);
}

}  // namespace acl::testing
