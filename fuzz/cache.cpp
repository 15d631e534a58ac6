// A prepared-dataset cache directory: the input's parts, split at kFileSeparator, are written as
// index.json, rpeak_offsets.i64, rpeaks.i32, labels.u8, signals_00000.f16, signals_00001.f16, ...
// CacheReader opens it; then every record's signal, R-peaks, labels, name and patient are read (the
// first 64).
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "fuzz/scratch.h"
#include "fuzz/targets.h"
#include "train/cache/cache_format.h"
#include "train/cache/cache_reader.h"

namespace acl::fuzz {

std::string cache(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = split_files(data, size, 12);
  const std::string& dir = fresh_scratch_dir();
  const char* fixed[] = {cache::kIndexFile, cache::kRpeakOffsetsFile, cache::kRpeaksFile,
                         cache::kLabelsFile};
  for (size_t i = 0; i < parts.size(); ++i) {
    write_file(dir, i < 4 ? std::string(fixed[i]) : cache::shard_file_name(i - 4), parts[i]);
  }
  try {
    cache::CacheReader r(dir);
    const int64_t n = std::min<int64_t>(r.size(), 64);
    std::vector<float> signal(static_cast<size_t>(r.n_leads() * r.length()));
    for (int64_t i = 0; i < n; ++i) {
      r.read_signal(i, signal.data());
      (void)r.rpeaks(i);
      if (r.labels(i).size() != r.label_names().size()) finding("labels size differs");
      (void)r.name(i);
      (void)r.patient(i);
    }
    if (r.synthetic_generator_version() < 0) finding("negative generator version");
    (void)r.indices_of_split("train");
    return "";
  } catch (const std::runtime_error& e) {
    return error_naming(e, dir);
  }
}

}  // namespace acl::fuzz
