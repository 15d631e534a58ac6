// Writes a prepared dataset in the cache format of train/cache/cache_format.h. Records are
// appended in order; signals stream to shard files as they come, the small per-record tables are
// kept in memory and written by finish(), which writes index.json last (atomically), so an
// interrupted preparation never leaves a cache that opens.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace acl::cache {

struct CacheSpec {
  std::string dataset;  // "synthetic", "wfdb", "cinc", "ptbxl"
  double fs = 100.0;
  int64_t length = 1000;
  std::vector<std::string> lead_names;
  std::vector<std::string> label_names;
  int64_t records_per_shard = 4096;
  nlohmann::json preprocessing = nlohmann::json::object();
};

class CacheWriter {
 public:
  // Creates `dir` if needed. Throws std::runtime_error naming the directory when it cannot.
  CacheWriter(std::string dir, CacheSpec spec);
  ~CacheWriter();
  CacheWriter(const CacheWriter&) = delete;
  CacheWriter& operator=(const CacheWriter&) = delete;

  // signal: (n_leads, length) lead-major float; rpeaks ascending within [0, length);
  // labels: multi-hot of label_names.size(); split: "train", "val" or "test"; patient: the key
  // shared by the records of one patient ("" = the record is its own patient: its name is stored).
  void append(const std::string& name, const float* signal, const std::vector<int>& rpeaks,
              const std::vector<uint8_t>& labels, const std::string& split,
              const std::string& patient = "");
  int64_t size() const { return static_cast<int64_t>(names_.size()); }
  // Label names may grow until finish() (e.g. a vocabulary built while reading); existing rows
  // are padded with zeros.
  void set_label_names(std::vector<std::string> names);
  void finish();

 private:
  void open_shard();
  std::string dir_;
  CacheSpec spec_;
  std::FILE* shard_ = nullptr;
  int64_t shard_records_ = 0;
  nlohmann::json shards_ = nlohmann::json::array();
  std::vector<uint16_t> scratch_;
  std::vector<int64_t> rpeak_offsets_{0};
  std::vector<int32_t> rpeaks_;
  std::vector<std::vector<uint8_t>> labels_;
  std::vector<std::string> names_, splits_, patients_;
  bool finished_ = false;
};

}  // namespace acl::cache
