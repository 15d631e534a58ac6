// The pretraining loop on a synthetic dataset, on the CPU: the contrastive accuracies rise far
// above chance and the loss falls; a run stopped by SIGINT and resumed (from the latest or an older
// checkpoint) equals the uninterrupted run bit for bit; a non-finite loss stops the run naming the
// last good checkpoint, or is skipped and counted; the run directory's files read back.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "models/encoder.h"
#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "tests/test_util.h"
#include "train/cache/cache_reader.h"
#include "train/pretrain/batch_loader.h"
#include "train/pretrain/run_dir.h"
#include "train/pretrain/stop_signal.h"
#include "train/pretrain/trainer.h"

namespace acl::pretrain {
namespace {
namespace fs = std::filesystem;
using experiment::ExperimentConfig;
using nlohmann::json;

constexpr int64_t kRecords = 160;
constexpr int64_t kBatch = 16;

using acl::testing::read_file;

std::vector<json> read_metrics(const fs::path& run) {
  std::vector<json> lines;
  std::ifstream in(run / kMetricsFile);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));  // throws when malformed
  return lines;
}

// name -> tensor of a safetensors file.
std::map<std::string, Tensor> read_tensors(const fs::path& p) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, e] : read_safetensors(p.string()).tensors) out[name] = e.to_tensor();
  return out;
}

using acl::testing::same_bytes;

// Names whose tensors differ between two safetensors files ("" when none).
std::string differing_tensors(const fs::path& a, const fs::path& b) {
  std::map<std::string, Tensor> ta = read_tensors(a), tb = read_tensors(b);
  std::string out;
  for (const auto& [name, t] : ta)
    if (!tb.count(name) || !same_bytes(t, tb.at(name))) out += name + " ";
  if (ta.size() != tb.size()) out += "(different tensor counts)";
  return out;
}

class PretrainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = acl::testing::temp_path("pretrain");
    // 500 samples at 100 Hz
    acl::testing::prepare_synthetic_cache((root_ / "cache").string(), kRecords, 64, 5);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  // A small ACL run: 8 leads, branch 4-8-16, views of 128 samples, batch 16.
  static json base_json(const std::string& run) {
    json j = json::parse(R"({
      "seed": 3,
      "data": {"split": "all", "view_length": 128, "prefetch_batches": 2},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8, 16], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 32, "out_dim": 32},
                          "region": {"hidden_dim": 32, "out_dim": 32}}},
      "objective": {"method": "acl", "tau": 0.1,
                    "augmentations": {"scale_crop": {"enabled": true, "s_min": 0.25, "s_max": 0.4},
                                      "cycle_mask": {"enabled": true, "p": 0.2},
                                      "time_shift": {"enabled": true, "max_fraction": 0.1}}},
      "optimizer": {"name": "adamw", "lr": 0.003, "weight_decay": 0.0001,
                    "schedule": {"warmup_steps": 5, "min_lr": 0}},
      "train": {"steps": 60, "batch_size": 16, "log_every": 10, "checkpoint_every": 0,
                "keep_checkpoints": 2, "device": "cpu"}
    })");
    j["out_dir"] = (root_ / run).string();
    j["data"]["cache"] = (root_ / "cache").string();
    return j;
  }
  static ExperimentConfig config(const json& j) { return ExperimentConfig::from_json(j, "test"); }
  static TrainerOptions quiet() {
    TrainerOptions o;
    o.progress = false;
    return o;
  }

  static fs::path root_;
};
fs::path PretrainTest::root_;

TEST_F(PretrainTest, AccuracyRisesFarAboveChanceAndLossFalls) {
  json j = base_json("learn");
  ExperimentConfig c = config(j);
  TrainResult r = train(c, quiet());
  EXPECT_EQ(r.status, TrainStatus::kCompleted);
  EXPECT_EQ(r.steps, 60);
  EXPECT_EQ(r.skipped, 0);

  std::vector<json> m = read_metrics(root_ / "learn");
  ASSERT_EQ(m.size(), 6u);
  for (size_t i = 0; i < m.size(); ++i) {
    for (const char* key : {"step", "epoch", "loss", "loss_global", "loss_region", "acc_global",
                            "acc_region", "lr", "grad_norm", "samples_per_s", "skipped",
                            "gpu_mem_bytes", "gpu_mem_peak_bytes", "elapsed_s"}) {
      EXPECT_TRUE(m[i].contains(key)) << "line " << i << " lacks " << key;
    }
    EXPECT_EQ(m[i]["step"].get<int64_t>(), static_cast<int64_t>(10 * (i + 1)));
    EXPECT_GT(m[i]["samples_per_s"].get<double>(), 0.0);
    EXPECT_EQ(m[i]["gpu_mem_bytes"].get<uint64_t>(), 0u);
    const double l = m[i]["loss"].get<double>(), lg = m[i]["loss_global"].get<double>(),
                 lr = m[i]["loss_region"].get<double>();
    // lambda_g = lambda_r = 1; the sum is formed in float32.
    EXPECT_NEAR(l, lg + lr, 1e-6 * std::abs(l));
  }
  EXPECT_EQ(m.back()["epoch"].get<int64_t>(), 5);  // 10 batches per epoch
  // Chance: a global anchor has 2B - 1 candidates, a region anchor 2BR - 1 (R = 4).
  const double chance_g = 1.0 / (2 * kBatch - 1), chance_r = 1.0 / (2 * kBatch * 4 - 1);
  const json& first = m.front();
  const json& last = m.back();
  std::printf(
      "loss %.3f -> %.3f, acc_global %.3f -> %.3f (chance %.3f), acc_region %.3f -> %.3f "
      "(chance %.4f)\n",
      first["loss"].get<double>(), last["loss"].get<double>(), first["acc_global"].get<double>(),
      last["acc_global"].get<double>(), chance_g, first["acc_region"].get<double>(),
      last["acc_region"].get<double>(), chance_r);
  EXPECT_LT(last["loss"].get<double>(), 0.75 * first["loss"].get<double>());
  EXPECT_GT(last["acc_global"].get<double>(), 10 * chance_g);
  EXPECT_GT(last["acc_region"].get<double>(), 20 * chance_r);
  EXPECT_GT(last["acc_global"].get<double>(), first["acc_global"].get<double>() + 0.2);

  // config.json reads back into the same config.
  json stored = json::parse(read_file(root_ / "learn" / kConfigFile));
  EXPECT_EQ(config(stored).to_json(), c.to_json());
  // encoder.safetensors holds the final encoder under models' own names and loads into one.
  Rng rng(99);
  std::unique_ptr<models::Encoder> enc = models::make_encoder(c.encoder, rng);
  StringMap meta = load_state_dict(r.encoder, enc->state_dict());
  EXPECT_EQ(models::EncoderConfig::from_json(json::parse(meta.at("config"))), c.encoder);
  std::map<std::string, Tensor> model = read_tensors(r.checkpoint + "/" + kModelFile);
  for (const auto& [name, t] : enc->state_dict()) {
    ASSERT_TRUE(model.count("encoder." + name)) << name;
    EXPECT_TRUE(same_bytes(t, model.at("encoder." + name))) << name;
  }
  EXPECT_TRUE(model.count("region_heads.0.fc1.weight"));
  EXPECT_TRUE(model.count("projection.fc2.bias"));
  EXPECT_EQ(fs::path(r.checkpoint).filename(), "step_60");
  EXPECT_EQ(latest_checkpoint((root_ / "learn").string()), r.checkpoint);
}

TEST_F(PretrainTest, SimclrAndClocsTrainTheGlobalLossOnly) {
  for (const char* method : {"simclr", "clocs"}) {
    json j = base_json(std::string("global_") + method);
    j["objective"] = {{"method", method}, {"tau", 0.2}};
    j["train"]["steps"] = 6;
    j["train"]["log_every"] = 3;
    j["optimizer"]["schedule"]["warmup_steps"] = 2;
    TrainResult r = train(config(j), quiet());
    EXPECT_EQ(r.steps, 6) << method;
    std::vector<json> m = read_metrics(root_ / (std::string("global_") + method));
    ASSERT_EQ(m.size(), 2u) << method;
    EXPECT_TRUE(m[1]["loss_region"].is_null()) << method;
    EXPECT_TRUE(m[1]["acc_region"].is_null()) << method;
    EXPECT_EQ(m[1]["loss"].get<double>(), m[1]["loss_global"].get<double>()) << method;
    EXPECT_FALSE(read_tensors(r.checkpoint + "/" + kModelFile).count("region_heads.0.fc1.weight"));
  }
}

// k steps, SIGINT, resume to N = the uninterrupted N steps, bit for bit: per-step losses, logged
// means (an interval split by the interruption included), final model and encoder.
TEST_F(PretrainTest, InterruptedAndResumedRunEqualsTheUninterruptedRun) {
  auto run_json = [&](const std::string& name) {
    json j = base_json(name);
    j["train"]["steps"] = 14;
    j["train"]["log_every"] = 4;
    j["train"]["checkpoint_every"] = 3;
    return j;
  };
  std::vector<StepValues> reference;
  {
    TrainerOptions o = quiet();
    o.on_step = [&](const StepReport& s) { reference.push_back(s.values); };
    TrainResult r = train(config(run_json("whole")), o);
    ASSERT_EQ(r.status, TrainStatus::kCompleted);
  }
  ASSERT_EQ(reference.size(), 14u);

  const fs::path run = root_ / "split";
  std::vector<StepValues> values;
  {
    StopSignalHandler signals;
    TrainerOptions o = quiet();
    o.stop_signal = StopSignalHandler::flag();
    o.on_step = [&](const StepReport& s) {
      values.push_back(s.values);
      if (s.step == 7) std::raise(SIGINT);  // between checkpoints and log lines
    };
    TrainResult r = train(config(run_json("split")), o);
    EXPECT_EQ(r.status, TrainStatus::kInterrupted);
    EXPECT_EQ(r.signal, SIGINT);
    EXPECT_EQ(r.steps, 7);
    EXPECT_EQ(r.checkpoint, checkpoint_dir(run.string(), 7));
    EXPECT_TRUE(r.encoder.empty());
    EXPECT_FALSE(fs::exists(run / kEncoderFile));
  }
  EXPECT_EQ(list_checkpoints(run.string()), (std::vector<int64_t>{6, 7}));  // keep 2
  EXPECT_EQ(latest_checkpoint(run.string()), checkpoint_dir(run.string(), 7));
  // A copy of the interrupted run resumes from the older checkpoint step_6 below.
  const fs::path older = root_ / "split_older";
  fs::copy(run, older, fs::copy_options::recursive);

  {
    TrainerOptions o = quiet();
    o.resume = run.string();  // the run directory: checkpoints/latest
    o.on_step = [&](const StepReport& s) { values.push_back(s.values); };
    ExperimentConfig c = resume_config(resolve_checkpoint(run.string()), "", {}, "");
    EXPECT_EQ(c.out_dir, run.string());
    TrainResult r = train(c, o);
    EXPECT_EQ(r.status, TrainStatus::kCompleted);
    EXPECT_EQ(r.steps, 14);
  }
  ASSERT_EQ(values.size(), reference.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i].loss, reference[i].loss) << "step " << i + 1;
    EXPECT_EQ(values[i].acc_global, reference[i].acc_global) << "step " << i + 1;
    EXPECT_EQ(values[i].acc_region, reference[i].acc_region) << "step " << i + 1;
  }
  const fs::path whole = root_ / "whole";
  EXPECT_EQ(differing_tensors(whole / "checkpoints/step_14" / kModelFile,
                              run / "checkpoints/step_14" / kModelFile),
            "");
  EXPECT_EQ(differing_tensors(whole / kEncoderFile, run / kEncoderFile), "");
  std::vector<json> mw = read_metrics(whole), ms = read_metrics(run);
  ASSERT_EQ(mw.size(), 4u);  // steps 4, 8, 12, 14
  ASSERT_EQ(ms.size(), mw.size());
  for (size_t i = 0; i < mw.size(); ++i) {
    for (const char* key : {"step", "epoch", "loss", "loss_global", "loss_region", "acc_global",
                            "acc_region", "lr", "grad_norm", "skipped"}) {
      EXPECT_EQ(ms[i][key], mw[i][key]) << "line " << i << " key " << key;
    }
  }

  // Resuming the copy from its older checkpoint step_6 drops step_7 and the metrics after step 6,
  // and ends at the same model.
  {
    const std::string ckpt = checkpoint_dir(older.string(), 6);
    TrainerOptions o = quiet();
    o.resume = ckpt;
    TrainResult r = train(resume_config(ckpt, "", {}, ""), o);
    EXPECT_EQ(r.steps, 14);
  }
  EXPECT_EQ(differing_tensors(whole / kEncoderFile, older / kEncoderFile), "");
  std::vector<json> mo = read_metrics(older);
  ASSERT_EQ(mo.size(), mw.size());
  for (size_t i = 0; i < mw.size(); ++i) EXPECT_EQ(mo[i]["loss"], mw[i]["loss"]) << i;
}

TEST_F(PretrainTest, ResumeRefusesConfigChangesThatAlterTheComputation) {
  json j = base_json("refuse");
  j["train"]["steps"] = 2;
  j["optimizer"]["schedule"]["warmup_steps"] = 1;
  TrainResult r = train(config(j), quiet());
  try {
    resume_config(r.checkpoint, "", {"train.steps=4", "objective.tau=0.3"}, "");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("train.steps: checkpoint 2, now 4"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("objective.tau"), std::string::npos) << e.what();
  }
  ExperimentConfig ok =
      resume_config(r.checkpoint, "", {"train.log_every=7"}, (root_ / "elsewhere").string());
  EXPECT_EQ(ok.train.log_every, 7);
  EXPECT_EQ(ok.out_dir, (root_ / "elsewhere").string());
  // train() itself checks the config it is handed against the checkpoint's.
  json changed = j;
  changed["optimizer"]["lr"] = 0.01;
  TrainerOptions o = quiet();
  o.resume = r.checkpoint;
  EXPECT_THROW(train(config(changed), o), std::invalid_argument);
  // A fresh run into a directory holding a run is refused rather than mixed with it.
  try {
    train(config(j), quiet());
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
}

TEST(RunDir, CheckpointNamesAndTheirRunDirectory) {
  EXPECT_EQ(checkpoint_step("runs/a/checkpoints/step_12"), 12);
  EXPECT_EQ(checkpoint_step("runs/a/checkpoints/step_12/"), 12);
  EXPECT_EQ(checkpoint_step("step_0"), 0);
  EXPECT_EQ(checkpoint_step("runs/a/checkpoints/step_"), -1);
  EXPECT_EQ(checkpoint_step("runs/a/checkpoints/step_1x"), -1);
  EXPECT_EQ(checkpoint_step("runs/a/checkpoints/latest"), -1);
  EXPECT_EQ(run_dir_of_checkpoint("runs/a/checkpoints/step_12/"), "runs/a");
  EXPECT_EQ(run_dir_of_checkpoint("runs/a/checkpoints/./step_12"), "runs/a");
  EXPECT_EQ(run_dir_of_checkpoint("checkpoints/step_12"), ".");
  EXPECT_EQ(run_dir_of_checkpoint("saved/step_12"), "saved");
}

TEST_F(PretrainTest, AMissingCacheIsNamedWithTheCommandThatMakesIt) {
  json j = base_json("nocache");
  j["data"]["cache"] = (root_ / "no_such_cache").string();
  try {
    train(config(j), quiet());
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((root_ / "no_such_cache").string()), std::string::npos) << what;
    EXPECT_NE(what.find("acl_prepare --synthetic"), std::string::npos) << what;
  }
}

std::vector<int64_t> all_records() {
  std::vector<int64_t> all(kRecords);
  for (int64_t i = 0; i < kRecords; ++i) all[static_cast<size_t>(i)] = i;
  return all;
}

// The batches (0-based, in order) that hold record r among the first `n` of the base config
// (split "all", seed 3).
std::vector<int64_t> batches_with(int64_t r, int64_t n) {
  std::vector<int64_t> all = all_records(), out;
  const int64_t per_epoch = kRecords / kBatch;
  for (int64_t k = 0; k < n; ++k) {
    LoaderPosition p{static_cast<uint64_t>(k / per_epoch), static_cast<uint64_t>(k % per_epoch)};
    for (int64_t x : batch_records(all, kBatch, 3, p))
      if (x == r) out.push_back(k);
  }
  return out;
}

// A copy of the cache with sample `sample` of lead `lead` of record `r` overwritten by a float16
// NaN.
fs::path corrupted_cache(const fs::path& root, const fs::path& cache_dir, int64_t r, int lead,
                         int64_t sample, fs::path* shard_file) {
  const fs::path out = root / ("cache_nan_" + std::to_string(r));
  fs::remove_all(out);
  fs::copy(cache_dir, out, fs::copy_options::recursive);
  cache::CacheReader c(out.string());
  for (const json& s : c.index()["shards"]) {
    const int64_t first = s["first"].get<int64_t>(), n = s["records"].get<int64_t>();
    if (r < first || r >= first + n) continue;
    *shard_file = out / s["file"].get<std::string>();
    std::fstream f(*shard_file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(((r - first) * c.n_leads() * c.length() + lead * c.length() + sample) * 2);
    const uint16_t nan = 0x7E00;
    f.write(reinterpret_cast<const char*>(&nan), 2);
  }
  return out;
}

TEST_F(PretrainTest, ANonFiniteSampleInTheCacheStopsNamingShardRecordAndLead) {
  const int64_t r = 70;  // in the second shard (64 records per shard)
  fs::path shard;
  const fs::path dir = corrupted_cache(root_, root_ / "cache", r, 2, 123, &shard);
  cache::CacheReader c(dir.string());
  std::vector<float> buf(static_cast<size_t>(c.n_leads() * c.length()));
  c.read_signal(r - 1, buf.data());  // its neighbours are fine
  c.read_signal(r + 1, buf.data());
  try {
    c.read_signal(r, buf.data());
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(shard.string()), std::string::npos) << what;
    EXPECT_NE(what.find("record 70 ('" + c.name(r) + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("NaN in lead " + c.lead_names()[2] + " (lead index 2) at sample 123"),
              std::string::npos)
        << what;
  }
  // The pretraining loop stops at the batch holding the record, naming it and the last good
  // checkpoint.
  json j = base_json("cache_nan");
  j["data"]["cache"] = dir.string();
  j["train"]["steps"] = 12;
  j["train"]["checkpoint_every"] = 1;
  const int64_t bad_step = batches_with(r, 10).front() + 1;
  try {
    train(config(j), quiet());
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(shard.string()), std::string::npos) << what;
    EXPECT_NE(what.find("record 70"), std::string::npos) << what;
    EXPECT_NE(what.find("before step " + std::to_string(bad_step)), std::string::npos) << what;
    if (bad_step > 1) {
      EXPECT_NE(what.find(checkpoint_dir((root_ / "cache_nan").string(), bad_step - 1)),
                std::string::npos)
          << what;
    }
  }
}

TEST_F(PretrainTest, ANonFiniteLossStopsNamingTheLastGoodCheckpoint) {
  // A NaN injected into the batch of step 7, with checkpoints every 2 steps before it.
  const int64_t bad_step = 7;
  json j = base_json("nan_stop");
  j["train"]["steps"] = 12;
  j["train"]["checkpoint_every"] = 2;
  const int64_t good = 6;
  const std::string good_dir = checkpoint_dir((root_ / "nan_stop").string(), good);
  const std::vector<int64_t> records =
      batch_records(all_records(), kBatch, 3, LoaderPosition{0, bad_step - 1});
  cache::CacheReader c((root_ / "cache").string());
  TrainerOptions o = quiet();
  o.inject_fault = "batch:nan@step=7";
  try {
    train(config(j), o);
    FAIL() << "expected NonfiniteLossError";
  } catch (const NonfiniteLossError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.step(), bad_step);
    EXPECT_EQ(e.checkpoint(), good_dir);
    EXPECT_NE(what.find("at step " + std::to_string(bad_step)), std::string::npos) << what;
    EXPECT_NE(what.find(good_dir), std::string::npos) << what;
    // The batch's records by index and name, and the one holding the NaN (element 0: the first
    // record's first lead, sample 0).
    EXPECT_NE(what.find(std::to_string(records[1]) + " '" + c.name(records[1]) + "'"),
              std::string::npos)
        << what;
    EXPECT_NE(
        what.find("first non-finite tensor: batch, NaN in record " + std::to_string(records[0]) +
                  " '" + c.name(records[0]) + "' lead " + c.lead_names()[0] + " sample 0"),
        std::string::npos)
        << what;
  }
  // Nothing was written after the last good checkpoint.
  EXPECT_EQ(list_checkpoints((root_ / "nan_stop").string()).back(), good);
  EXPECT_EQ(latest_checkpoint((root_ / "nan_stop").string()), good_dir);
  EXPECT_EQ(load_train_state(good_dir + "/" + kTrainStateFile).step, static_cast<uint64_t>(good));
  EXPECT_FALSE(fs::exists(root_ / "nan_stop" / kEncoderFile));
}

// Every parameter and buffer (BatchNorm running statistics) of a checkpoint is finite.
void expect_all_finite(const std::string& checkpoint) {
  int64_t checked = 0;
  for (const auto& [name, t] : read_tensors(checkpoint + "/" + kModelFile)) {
    if (!is_floating(t.dtype())) continue;
    for (double v : t.to_vector<double>()) ASSERT_TRUE(std::isfinite(v)) << name;
    checked += name.find("running_") != std::string::npos;
  }
  EXPECT_GT(checked, 0) << "no BatchNorm running statistics in " << checkpoint;
}

TEST_F(PretrainTest, ANonFiniteLossIsSkippedAndCountedWhenAskedTo) {
  // Two poisoned batches: 12 steps take 14 batches.
  json j = base_json("nan_skip");
  j["train"]["steps"] = 12;
  j["train"]["log_every"] = 4;
  j["train"]["on_nonfinite"] = "skip";
  TrainerOptions o = quiet();
  o.inject_fault = "batch:nan@step=3,batch:-inf@step=9";
  TrainResult res = train(config(j), o);
  EXPECT_EQ(res.status, TrainStatus::kCompleted);
  EXPECT_EQ(res.steps, 12);
  EXPECT_EQ(res.skipped, 2);
  std::vector<json> m = read_metrics(root_ / "nan_skip");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m.back()["skipped"].get<int64_t>(), 2);
  EXPECT_EQ(m.back()["epoch"].get<int64_t>(), 1);  // 14 batches: into the second epoch of 10
  // The skipped forward passes left no NaN behind: weights and BatchNorm statistics are finite.
  expect_all_finite(res.checkpoint);
}

}  // namespace
}  // namespace acl::pretrain
