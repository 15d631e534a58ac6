// Faults in pretraining, on the CPU: the ACL_INJECT_FAULT grammar and its errors; NaN/Inf injected
// into an activation and a gradient are named with the step, the tensor and the records; the skip
// policy holds up to its limit and leaves BatchNorm running statistics finite; a disk that fills
// while a checkpoint is written (RLIMIT_FSIZE) stops the run naming the previous checkpoint, which
// is kept; a directory holding a run is never overwritten without --overwrite, which moves it
// aside.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "train/cache/cache_reader.h"
#include "train/pretrain/batch_loader.h"
#include "train/pretrain/fault_injection.h"
#include "train/pretrain/run_dir.h"
#include "train/pretrain/trainer.h"

namespace acl::pretrain {
namespace {
namespace fs = std::filesystem;
using experiment::ExperimentConfig;
using nlohmann::json;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(FaultPlan, ParsesEveryKindAndFiresAtItsStep) {
  FaultPlan p = FaultPlan::parse(
      "batch:nan@step=3,activation(projection):-inf@step=2+,grad:inf@step=1,kill:partial@step=4");
  p.resolve({"views", "encoder.embedding", "projection"}, {"a.weight", "b.bias"});
  EXPECT_TRUE(p.due(FaultKind::kBatch, 2, "batch").empty());
  std::vector<double> b = p.due(FaultKind::kBatch, 3, "batch");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(std::isnan(b[0]));
  EXPECT_TRUE(p.due(FaultKind::kBatch, 3, "batch").empty()) << "a one-shot fault fires once";
  EXPECT_TRUE(p.due(FaultKind::kActivation, 1, "projection").empty());
  for (int64_t step : {2, 2, 5}) {  // onward: every attempt from step 2
    std::vector<double> v = p.due(FaultKind::kActivation, step, "projection");
    ASSERT_EQ(v.size(), 1u) << step;
    EXPECT_EQ(v[0], -INFINITY);
  }
  EXPECT_TRUE(p.due(FaultKind::kActivation, 2, "views").empty());
  std::vector<double> g = p.due(FaultKind::kGrad, 1, "a.weight");  // default: the first parameter
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0], INFINITY);
  EXPECT_TRUE(FaultPlan::parse("").empty());
}

TEST(FaultPlan, AMalformedPlanIsAClearError) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"batch:nan", "expected KIND[(TARGET)]:VALUE@step=N"},
      {"weights:nan@step=2", "unknown kind 'weights'"},
      {"batch:zero@step=2", "unknown value 'zero', expected nan, inf, +inf or -inf"},
      {"batch:nan@step=x", "step 'x' is not a whole number"},
      {"batch:nan@step=0", "steps count from 1"},
      {"batch:nan@epoch=1", "expected @step=N"},
      {"kill:somewhere@step=2", "unknown kill point 'somewhere', expected one of model, partial"},
      {"kill:model@step=2+", "a kill fault fires once"},
      {"batch:nan@step=1,,grad:nan@step=2", "an empty fault between commas"},
  };
  for (const auto& [spec, expected] : cases) {
    try {
      FaultPlan::parse(spec);
      ADD_FAILURE() << spec << ": expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(contains(e.what(), "ACL_INJECT_FAULT: '")) << e.what();
      EXPECT_TRUE(contains(e.what(), expected)) << spec << " -> " << e.what();
    }
  }
  FaultPlan p = FaultPlan::parse("grad(encoder.nope):nan@step=1");
  try {
    p.resolve({"views"}, {"encoder.w", "encoder.b"});
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(),
                         "no parameter 'encoder.nope' in this model; it has encoder.w, "
                         "encoder.b"))
        << e.what();
  }
}

constexpr int64_t kRecords = 64;

class Faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = acl::testing::temp_path("faults");
    acl::testing::prepare_synthetic_cache((root_ / "cache").string(), kRecords, 32, 3);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static ExperimentConfig config(const std::string& run, int64_t steps) {
    json j = json::parse(R"({
      "seed": 7,
      "data": {"split": "all", "view_length": 96, "prefetch_batches": 2},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 16, "out_dim": 16},
                          "region": {"hidden_dim": 16, "out_dim": 16}}},
      "objective": {"method": "acl", "tau": 0.1},
      "optimizer": {"name": "adamw", "lr": 0.003, "schedule": {"warmup_steps": 2, "min_lr": 0}},
      "train": {"batch_size": 8, "log_every": 100, "checkpoint_every": 2,
                "keep_checkpoints": 3, "device": "cpu"}
    })");
    j["train"]["steps"] = steps;
    j["data"]["cache"] = (root_ / "cache").string();
    j["out_dir"] = (root_ / run).string();
    return ExperimentConfig::from_json(j, "test");
  }
  static TrainerOptions with(const std::string& faults) {
    TrainerOptions o;
    o.progress = false;
    o.inject_fault = faults;
    return o;
  }
  // The records of the batch of step `step` (1-based) in the first epoch.
  static std::vector<int64_t> records_of_step(int64_t step) {
    std::vector<int64_t> all(kRecords);
    for (int64_t i = 0; i < kRecords; ++i) all[static_cast<size_t>(i)] = i;
    return batch_records(all, 8, 7, LoaderPosition{0, static_cast<uint64_t>(step - 1)});
  }
  static std::string run_and_catch(const ExperimentConfig& c, const TrainerOptions& o,
                                   int64_t* step = nullptr) {
    try {
      train(c, o);
    } catch (const NonfiniteLossError& e) {
      if (step) *step = e.step();
      return e.what();
    }
    ADD_FAILURE() << "expected NonfiniteLossError";
    return "";
  }
  static fs::path root_;
};
fs::path Faults::root_;

TEST_F(Faults, AnInfInAnActivationIsNamedWithTheStepAndRecords) {
  int64_t step = 0;
  const std::string what = run_and_catch(config("act", 6), with("activation:inf@step=5"), &step);
  EXPECT_EQ(step, 5);
  EXPECT_TRUE(contains(what, "at step 5")) << what;
  EXPECT_TRUE(contains(what, "first non-finite tensor: activation encoder.embedding")) << what;
  EXPECT_TRUE(contains(what, "the batch and the activations before it are finite")) << what;
  cache::CacheReader c((root_ / "cache").string());
  const int64_t r = records_of_step(5)[3];
  EXPECT_TRUE(contains(what, std::to_string(r) + " '" + c.name(r) + "'")) << what;
  EXPECT_TRUE(contains(what, checkpoint_dir((root_ / "act").string(), 4))) << what;
  // A named activation further on.
  const std::string proj =
      run_and_catch(config("act_proj", 3), with("activation(projection):nan@step=1"));
  EXPECT_TRUE(contains(proj, "first non-finite tensor: activation projection")) << proj;
  EXPECT_TRUE(contains(proj, "No checkpoint was written before it.")) << proj;
}

TEST_F(Faults, ANaNGradientIsNamedWithItsParameter) {
  int64_t step = 0;
  const std::string what =
      run_and_catch(config("grad", 4), with("grad(projection.fc2.weight):nan@step=2"), &step);
  EXPECT_EQ(step, 2);
  EXPECT_TRUE(contains(what, "non-finite gradient norm (NaN) at step 2")) << what;
  EXPECT_TRUE(contains(what, "non-finite gradient of projection.fc2.weight")) << what;
}

// name -> values of the BatchNorm running statistics of a model.
std::vector<std::pair<std::string, std::vector<double>>> running_stats(const std::string& ckpt) {
  std::vector<std::pair<std::string, std::vector<double>>> out;
  for (const auto& [name, e] : read_safetensors(ckpt + "/" + kModelFile).tensors)
    if (contains(name, "running_")) out.emplace_back(name, e.to_tensor().to_vector<double>());
  return out;
}

TEST_F(Faults, SkipHoldsUpToItsLimitAndKeepsBatchNormStatisticsFinite) {
  ExperimentConfig c = config("skip", 6);
  c.train.on_nonfinite = experiment::OnNonfinite::kSkip;
  TrainResult r = train(c, with("batch:nan@step=3,activation:-inf@step=4,grad:nan@step=5"));
  EXPECT_EQ(r.status, TrainStatus::kCompleted);
  EXPECT_EQ(r.steps, 6);
  EXPECT_EQ(r.skipped, 3);
  const auto stats = running_stats(r.checkpoint);
  ASSERT_FALSE(stats.empty());
  for (const auto& [name, v] : stats)
    for (double x : v) ASSERT_TRUE(std::isfinite(x)) << name;

  // A poisoned first batch: the statistics start from it unless the skip restores them.
  ExperimentConfig b = config("skip_b", 2);
  b.train.on_nonfinite = experiment::OnNonfinite::kSkip;
  TrainResult rb = train(b, with("batch:nan@step=1"));
  EXPECT_EQ(rb.skipped, 1);
  for (const auto& [name, v] : running_stats(rb.checkpoint))
    for (double x : v) ASSERT_TRUE(std::isfinite(x)) << name;

  // Ten poisoned batches in a row: the model diverged, the run stops naming the last checkpoint.
  ExperimentConfig d = config("skip_limit", 8);
  d.train.on_nonfinite = experiment::OnNonfinite::kSkip;
  int64_t step = 0;
  const std::string what = run_and_catch(d, with("batch:inf@step=3+"), &step);
  EXPECT_EQ(step, 3);
  EXPECT_TRUE(contains(what, "10 consecutive batches gave a non-finite loss")) << what;
  EXPECT_TRUE(contains(
      what, "The last good checkpoint is " + checkpoint_dir((root_ / "skip_limit").string(), 2)))
      << what;
}

TEST_F(Faults, ADiskFullWhileWritingACheckpointKeepsThePreviousOne) {
  const fs::path run = root_ / "full";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::signal(SIGXFSZ, SIG_IGN);
    TrainerOptions o = with("");
    o.on_step = [](const StepReport& s) {
      if (s.step == 3) {  // after the checkpoint of step 2: no file may grow past 1 KiB
        rlimit lim{1024, 1024};
        setrlimit(RLIMIT_FSIZE, &lim);
      }
    };
    std::string msg = "completed";
    try {
      train(config("full", 6), o);
    } catch (const std::exception& e) {
      msg = e.what();
    }
    if (write(fds[1], msg.data(), msg.size()) < 0) _exit(2);
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::printf("the message: %s\n", msg.c_str());
  const std::string previous = checkpoint_dir(run.string(), 2);
  EXPECT_TRUE(contains(msg, "checkpoint " + checkpoint_dir(run.string(), 4) + " was not written"))
      << msg;
  EXPECT_TRUE(contains(msg, "File too large")) << msg;
  EXPECT_TRUE(contains(msg, "The previous checkpoint " + previous + " (step 2) is kept")) << msg;
  EXPECT_EQ(latest_checkpoint(run.string()), previous);
  EXPECT_EQ(list_checkpoints(run.string()), std::vector<int64_t>{2});
  EXPECT_FALSE(fs::exists(checkpoint_dir(run.string(), 4) + ".partial"));
  EXPECT_EQ(load_train_state(previous + "/" + kTrainStateFile).step, 2u);
  // And it resumes from there.
  TrainerOptions o = with("");
  o.resume = run.string();
  TrainResult r = train(resume_config(resolve_checkpoint(run.string()), "", {}, ""), o);
  EXPECT_EQ(r.steps, 6);
}

TEST_F(Faults, ADirectoryHoldingARunIsMovedAsideOnlyWithOverwrite) {
  const fs::path run = root_ / "overwrite";
  train(config("overwrite", 2), with(""));
  try {
    train(config("overwrite", 2), with(""));
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(),
                         "already holds a run (config.json, metrics.jsonl, "
                         "encoder.safetensors, checkpoints)"))
        << e.what();
    EXPECT_TRUE(contains(e.what(), "--overwrite")) << e.what();
  }
  // A run killed before its first checkpoint cannot be resumed; its message says --overwrite.
  fs::create_directories(root_ / "early");
  std::ofstream(root_ / "early" / kConfigFile) << "{}";
  try {
    resolve_checkpoint((root_ / "early").string());
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "stopped before its first checkpoint")) << e.what();
  }
  TrainerOptions o = with("");
  o.overwrite = true;
  train(config("overwrite", 2), o);
  EXPECT_EQ(list_checkpoints(run.string()), std::vector<int64_t>{2});
  // The earlier run is intact beside it.
  EXPECT_EQ(latest_checkpoint(run.string() + ".old-1"), run.string() + ".old-1/checkpoints/step_2");
  EXPECT_TRUE(fs::exists(run.string() + ".old-1/" + kEncoderFile));
}

}  // namespace
}  // namespace acl::pretrain
