// The labelled records of an evaluation: the cache's train / validation / test splits with their
// multi-hot labels, and the encoder input of a batch of records (the whole record, or its centred
// crop of data.crop samples).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "train/cache/cache_reader.h"
#include "train/eval/eval_config.h"

namespace acl::eval {

struct EvalSplit {
  std::string name;
  std::vector<int64_t> records;  // cache indices, ascending
  std::vector<uint8_t> labels;   // (records.size(), k) row-major 0/1
  int64_t size() const { return static_cast<int64_t>(records.size()); }
};

struct EvalDataset {
  std::unique_ptr<cache::CacheReader> cache;
  int k = 0;
  std::vector<std::string> label_names;
  EvalSplit train, val, test;
};

// Opens data.cache and reads the three splits; `single_label` keeps only the records with exactly
// one label (their label rows are one-hot). Throws std::runtime_error naming the cache and the
// key (data.train_split, ...) when the cache has no labels or a split has no record.
EvalDataset open_eval_data(const EvalData& data, bool single_label = false);

// The input length the encoder sees: the record length, or `crop`. Throws std::invalid_argument
// naming data.crop when the crop is longer than the records.
int64_t input_length(const cache::CacheReader& cache, int64_t crop);

// Records records[first, last) as (last - first, n_leads, input_length) f32 on `device`.
Tensor read_inputs(const cache::CacheReader& cache, const std::vector<int64_t>& records,
                   int64_t first, int64_t last, int64_t crop, Device device);

}  // namespace acl::eval
