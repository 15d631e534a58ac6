// Data-parallel pretraining against one process (run directly at np = 1 and by ctest under mpirun
// at np = 2): the ranks' batch slices are the single-process batch, bucketed gradient all-reduce
// gives every rank the single-process gradient, and N ranks training with global batch B produce
// the losses of every step and the final parameters of one process training with batch B.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/comm/tensor_comm.h"
#include "engine/io/safetensors.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "tests/comm_test_util.h"
#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "train/cache/cache_reader.h"
#include "train/pretrain/batch_loader.h"
#include "train/pretrain/data_parallel.h"
#include "train/pretrain/run_dir.h"
#include "train/pretrain/trainer.h"

namespace acl::pretrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using acl::testing::world;

constexpr int64_t kRecords = 48;

// One directory shared by the ranks (rank 0 names it and prepares the dataset).
class DataParallelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    comm::Communicator& c = world();
    std::string path;
    if (c.rank() == 0) path = acl::testing::temp_path("data_parallel");
    std::vector<int32_t> chars(512, 0);
    for (size_t i = 0; i < path.size() && i + 1 < chars.size(); ++i) chars[i] = path[i];
    c.broadcast(chars.data(), chars.size(), comm::CommType::i32, 0);
    path.clear();
    for (int32_t ch : chars) {
      if (ch == 0) break;
      path += static_cast<char>(ch);
    }
    root_ = path;
    if (c.rank() == 0)
      acl::testing::prepare_synthetic_cache((root_ / "cache").string(), kRecords, 16, 5);
    c.barrier();
  }
  // Rank 0 removes the directory at exit: every rank must be done with it first.
  static void TearDownTestSuite() { world().barrier(); }

  // A small ACL run: 8 leads, branch 4-8-16, views of 128 samples, global batch 8. SGD with
  // momentum: its update is linear in the gradient, so the f32 rounding differences of the two
  // summation orders stay at their own size. (AdamW divides by sqrt(v) + eps: a parameter whose
  // gradient is ~1e-9 moves by lr * g / eps, which turns a 1e-13 rounding difference of g into a
  // 1e-5 relative difference of that parameter; the losses still agree.)
  static experiment::ExperimentConfig config(const std::string& run, int64_t steps) {
    json j = json::parse(R"({
      "seed": 5,
      "data": {"split": "all", "view_length": 128, "prefetch_batches": 2},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8, 16], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 32, "out_dim": 32},
                          "region": {"hidden_dim": 32, "out_dim": 32}}},
      "objective": {"method": "acl", "tau": 0.1,
                    "augmentations": {"scale_crop": {"enabled": true, "s_min": 0.25, "s_max": 0.4},
                                      "cycle_mask": {"enabled": true, "p": 0.2},
                                      "time_shift": {"enabled": true, "max_fraction": 0.1}}},
      "optimizer": {"name": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0001,
                    "schedule": {"warmup_steps": 2, "min_lr": 0}},
      "train": {"batch_size": 8, "log_every": 1, "checkpoint_every": 0, "device": "cpu",
                "grad_bucket_mb": 0.02}
    })");
    j["train"]["steps"] = steps;
    j["out_dir"] = (root_ / run).string();
    j["data"]["cache"] = (root_ / "cache").string();
    return experiment::ExperimentConfig::from_json(j, "test");
  }

  struct Run {
    std::vector<StepValues> steps;
    SafetensorsFile model;  // the final checkpoint's model.safetensors
  };
  // Trains `c` (on the world group, or alone) and reads the final checkpoint once rank 0 wrote it.
  static Run train_run(const experiment::ExperimentConfig& c, bool distributed,
                       const std::string& resume = "") {
    TrainerOptions o;
    o.progress = false;
    o.comm = distributed ? &world() : nullptr;
    o.resume = resume;
    Run run;
    o.on_step = [&](const StepReport& r) { run.steps.push_back(r.values); };
    TrainResult r = train(c, o);
    EXPECT_EQ(r.status, TrainStatus::kCompleted);
    if (distributed) world().barrier();
    run.model = read_safetensors(
        (fs::path(checkpoint_dir(c.out_dir, c.train.steps)) / kModelFile).string());
    return run;
  }

  static std::string rank_dir(const std::string& name) {
    return name + "_rank" + std::to_string(world().rank());
  }

  static fs::path root_;
};
fs::path DataParallelTest::root_;

// |a - b| <= 1e-5 * (max(|a|, |b|) + scale): f32 relative, with an absolute floor at the scale of
// the quantity: the tensor's rms, and for a running_mean the standard deviation of the activation
// it averages (sqrt(running_var)): a channel mean near zero is a sum of O(std) values that cancel,
// so its rounding is relative to std, not to the mean.
double g_worst = 0;  // the largest |a - b| / (max(|a|, |b|) + scale) seen, reported per test

void expect_state_close(const SafetensorsFile& got, const SafetensorsFile& want) {
  ASSERT_EQ(got.tensors.size(), want.tensors.size());
  const std::string mean_suffix = "running_mean";
  for (const auto& [name, w] : want.tensors) {
    ASSERT_TRUE(got.tensors.count(name)) << name;
    const std::vector<double> a = got.tensors.at(name).to_tensor().to_vector<double>();
    const std::vector<double> b = w.to_tensor().to_vector<double>();
    ASSERT_EQ(a.size(), b.size()) << name;
    double rms = 0;
    for (double x : b) rms += x * x;
    rms = std::sqrt(rms / static_cast<double>(std::max<size_t>(b.size(), 1)));
    std::vector<double> scale(b.size(), rms);
    if (name.size() > mean_suffix.size() &&
        name.compare(name.size() - mean_suffix.size(), mean_suffix.size(), mean_suffix) == 0) {
      const std::string var = name.substr(0, name.size() - mean_suffix.size()) + "running_var";
      ASSERT_TRUE(want.tensors.count(var)) << var;
      const std::vector<double> v = want.tensors.at(var).to_tensor().to_vector<double>();
      for (size_t i = 0; i < v.size(); ++i) scale[i] = std::max(rms, std::sqrt(v[i]));
    }
    int64_t compared = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      g_worst = std::max(
          g_worst, std::abs(a[i] - b[i]) / (std::max(std::abs(a[i]), std::abs(b[i])) + scale[i]));
      ASSERT_LE(std::abs(a[i] - b[i]), 1e-5 * (std::max(std::abs(a[i]), std::abs(b[i])) + scale[i]))
          << name << "[" << i << "]: " << a[i] << " vs single process " << b[i] << " (rank "
          << world().rank() << " of " << world().size() << ")";
      ++compared;
    }
    EXPECT_EQ(compared, static_cast<int64_t>(b.size()));
  }
}

void expect_steps_close(const std::vector<StepValues>& got, const std::vector<StepValues>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t s = 0; s < got.size(); ++s) {
    EXPECT_NEAR(got[s].loss, want[s].loss, 1e-5 * std::abs(want[s].loss)) << "step " << s + 1;
    EXPECT_NEAR(got[s].loss_global, want[s].loss_global, 1e-5 * std::abs(want[s].loss_global))
        << "step " << s + 1;
    EXPECT_NEAR(got[s].loss_region, want[s].loss_region, 1e-5 * std::abs(want[s].loss_region))
        << "step " << s + 1;
    EXPECT_NEAR(got[s].acc_global, want[s].acc_global, 1e-6) << "step " << s + 1;
    EXPECT_NEAR(got[s].acc_region, want[s].acc_region, 1e-6) << "step " << s + 1;
  }
}

TEST_F(DataParallelTest, RankSlicesTogetherAreTheGlobalBatch) {
  comm::Communicator& c = world();
  cache::CacheReader cache((root_ / "cache").string());
  std::vector<int64_t> records;
  for (int64_t i = 0; i < kRecords; i += 2) records.push_back(i);  // a subset, as a split is
  const int64_t B = 4 * c.size();
  LoaderOptions lo;
  lo.batch_size = B;
  lo.seed = 11;
  lo.prefetch_batches = 2;
  lo.slice_begin = c.rank() * 4;
  lo.slice_size = 4;
  const LoaderPosition start{1, 2};
  BatchLoader loader(cache, records, lo, start);
  LoaderPosition pos = start;
  for (int k = 0; k < 5; ++k) {
    Batch b = loader.next(Device::CPU);
    ASSERT_EQ(b.records.size(0), 4);
    std::vector<int64_t> all(static_cast<size_t>(B));
    c.allgather(b.record_index.data(), all.data(), 4, comm::CommType::i64);
    EXPECT_EQ(all, batch_records(records, B, 11, pos))
        << "epoch " << pos.epoch << " batch " << pos.batch;
    EXPECT_EQ(b.position, pos);
    pos = ++pos.batch == static_cast<uint64_t>(loader.batches_per_epoch())
              ? LoaderPosition{pos.epoch + 1, 0}
              : pos;
  }
}

// A two-layer model: each rank's loss over its rows is its share of the global loss; after the
// bucketed all-reduce every rank holds the single-process gradient, and with buckets of one
// parameter each every bucket was started by the hook during backward.
TEST_F(DataParallelTest, BucketedAllReduceGivesTheGlobalGradientDuringBackward) {
  comm::Communicator& c = world();
  const int64_t n_local = 3, n = n_local * c.size();
  Rng rng(21, 0);
  Tensor x = Tensor::normal(Shape{n, 5}, 0.0, 1.0, rng, DType::f64);
  auto make_params = [&] {
    Rng prng(22, 0);
    std::vector<Tensor> p = {Tensor::normal(Shape{4, 5}, 0.0, 0.5, prng, DType::f64),
                             Tensor::normal(Shape{4}, 0.0, 0.5, prng, DType::f64),
                             Tensor::normal(Shape{2, 4}, 0.0, 0.5, prng, DType::f64),
                             Tensor::normal(Shape{2}, 0.0, 0.5, prng, DType::f64)};
    for (Tensor& t : p) t.set_requires_grad();
    return p;
  };
  auto loss_of = [](const std::vector<Tensor>& p, const Tensor& rows) {
    Tensor h = relu(linear(rows, p[0], p[1]));
    return sum(mul(linear(h, p[2], p[3]), linear(h, p[2], p[3])));
  };
  std::vector<Tensor> ref = make_params();
  loss_of(ref, x).backward();

  std::vector<Tensor> mine = make_params();
  experiment::TrainConfig tc;
  tc.grad_bucket_mb = 1e-6;  // every parameter its own bucket
  DataParallel dp(c, tc, Device::CPU);
  dp.set_parameters(mine);
  {
    auto hook = dp.gradient_hook();
    loss_of(mine, slice(x, 0, c.rank() * n_local, (c.rank() + 1) * n_local)).backward();
  }
  dp.finish_gradients();
  if (c.size() > 1) {
    EXPECT_EQ(dp.bucket_count(), 4);
    EXPECT_EQ(dp.buckets_started_in_backward(), 4);
  }
  for (size_t k = 0; k < ref.size(); ++k) {
    const std::vector<double> a = mine[k].grad().to_vector<double>(),
                              b = ref[k].grad().to_vector<double>();
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a[i], b[i], 1e-12 + 1e-10 * std::abs(b[i])) << "param " << k << "[" << i << "]";
  }
}

TEST_F(DataParallelTest, RanksTrainAsOneProcessWithTheGlobalBatch) {
  const int64_t steps = 4;
  Run single = train_run(config(rank_dir("single"), steps), false);
  Run group = train_run(config("group", steps), true);
  ASSERT_EQ(single.steps.size(), static_cast<size_t>(steps));
  expect_steps_close(group.steps, single.steps);
  g_worst = 0;
  expect_state_close(group.model, single.model);
  std::printf("rank %d of %d: final state, worst |a - b| / (|b| + scale) = %.3g\n", world().rank(),
              world().size(), g_worst);
  // Only rank 0 wrote the run directory's metrics.
  EXPECT_TRUE(fs::exists(root_ / "group" / "metrics.jsonl"));
}

// CLOCS with patient positives: a record's positives include the views of its patient's other
// records wherever they sit in the global batch, so the group scores the gathered batch with the
// global patient codes and still trains as one process. The batches of the run put two records of
// one patient on different ranks' slices (checked), so a per-rank patient numbering would differ.
TEST_F(DataParallelTest, PatientPositivesAcrossRanksTrainAsOneProcess) {
  const int64_t steps = 4;
  auto clocs = [](const std::string& run) {
    experiment::ExperimentConfig c = config(run, steps);
    experiment::ExperimentConfig m = c;
    m.objective = experiment::method_defaults(experiment::Method::kClocs);
    m.objective.tau = c.objective.tau;
    m.heads.region = c.heads.region;
    return experiment::ExperimentConfig::from_json(m.to_json(), "test");
  };
  const experiment::ExperimentConfig single_config = clocs(rank_dir("single_patients"));
  ASSERT_EQ(single_config.objective.positives, experiment::Positives::kPatient);
  cache::CacheReader cache((root_ / "cache").string());
  std::vector<int64_t> records;
  for (int64_t i = 0; i < kRecords; ++i) records.push_back(i);
  const int64_t B = single_config.train.batch_size;
  int split_pairs = 0;
  const int64_t per_epoch = kRecords / B;
  for (int64_t s = 0; s < steps; ++s) {
    const LoaderPosition pos{static_cast<uint64_t>(s / per_epoch),
                             static_cast<uint64_t>(s % per_epoch)};
    const std::vector<int64_t> batch = batch_records(records, B, single_config.seed, pos);
    for (int64_t a = 0; a < B / 2; ++a)
      for (int64_t b = B / 2; b < B; ++b)
        split_pairs += cache.patient(batch[static_cast<size_t>(a)]) ==
                       cache.patient(batch[static_cast<size_t>(b)]);
  }
  ASSERT_GT(split_pairs, 0) << "no patient has records in both halves of a batch";
  Run single = train_run(single_config, false);
  Run group = train_run(clocs("group_patients"), true);
  ASSERT_EQ(single.steps.size(), static_cast<size_t>(steps));
  expect_steps_close(group.steps, single.steps);
  g_worst = 0;
  expect_state_close(group.model, single.model);
  std::printf(
      "rank %d of %d: patient positives, %d same-patient pairs across the halves, final "
      "state worst |a - b| / (|b| + scale) = %.3g\n",
      world().rank(), world().size(), split_pairs, g_worst);
}

// A group's checkpoint resumed by one process (another rank count, the same global batch) goes on
// as the uninterrupted single-process run.
TEST_F(DataParallelTest, ResumeWithAnotherRankCountKeepsTheGlobalBatch) {
  const int64_t steps = 4;
  Run single = train_run(config(rank_dir("single_resume"), steps), false);
  experiment::ExperimentConfig half = config("group_half", steps);
  half.train.checkpoint_every = 2;
  TrainerOptions o;
  o.progress = false;
  o.comm = &world();
  // Stop after step 2 through the stop flag (every rank sees it).
  volatile std::sig_atomic_t stop = 0;
  o.stop_signal = &stop;
  o.on_step = [&](const StepReport& r) {
    if (r.step == 2) stop = 15;
  };
  TrainResult r = train(half, o);
  EXPECT_EQ(r.status, TrainStatus::kInterrupted);
  EXPECT_EQ(r.steps, 2);
  world().barrier();
  experiment::ExperimentConfig rest = config(rank_dir("alone_rest"), steps);
  Run resumed = train_run(rest, false, (root_ / "group_half").string());
  ASSERT_EQ(resumed.steps.size(), 2u);
  expect_steps_close(resumed.steps,
                     std::vector<StepValues>(single.steps.begin() + 2, single.steps.end()));
  expect_state_close(resumed.model, single.model);
}

}  // namespace
}  // namespace acl::pretrain
