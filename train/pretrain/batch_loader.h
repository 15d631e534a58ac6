// Batches of whole records for pretraining, read ahead on a thread.
//
// Order: epoch e visits the loader's records in the order epoch_order(records, seed, e) (by default
// epoch_permutation(n, seed, e); with by_patient, patients in a random order and each patient's
// records together), cut into batches_per_epoch() = floor(n / B) batches of B records; the n mod B
// records left at the end of the order sit out that epoch (drop_last). The order is a pure function
// of (seed, epoch), so a run resumed at a position sees exactly the batches of a run that never
// stopped.
//
// Patients: every batch carries the patient code of each record of the whole batch (all ranks'
// slices), the codes of patient_codes(cache): the same on every rank, so a data-parallel
// objective can tell which records of the global batch share a patient without a collective.
//
// Position: (epoch, batch) of the batch next() returns next. A loader constructed at a position
// starts there.
//
// Threading: one reader thread decodes up to `prefetch_batches` batches ahead into reusable host
// slots (signals as float32, R-peaks as CSR); with `pinned` the slots are page-locked so the copy
// to a CUDA device runs at bus speed. next() takes the oldest slot, queues its copy into tensors on
// the requested device and hands the slot back: on CUDA the copies run on the copy stream and the
// compute stream waits for them through an event (AsyncUpload, engine/storage.h), so next() never
// waits for the device; the reader waits for a slot's copies to finish before it refills it. The
// destructor stops the thread, also when it is blocked on a full queue or in the middle of a batch,
// and joins it. A read error on the thread is rethrown by the next() that would have returned its
// batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/host_memory.h"
#include "engine/storage.h"
#include "engine/tensor.h"
#include "train/cache/cache_reader.h"

namespace acl::pretrain {

struct LoaderOptions {
  int64_t batch_size = 64;   // records per batch, >= 1
  int prefetch_batches = 4;  // slots the reader fills ahead, >= 1
  uint64_t seed = 0;         // keys the epoch permutations
  bool pinned = false;       // page-locked signal slots (CUDA builds; ignored otherwise)
  // Data parallelism: this rank's part of each batch of batch_size records, the records at
  // [slice_begin, slice_begin + slice_size) of it (slice_size 0: the whole batch). The order and
  // the epochs are those of batch_size, so the ranks' slices together are the whole batch.
  int64_t slice_begin = 0;
  int64_t slice_size = 0;
  // Batches of whole patients: each epoch visits the patients in a random order and a patient's
  // records one after the other (epoch_order with the cache's patient codes), so the records of
  // one patient share a batch except where a batch boundary cuts the patient.
  bool by_patient = false;
};

struct LoaderPosition {
  uint64_t epoch = 0;
  uint64_t batch = 0;  // batch index within the epoch
  bool operator==(const LoaderPosition& o) const { return epoch == o.epoch && batch == o.batch; }
  bool operator!=(const LoaderPosition& o) const { return !(*this == o); }
};

// One batch on a device.
struct Batch {
  Tensor records;          // (B, C, L) f32: C leads, L the cache's record length
  Tensor rpeak_offsets;    // i32 (B + 1): record b's peaks are positions[off[b], off[b+1])
  Tensor rpeak_positions;  // i32 (total peaks): sample positions within the record
  std::vector<int64_t> record_index;  // (B) the records' indices in the cache
  Tensor record_index_i32;            // i32 (B) record_index on the device (indices < 2^31)
  LoaderPosition position;            // where this batch sits in the order
  // The patient code (patient_codes) of every record of the whole batch of batch_size records, in
  // batch order; this batch's records are [slice_begin, slice_begin + B) of it.
  std::vector<int32_t> batch_patients;
  int64_t slice_begin = 0;
  // Host copies of rpeak_offsets and rpeak_positions, for checks that need no device read.
  std::vector<int32_t> rpeak_offsets_host;
  std::vector<int32_t> rpeak_positions_host;
};

// A permutation of 0..n-1 that is a pure function of (seed, epoch): Fisher-Yates where the swap
// partner of position i is drawn from Philox block (key seed, stream "shuffle", counter
// (epoch << 32) | i). Requires 0 <= n < 2^32.
std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, uint64_t epoch);

// The order in which epoch `epoch` visits `records`: positions 0..n-1 into it. With `patients`
// null, epoch_permutation(n, seed, epoch). Otherwise `patients` holds the patient code of every
// cache index (patient_codes) and the order is grouped: the patients of `records` (numbered in the
// order of their first record there) in the order epoch_permutation(n_patients, seed, epoch), each
// patient's records in a Fisher-Yates order of their own (Philox key seed, stream "patient",
// counter (epoch << 32) | (the patient's first position in the grouped order + i)).
std::vector<int64_t> epoch_order(const std::vector<int64_t>& records, uint64_t seed, uint64_t epoch,
                                 const std::vector<int32_t>* patients = nullptr);

// The cache indices of the batch at `position`: records[order[k * B + j]] for j < B, with order =
// epoch_order(records, seed, position.epoch, patients) and k = position.batch.
std::vector<int64_t> batch_records(const std::vector<int64_t>& records, int64_t batch_size,
                                   uint64_t seed, const LoaderPosition& position,
                                   const std::vector<int32_t>* patients = nullptr);

// The patient code of every record of `cache` (indexed by cache index): the patients
// (CacheReader::patient) numbered 0, 1, ... in the order of their first record, so equal codes mean
// one patient and every process reading the cache gets the same codes. A cache without patient ids
// gives every record its own code.
std::vector<int32_t> patient_codes(const cache::CacheReader& cache);

class BatchLoader {
 public:
  // `records`: the cache indices to draw from (e.g. CacheReader::indices_of_split), each in
  // [0, cache.size()). Throws std::invalid_argument when there are fewer records than one batch,
  // an index is out of range, or an option is out of range. `cache` must outlive the loader.
  BatchLoader(const cache::CacheReader& cache, std::vector<int64_t> records,
              const LoaderOptions& options, const LoaderPosition& start = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch, copied to `device`; waits for the reader when it is behind.
  Batch next(Device device);

  // Where the next call to next() is in the order.
  LoaderPosition position() const;
  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  int64_t batch_size() const { return options_.batch_size; }
  const std::vector<int64_t>& records() const { return records_; }

 private:
  struct Slot {
    HostBuffer signals;  // (B, C, L) f32
    std::vector<int32_t> rpeak_offsets;
    std::vector<int32_t> rpeak_positions;
    HostBuffer packed;   // i32 offsets, positions, record indices: the upload's source (pinned)
    CopyFence uploaded;  // passed when the last upload from this slot has finished
    std::vector<int64_t> record_index;
    std::vector<int32_t> batch_patients;  // (batch_size) patient codes of the whole batch
    LoaderPosition position;
  };

  void run(LoaderPosition position);  // the reader thread
  // Fills `slot` with the batch at `position`; false when stopped midway.
  bool fill(Slot& slot, const LoaderPosition& position, std::vector<int64_t>& perm,
            uint64_t& perm_epoch);
  LoaderPosition advance(LoaderPosition p) const;

  const cache::CacheReader& cache_;
  std::vector<int64_t> records_;
  LoaderOptions options_;
  int64_t batches_per_epoch_ = 0;
  int64_t local_batch_ = 0;            // records per returned batch (the slice)
  int64_t record_floats_ = 0;          // C * L
  std::vector<int32_t> patient_code_;  // patient_codes(cache_)

  std::vector<Slot> slots_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t produced_ = 0;  // batches the reader has finished
  uint64_t consumed_ = 0;  // batches next() has handed out
  LoaderPosition next_position_;
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;  // set by the reader; it stops after an error
  std::thread thread_;
};

}  // namespace acl::pretrain
