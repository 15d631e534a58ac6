// The pretraining batch loader: epoch permutations that are pure functions of (seed, epoch) and
// uniform, epochs that cover every record at most once (drop_last), batches that hold exactly the
// cache's signals and R-peaks, resuming at a position, and shutdown while the reader is busy.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/device_select.h"
#include "kernels/runtime/host_sync.h"
#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "tests/test_util.h"
#include "train/cache/cache_reader.h"
#include "train/pretrain/batch_loader.h"
#include "train/pretrain/trainer.h"

namespace acl::pretrain {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kRecords = 40;

class BatchLoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = acl::testing::temp_path("batch_loader");
    acl::testing::prepare_synthetic_cache(dir_.string(), kRecords, 16, 4);  // several shards
    cache_ = new cache::CacheReader(dir_.string());
  }
  static void TearDownTestSuite() {
    delete cache_;
    cache_ = nullptr;
    fs::remove_all(dir_);
  }

  // Records 2..38 (37 of the 40): not a multiple of the batch sizes used, not starting at 0.
  static std::vector<int64_t> subset() {
    std::vector<int64_t> r(37);
    std::iota(r.begin(), r.end(), 2);
    return r;
  }

  static fs::path dir_;
  static cache::CacheReader* cache_;
};
fs::path BatchLoaderTest::dir_;
cache::CacheReader* BatchLoaderTest::cache_ = nullptr;

LoaderOptions options(int64_t batch, int prefetch, uint64_t seed = 7) {
  LoaderOptions o;
  o.batch_size = batch;
  o.prefetch_batches = prefetch;
  o.seed = seed;
  return o;
}

using acl::testing::same_bytes;

TEST(EpochPermutation, IsAPermutationThatDependsOnlyOnSeedAndEpoch) {
  for (int64_t n : {0, 1, 2, 7, 1000}) {
    std::vector<int64_t> p = epoch_permutation(n, 3, 5);
    std::vector<int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> iota(static_cast<size_t>(n));
    std::iota(iota.begin(), iota.end(), 0);
    EXPECT_EQ(sorted, iota) << "n = " << n;
    EXPECT_EQ(p, epoch_permutation(n, 3, 5)) << "n = " << n;
  }
  const std::vector<int64_t> base = epoch_permutation(1000, 3, 5);
  EXPECT_NE(base, epoch_permutation(1000, 3, 6)) << "another epoch";
  EXPECT_NE(base, epoch_permutation(1000, 4, 5)) << "another seed";
  std::vector<int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_NE(base, iota);
  EXPECT_THROW(epoch_permutation(int64_t{1} << 32, 0, 0), std::invalid_argument);
  EXPECT_THROW(epoch_permutation(-1, 0, 0), std::invalid_argument);
}

// Every element lands on every position about equally often (a biased shuffle, e.g. swapping with
// any position instead of a lower one, fails this).
TEST(EpochPermutation, PositionsAreUniform) {
  constexpr int kN = 6, kEpochs = 6000;
  std::vector<std::vector<int>> count(kN, std::vector<int>(kN, 0));
  for (int e = 0; e < kEpochs; ++e) {
    std::vector<int64_t> p = epoch_permutation(kN, 11, static_cast<uint64_t>(e));
    for (int i = 0; i < kN; ++i) ++count[static_cast<size_t>(p[static_cast<size_t>(i)])][i];
  }
  const double expected = static_cast<double>(kEpochs) / kN;  // 1000, sd ~ 29
  for (int v = 0; v < kN; ++v)
    for (int i = 0; i < kN; ++i)
      EXPECT_NEAR(count[v][i], expected, 150) << "value " << v << " at position " << i;
}

TEST_F(BatchLoaderTest, AnEpochCoversEachRecordAtMostOnce) {
  const std::vector<int64_t> records = subset();
  BatchLoader loader(*cache_, records, options(5, 3));
  ASSERT_EQ(loader.batches_per_epoch(), 7);  // 37 / 5, two records sit out
  std::set<int64_t> seen;
  for (int k = 0; k < 7; ++k) {
    EXPECT_EQ(loader.position(), (LoaderPosition{0, static_cast<uint64_t>(k)}));
    Batch b = loader.next(Device::CPU);
    EXPECT_EQ(b.position, (LoaderPosition{0, static_cast<uint64_t>(k)}));
    ASSERT_EQ(b.record_index.size(), 5u);
    for (int64_t r : b.record_index) {
      EXPECT_TRUE(std::binary_search(records.begin(), records.end(), r)) << r;
      EXPECT_TRUE(seen.insert(r).second) << "record " << r << " twice in epoch 0";
    }
  }
  EXPECT_EQ(seen.size(), 35u);
  EXPECT_EQ(loader.position(), (LoaderPosition{1, 0}));
  Batch next_epoch = loader.next(Device::CPU);
  EXPECT_EQ(next_epoch.position, (LoaderPosition{1, 0}));
  EXPECT_EQ(next_epoch.record_index, batch_records(records, 5, 7, {1, 0}));
}

TEST_F(BatchLoaderTest, BatchesHoldTheCachesSignalsAndRpeaks) {
  const std::vector<int64_t> records = subset();
  BatchLoader loader(*cache_, records, options(4, 2));
  const int64_t C = cache_->n_leads(), L = cache_->length();
  std::vector<float> expected(static_cast<size_t>(C * L));
  for (int k = 0; k < 12; ++k) {  // crosses into epoch 1 (9 batches per epoch)
    Batch b = loader.next(Device::CPU);
    ASSERT_EQ(b.records.shape(), (Shape{4, C, L}));
    EXPECT_EQ(b.record_index, batch_records(records, 4, 7, b.position));
    const auto* x = b.records.data<float>();
    std::vector<int32_t> off = b.rpeak_offsets.to_vector<int32_t>();
    std::vector<int32_t> pos = b.rpeak_positions.to_vector<int32_t>();
    ASSERT_EQ(off.size(), 5u);
    EXPECT_EQ(off[0], 0);
    EXPECT_EQ(static_cast<size_t>(off[4]), pos.size());
    for (int j = 0; j < 4; ++j) {
      const int64_t r = b.record_index[static_cast<size_t>(j)];
      cache_->read_signal(r, expected.data());
      EXPECT_EQ(std::memcmp(x + j * C * L, expected.data(), expected.size() * sizeof(float)), 0)
          << "record " << r;
      std::vector<int32_t> peaks = cache_->rpeaks(r);
      ASSERT_FALSE(peaks.empty());
      std::vector<int32_t> got(pos.begin() + off[j], pos.begin() + off[j + 1]);
      EXPECT_EQ(got, peaks) << "record " << r;
    }
  }
}

TEST_F(BatchLoaderTest, StartingAtAPositionContinuesTheSameOrder) {
  const std::vector<int64_t> records = subset();
  std::vector<Batch> reference;
  {
    BatchLoader loader(*cache_, records, options(6, 4));  // 6 batches per epoch
    for (int k = 0; k < 14; ++k) reference.push_back(loader.next(Device::CPU));
  }
  for (int start : {0, 4, 6, 9}) {
    BatchLoader resumed(*cache_, records, options(6, start % 2 ? 1 : 3),
                        reference[static_cast<size_t>(start)].position);
    for (int k = start; k < 14; ++k) {
      Batch b = resumed.next(Device::CPU);
      const Batch& want = reference[static_cast<size_t>(k)];
      EXPECT_EQ(b.position, want.position) << "start " << start << " batch " << k;
      EXPECT_EQ(b.record_index, want.record_index) << "start " << start << " batch " << k;
      EXPECT_TRUE(same_bytes(b.records, want.records)) << "start " << start << " batch " << k;
      EXPECT_TRUE(same_bytes(b.rpeak_positions, want.rpeak_positions));
    }
  }
}

TEST_F(BatchLoaderTest, OrderDependsOnTheSeed) {
  BatchLoader a(*cache_, subset(), options(6, 2, 1)), b(*cache_, subset(), options(6, 2, 2));
  EXPECT_NE(a.next(Device::CPU).record_index, b.next(Device::CPU).record_index);
}

TEST_F(BatchLoaderTest, ShutsDownWhileTheReaderIsBusyOrBlocked) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    BatchLoader idle(*cache_, subset(), options(37, 2));  // destroyed while (maybe) filling
  }
  {
    BatchLoader blocked(*cache_, subset(), options(3, 2));
    blocked.next(Device::CPU);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the queue is full again
  }
  {
    BatchLoader mid_epoch(*cache_, subset(), options(5, 1), LoaderPosition{3, 2});
    EXPECT_EQ(mid_epoch.next(Device::CPU).position, (LoaderPosition{3, 2}));
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 10.0);
}

// The host copies and the device index a batch carries for the augmentations equal its tensors.
TEST_F(BatchLoaderTest, BatchesCarryHostCopiesOfTheirRpeaksAndIndex) {
  const std::vector<Device> devices = cuda_available()
                                          ? std::vector<Device>{Device::CPU, Device::CUDA}
                                          : std::vector<Device>{Device::CPU};
  for (Device device : devices) {
    BatchLoader loader(*cache_, subset(), options(4, 2));
    for (int k = 0; k < 5; ++k) {  // more batches than slots: slots are reused
      Batch b = loader.next(device);
      EXPECT_EQ(b.rpeak_offsets_host, b.rpeak_offsets.to_vector<int32_t>());
      EXPECT_EQ(b.rpeak_positions_host, b.rpeak_positions.to_vector<int32_t>());
      ASSERT_EQ(b.record_index_i32.device(), device);
      const std::vector<int32_t> index = b.record_index_i32.to_vector<int32_t>();
      ASSERT_EQ(index.size(), b.record_index.size());
      for (size_t j = 0; j < index.size(); ++j) EXPECT_EQ(index[j], b.record_index[j]);
      if (device == Device::CUDA) {  // the signals arrived through the copy stream intact
        std::vector<float> expected(static_cast<size_t>(cache_->n_leads() * cache_->length()));
        cache_->read_signal(b.record_index[0], expected.data());
        std::vector<float> got = b.records.to_vector<float>();
        got.resize(expected.size());
        EXPECT_EQ(got, expected);
      }
    }
  }
}

// A pretraining step on CUDA after warm-up waits for the device only for a few scalars (below) and
// for the loader's slot reuse, never per parameter, layer or view: runs of 10 and 20 steps differ
// by at most 10 steps of those.
TEST_F(BatchLoaderTest, CudaTrainingStepWaitsOnlyForItsScalars) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  auto run = [&](int steps) {
    nlohmann::json j = nlohmann::json::parse(R"({
      "seed": 1,
      "data": {"split": "all", "view_length": 128, "prefetch_batches": 2},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 16, "out_dim": 16},
                          "region": {"hidden_dim": 16, "out_dim": 16}}},
      "objective": {"method": "acl", "tau": 0.1,
                    "augmentations": {"scale_crop": {"enabled": true, "s_min": 0.5, "s_max": 0.6},
                                      "cycle_mask": {"enabled": true, "p": 0.2}}},
      "optimizer": {"name": "lars", "lr": 0.1, "clip_grad_norm": 5.0,
                    "schedule": {"warmup_steps": 2, "min_lr": 0}},
      "train": {"steps": 10, "batch_size": 8, "log_every": 10, "checkpoint_every": 0,
                "device": "cuda"}
    })");
    j["train"]["steps"] = steps;
    j["out_dir"] = (dir_ / ("sync_run_" + std::to_string(steps))).string();
    j["data"]["cache"] = dir_.string();
    TrainerOptions o;
    o.progress = false;
    const uint64_t before = host_sync_count();
    TrainResult r = train(experiment::ExperimentConfig::from_json(j, "test"), o);
    EXPECT_EQ(r.status, TrainStatus::kCompleted);
    return host_sync_count() - before;
  };
  const uint64_t ten = run(10), twenty = run(20);
  // Per step: the anchor counts of the 2 contrastive losses (engine/ops_contrastive.cpp), the
  // loss, the clipped gradient norm, LARS's norms (one read for all parameters), 2 loss terms and
  // 2 accuracies (the trainer's progress values), and the reader's wait before it refills a slot.
  constexpr uint64_t kPerStep = 10;
  EXPECT_LE(twenty - std::min(twenty, ten), 10 * kPerStep) << ten << " then " << twenty;
}

TEST_F(BatchLoaderTest, RejectsWhatCannotMakeABatch) {
  EXPECT_THROW(BatchLoader(*cache_, subset(), options(38, 2)), std::invalid_argument);
  EXPECT_THROW(BatchLoader(*cache_, subset(), options(0, 2)), std::invalid_argument);
  EXPECT_THROW(BatchLoader(*cache_, subset(), options(4, 0)), std::invalid_argument);
  EXPECT_THROW(BatchLoader(*cache_, {0, 1, kRecords}, options(2, 1)), std::invalid_argument);
  EXPECT_THROW(BatchLoader(*cache_, subset(), options(5, 1), LoaderPosition{0, 7}),
               std::invalid_argument);
  EXPECT_THROW(batch_records(subset(), 5, 0, {0, 7}), std::invalid_argument);
}

}  // namespace
}  // namespace acl::pretrain
