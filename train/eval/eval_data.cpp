#include "train/eval/eval_data.h"

#include <algorithm>
#include <stdexcept>

namespace acl::eval {

namespace {

EvalSplit read_split(const cache::CacheReader& cache, const std::string& name,
                     const std::string& key, int k, bool single_label) {
  EvalSplit s;
  s.name = name;
  const std::vector<int64_t> records = cache.indices_of_split(name);
  if (records.empty()) {
    throw std::runtime_error(key + " = \"" + name + "\": the cache " + cache.dataset() +
                             " has no record in this split");
  }
  s.labels.reserve(records.size() * static_cast<size_t>(k));
  for (int64_t r : records) {
    const std::vector<uint8_t> l = cache.labels(r);
    if (single_label && std::count(l.begin(), l.end(), 1) != 1) continue;
    s.records.push_back(r);
    s.labels.insert(s.labels.end(), l.begin(), l.end());
  }
  if (s.records.empty()) {
    throw std::runtime_error(key + " = \"" + name + "\": no record of this split has exactly " +
                             "one label (label_mode \"single_label\")");
  }
  return s;
}

}  // namespace

EvalDataset open_eval_data(const EvalData& data, bool single_label) {
  EvalDataset d;
  d.cache = std::make_unique<cache::CacheReader>(data.cache);
  d.label_names = d.cache->label_names();
  d.k = static_cast<int>(d.label_names.size());
  if (d.k == 0) {
    throw std::runtime_error("data.cache = \"" + data.cache +
                             "\": the dataset has no labels to evaluate on");
  }
  d.train = read_split(*d.cache, data.train_split, "data.train_split", d.k, single_label);
  d.val = read_split(*d.cache, data.val_split, "data.val_split", d.k, single_label);
  d.test = read_split(*d.cache, data.test_split, "data.test_split", d.k, single_label);
  return d;
}

int64_t input_length(const cache::CacheReader& cache, int64_t crop) {
  if (crop == 0) return cache.length();
  if (crop > cache.length()) {
    throw std::invalid_argument("data.crop = " + std::to_string(crop) +
                                ": longer than the records (" + std::to_string(cache.length()) +
                                " samples)");
  }
  return crop;
}

Tensor read_inputs(const cache::CacheReader& cache, const std::vector<int64_t>& records,
                   int64_t first, int64_t last, int64_t crop, Device device) {
  const int64_t c = cache.n_leads(), len = cache.length(), l = input_length(cache, crop);
  const int64_t offset = (len - l) / 2;
  std::vector<float> record(static_cast<size_t>(c * len));
  std::vector<float> out(static_cast<size_t>((last - first) * c * l));
  for (int64_t i = first; i < last; ++i) {
    cache.read_signal(records[static_cast<size_t>(i)], record.data());
    float* dst = out.data() + (i - first) * c * l;
    for (int64_t ch = 0; ch < c; ++ch)
      std::copy(record.begin() + ch * len + offset, record.begin() + ch * len + offset + l,
                dst + ch * l);
  }
  Tensor t = Tensor::from_vector(out, Shape{last - first, c, l});
  return device == Device::CPU ? t : t.to(device);
}

}  // namespace acl::eval
