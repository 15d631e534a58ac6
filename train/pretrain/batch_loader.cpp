#include "train/pretrain/batch_loader.h"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "engine/rng.h"

namespace acl::pretrain {
namespace {

constexpr uint64_t kShuffleStream = 0x73687566666c65ull;  // "shuffle"
constexpr uint64_t kPatientStream = 0x70617469656e74ull;  // "patient"

}  // namespace

std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, uint64_t epoch) {
  if (n < 0 || n >= (int64_t{1} << 32)) {
    throw std::invalid_argument("epoch_permutation: n = " + std::to_string(n) +
                                " is outside [0, 2^32)");
  }
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    auto j = static_cast<int64_t>(philox_below(seed, kShuffleStream,
                                               (epoch << 32) | static_cast<uint64_t>(i),
                                               static_cast<uint64_t>(i) + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

std::vector<int64_t> epoch_order(const std::vector<int64_t>& records, uint64_t seed, uint64_t epoch,
                                 const std::vector<int32_t>* patients) {
  const auto n = static_cast<int64_t>(records.size());
  if (!patients) return epoch_permutation(n, seed, epoch);
  // The patients of `records` in the order of their first record, and each one's positions.
  std::unordered_map<int32_t, int64_t> group_of;
  std::vector<std::vector<int64_t>> groups;
  for (int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<size_t>(records[static_cast<size_t>(i)]);
    if (r >= patients->size()) {
      throw std::invalid_argument("epoch_order: record " + std::to_string(r) + " has no patient (" +
                                  std::to_string(patients->size()) + " codes)");
    }
    const auto [it, fresh] = group_of.emplace((*patients)[r], static_cast<int64_t>(groups.size()));
    if (fresh) groups.emplace_back();
    groups[static_cast<size_t>(it->second)].push_back(i);
  }
  const std::vector<int64_t> patient_order =
      epoch_permutation(static_cast<int64_t>(groups.size()), seed, epoch);
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>(n));
  for (int64_t g : patient_order) {
    std::vector<int64_t>& members = groups[static_cast<size_t>(g)];
    const auto start = static_cast<uint64_t>(order.size());
    for (auto i = static_cast<int64_t>(members.size()) - 1; i > 0; --i) {
      auto j = static_cast<int64_t>(philox_below(seed, kPatientStream,
                                                 (epoch << 32) | (start + static_cast<uint64_t>(i)),
                                                 static_cast<uint64_t>(i) + 1));
      std::swap(members[static_cast<size_t>(i)], members[static_cast<size_t>(j)]);
    }
    order.insert(order.end(), members.begin(), members.end());
  }
  return order;
}

std::vector<int64_t> batch_records(const std::vector<int64_t>& records, int64_t batch_size,
                                   uint64_t seed, const LoaderPosition& position,
                                   const std::vector<int32_t>* patients) {
  const auto n = static_cast<int64_t>(records.size());
  if (batch_size < 1 || batch_size > n) {
    throw std::invalid_argument("batch_records: batch size " + std::to_string(batch_size) +
                                " with " + std::to_string(n) + " records");
  }
  if (position.batch >= static_cast<uint64_t>(n / batch_size)) {
    throw std::invalid_argument("batch_records: batch " + std::to_string(position.batch) +
                                " is past the " + std::to_string(n / batch_size) +
                                " batches of an epoch");
  }
  std::vector<int64_t> perm = epoch_order(records, seed, position.epoch, patients);
  std::vector<int64_t> out(static_cast<size_t>(batch_size));
  const auto first = static_cast<int64_t>(position.batch) * batch_size;
  for (int64_t j = 0; j < batch_size; ++j)
    out[static_cast<size_t>(j)] =
        records[static_cast<size_t>(perm[static_cast<size_t>(first + j)])];
  return out;
}

std::vector<int32_t> patient_codes(const cache::CacheReader& cache) {
  if (cache.size() > INT32_MAX) {
    throw std::invalid_argument("patient_codes: the cache holds " + std::to_string(cache.size()) +
                                " records, more than 2^31 - 1");
  }
  std::vector<int32_t> codes(static_cast<size_t>(cache.size()));
  std::unordered_map<std::string, int32_t> code_of;
  code_of.reserve(codes.size());
  for (int64_t i = 0; i < cache.size(); ++i) {
    const auto next = static_cast<int32_t>(code_of.size());
    codes[static_cast<size_t>(i)] = code_of.emplace(cache.patient(i), next).first->second;
  }
  return codes;
}

BatchLoader::BatchLoader(const cache::CacheReader& cache, std::vector<int64_t> records,
                         const LoaderOptions& options, const LoaderPosition& start)
    : cache_(cache), records_(std::move(records)), options_(options), next_position_(start) {
  const auto n = static_cast<int64_t>(records_.size());
  if (options_.batch_size < 1) {
    throw std::invalid_argument("BatchLoader: batch size " + std::to_string(options_.batch_size) +
                                ", expected >= 1");
  }
  if (options_.prefetch_batches < 1) {
    throw std::invalid_argument("BatchLoader: prefetch_batches " +
                                std::to_string(options_.prefetch_batches) + ", expected >= 1");
  }
  if (n < options_.batch_size) {
    throw std::invalid_argument("BatchLoader: " + std::to_string(n) +
                                " records cannot fill one batch of " +
                                std::to_string(options_.batch_size));
  }
  for (int64_t r : records_) {
    if (r < 0 || r >= cache_.size()) {
      throw std::invalid_argument("BatchLoader: record index " + std::to_string(r) +
                                  " is outside the cache's 0.." +
                                  std::to_string(cache_.size() - 1));
    }
  }
  if (cache_.size() > INT32_MAX) {  // record indices travel to the device as i32
    throw std::invalid_argument("BatchLoader: the cache holds " + std::to_string(cache_.size()) +
                                " records, more than 2^31 - 1");
  }
  batches_per_epoch_ = n / options_.batch_size;
  local_batch_ = options_.slice_size > 0 ? options_.slice_size : options_.batch_size;
  if (options_.slice_begin < 0 || options_.slice_size < 0 ||
      options_.slice_begin + local_batch_ > options_.batch_size) {
    throw std::invalid_argument("BatchLoader: slice [" + std::to_string(options_.slice_begin) +
                                ", " + std::to_string(options_.slice_begin + local_batch_) +
                                ") is not within a batch of " +
                                std::to_string(options_.batch_size));
  }
  if (start.batch >= static_cast<uint64_t>(batches_per_epoch_)) {
    throw std::invalid_argument("BatchLoader: start batch " + std::to_string(start.batch) +
                                " is past the " + std::to_string(batches_per_epoch_) +
                                " batches of an epoch");
  }
  record_floats_ = cache_.n_leads() * cache_.length();
  patient_code_ = patient_codes(cache_);
  const size_t signal_bytes = static_cast<size_t>(local_batch_ * record_floats_) * sizeof(float);
  slots_.resize(static_cast<size_t>(options_.prefetch_batches));
  for (Slot& s : slots_) s.signals = HostBuffer(signal_bytes, options_.pinned);
  thread_ = std::thread([this, start] { run(start); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Slot& s : slots_) {
    try {
      s.uploaded.wait();  // the buffers are freed next; copies from them must be done
    } catch (...) {
      // a device that already failed: nothing left to wait for
    }
  }
}

LoaderPosition BatchLoader::advance(LoaderPosition p) const {
  if (++p.batch == static_cast<uint64_t>(batches_per_epoch_)) {
    p.batch = 0;
    ++p.epoch;
  }
  return p;
}

LoaderPosition BatchLoader::position() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_position_;
}

bool BatchLoader::fill(Slot& slot, const LoaderPosition& position, std::vector<int64_t>& perm,
                       uint64_t& perm_epoch) {
  if (perm.empty() || perm_epoch != position.epoch) {
    perm = epoch_order(records_, options_.seed, position.epoch,
                       options_.by_patient ? &patient_code_ : nullptr);
    perm_epoch = position.epoch;
  }
  const int64_t B = local_batch_;
  const auto first =
      static_cast<int64_t>(position.batch) * options_.batch_size + options_.slice_begin;
  auto* signals = static_cast<float*>(slot.signals.data());
  slot.record_index.resize(static_cast<size_t>(B));
  slot.rpeak_offsets.assign(1, 0);
  slot.rpeak_positions.clear();
  for (int64_t b = 0; b < B; ++b) {
    if (stop_.load(std::memory_order_relaxed)) return false;
    const int64_t r = records_[static_cast<size_t>(perm[static_cast<size_t>(first + b)])];
    slot.record_index[static_cast<size_t>(b)] = r;
    cache_.read_signal(r, signals + b * record_floats_);
    std::vector<int32_t> peaks = cache_.rpeaks(r);
    slot.rpeak_positions.insert(slot.rpeak_positions.end(), peaks.begin(), peaks.end());
    slot.rpeak_offsets.push_back(static_cast<int32_t>(slot.rpeak_positions.size()));
  }
  const size_t n_off = slot.rpeak_offsets.size(), n_pos = slot.rpeak_positions.size();
  const size_t packed_bytes = (n_off + n_pos + static_cast<size_t>(B)) * sizeof(int32_t);
  if (slot.packed.bytes() < packed_bytes) {
    slot.packed = HostBuffer(packed_bytes + packed_bytes / 2, options_.pinned);
  }
  auto* packed = static_cast<int32_t*>(slot.packed.data());
  std::copy(slot.rpeak_offsets.begin(), slot.rpeak_offsets.end(), packed);
  std::copy(slot.rpeak_positions.begin(), slot.rpeak_positions.end(), packed + n_off);
  for (int64_t b = 0; b < B; ++b) {  // < 2^31: the constructor checked the cache size
    packed[n_off + n_pos + static_cast<size_t>(b)] =
        static_cast<int32_t>(slot.record_index[static_cast<size_t>(b)]);
  }
  const auto batch_first = static_cast<int64_t>(position.batch) * options_.batch_size;
  slot.batch_patients.resize(static_cast<size_t>(options_.batch_size));
  for (int64_t j = 0; j < options_.batch_size; ++j) {
    const int64_t r = records_[static_cast<size_t>(perm[static_cast<size_t>(batch_first + j)])];
    slot.batch_patients[static_cast<size_t>(j)] = patient_code_[static_cast<size_t>(r)];
  }
  slot.position = position;
  return true;
}

void BatchLoader::run(LoaderPosition position) {
  std::vector<int64_t> perm;
  uint64_t perm_epoch = 0;
  const auto n_slots = static_cast<uint64_t>(slots_.size());
  try {
    for (uint64_t k = 0;; ++k) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_.load() || k - consumed_ < n_slots; });
        if (stop_) return;
      }
      // Slot k % n_slots is free: next() has handed out every batch before k - n_slots + 1, and
      // once its last upload has finished the slot's buffers may be overwritten.
      slots_[k % n_slots].uploaded.wait();
      if (!fill(slots_[k % n_slots], position, perm, perm_epoch)) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        produced_ = k + 1;
      }
      cv_.notify_all();
      position = advance(position);
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

Batch BatchLoader::next(Device device) {
  Slot* slot = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return produced_ > consumed_ || error_; });
    if (produced_ == consumed_) std::rethrow_exception(error_);
    slot = &slots_[consumed_ % slots_.size()];
  }
  // The reader does not touch this slot until consumed_ moves past it.
  const int64_t B = local_batch_;
  const auto n_peaks = static_cast<int64_t>(slot->rpeak_positions.size());
  Batch batch;
  batch.records = Tensor::empty(Shape{B, cache_.n_leads(), cache_.length()}, DType::f32, device);
  batch.rpeak_offsets = Tensor::empty(Shape{B + 1}, DType::i32, device);
  batch.rpeak_positions = Tensor::empty(Shape{n_peaks}, DType::i32, device);
  batch.record_index_i32 = Tensor::empty(Shape{B}, DType::i32, device);
  AsyncUpload upload(device);
  upload.copy(batch.records.raw_data(), slot->signals.data(), batch.records.nbytes());
  const auto* packed = static_cast<const int32_t*>(slot->packed.data());
  upload.copy(batch.rpeak_offsets.raw_data(), packed, batch.rpeak_offsets.nbytes());
  upload.copy(batch.rpeak_positions.raw_data(), packed + B + 1, batch.rpeak_positions.nbytes());
  upload.copy(batch.record_index_i32.raw_data(), packed + B + 1 + n_peaks,
              batch.record_index_i32.nbytes());
  slot->uploaded = upload.finish();
  // fill() rebuilds these four before it writes the slot again: hand them over, do not copy.
  batch.rpeak_offsets_host = std::move(slot->rpeak_offsets);
  batch.rpeak_positions_host = std::move(slot->rpeak_positions);
  batch.record_index = std::move(slot->record_index);
  batch.batch_patients = std::move(slot->batch_patients);
  batch.slice_begin = options_.slice_begin;
  batch.position = slot->position;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++consumed_;
    next_position_ = advance(batch.position);
  }
  cv_.notify_all();
  return batch;
}

}  // namespace acl::pretrain
