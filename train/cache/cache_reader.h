// Opens a prepared dataset (train/cache/cache_format.h) and reads records from memory-mapped
// shards. Opening validates the index (format, version, fields) and every file's size against it,
// and throws std::runtime_error naming the file and what is wrong. Reads are thread safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace acl::cache {

class MappedFile;

class CacheReader {
 public:
  explicit CacheReader(const std::string& dir);
  ~CacheReader();
  CacheReader(const CacheReader&) = delete;
  CacheReader& operator=(const CacheReader&) = delete;

  int64_t size() const { return n_records_; }
  int n_leads() const { return n_leads_; }
  int64_t length() const { return length_; }
  double fs() const { return fs_; }
  const std::string& dataset() const { return dataset_; }
  const std::vector<std::string>& lead_names() const { return lead_names_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const nlohmann::json& index() const { return index_; }

  // Record i as float32 (n_leads, length) lead-major into `out`. A NaN or infinite sample throws
  // std::runtime_error naming the shard file, the record's index and name, the lead and the sample.
  void read_signal(int64_t i, float* out) const;
  // Raw float16 bits of record i, (n_leads, length).
  const uint16_t* signal_f16(int64_t i) const;
  std::vector<int32_t> rpeaks(int64_t i) const;
  std::vector<uint8_t> labels(int64_t i) const;
  const std::string& name(int64_t i) const { return names_.at(static_cast<size_t>(i)); }
  const std::string& split(int64_t i) const { return splits_.at(static_cast<size_t>(i)); }
  // The patient key of record i: records of one patient share it. A cache whose index has no
  // "patient" array (prepared before patients were recorded) has each record as its own patient:
  // patient(i) == name(i) and has_patient_ids() is false.
  const std::string& patient(int64_t i) const { return patients_.at(static_cast<size_t>(i)); }
  bool has_patient_ids() const { return has_patient_ids_; }
  // The version of the synthetic generator that made a "synthetic" cache (preprocessing.generator
  // .version; 1 when absent: caches made before versions were recorded); 0 for other datasets.
  int synthetic_generator_version() const { return generator_version_; }
  // Indices of the records in `split` ("train", "val", "test"), ascending.
  std::vector<int64_t> indices_of_split(const std::string& split) const;

 private:
  void check_index(int64_t i) const;
  [[noreturn]] void fail_nonfinite(int64_t i, const uint16_t* h) const;
  std::string dir_;
  nlohmann::json index_;
  std::string dataset_;
  double fs_ = 0;
  int n_leads_ = 0;
  int64_t length_ = 0, n_records_ = 0, records_per_shard_ = 0;
  std::vector<std::string> lead_names_, label_names_, names_, splits_, patients_;
  bool has_patient_ids_ = false;
  int generator_version_ = 0;
  std::vector<std::unique_ptr<MappedFile>> shards_;
  std::vector<std::string> shard_files_;  // the paths of shards_
  std::vector<int64_t> rpeak_offsets_;
  std::vector<int32_t> rpeaks_;
  std::vector<uint8_t> labels_;
};

}  // namespace acl::cache
