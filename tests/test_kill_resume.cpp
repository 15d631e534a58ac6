// Kill anywhere: the real acl_train binary on a tiny synthetic dataset is SIGKILLed at random
// moments (seeded) and at each named point of writing a checkpoint (ACL_INJECT_FAULT=kill:POINT,
// train/pretrain/fault_injection.h), then resumed. After every kill each checkpoint on disk is
// complete and loadable (or absent) and `latest` names one of them; the resumed run ends with the
// parameters of the uninterrupted run, bit for bit.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "tests/test_files.h"
#include "tests/test_synthetic_cache.h"
#include "tests/test_util.h"
#include "train/pretrain/run_dir.h"

#ifndef ACL_TRAIN_BIN
#error "ACL_TRAIN_BIN (the acl_train binary) must be defined by the build"
#endif

namespace acl::pretrain {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kSteps = 40;
int g_kills = 0;            // SIGKILLs that landed
int g_kills_resumable = 0;  // ... after the first checkpoint

struct Outcome {
  bool killed = false;  // by SIGKILL
  int exit_code = -1;   // when it exited
  double seconds = 0;
};

// When to SIGKILL a run: `delay` seconds after `ready()` first holds (at once without it); never
// when delay < 0.
struct KillPlan {
  double delay = -1;
  std::function<bool()> ready;
};

// Runs acl_train with `args`; ACL_INJECT_FAULT = `fault` when not empty; SIGKILLed as `plan` says
// (unless it ended before).
Outcome run_train(const std::vector<std::string>& args, const std::string& fault,
                  const KillPlan& plan = {}) {
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (fault.empty()) {
      unsetenv("ACL_INJECT_FAULT");
    } else {
      setenv("ACL_INJECT_FAULT", fault.c_str(), 1);
    }
    if (!freopen("/dev/null", "w", stdout)) _exit(126);
    std::vector<char*> argv{const_cast<char*>(ACL_TRAIN_BIN)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(ACL_TRAIN_BIN, argv.data());
    _exit(127);
  }
  Outcome out;
  int status = 0;
  const bool kills = plan.delay >= 0;
  bool armed = kills && !plan.ready;
  auto armed_at = start;
  for (;;) {
    pid_t r = waitpid(pid, &status, kills ? WNOHANG : 0);
    if (r == pid) break;
    if (kills && !armed && plan.ready()) {
      armed = true;
      armed_at = Clock::now();
    }
    if (armed && std::chrono::duration<double>(Clock::now() - armed_at).count() >= plan.delay) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  g_kills += out.killed;
  return out;
}

// Every step_<N> is complete and loadable, and `latest` (when present) names one of them.
::testing::AssertionResult checkpoints_sound(const fs::path& run) {
  for (int64_t step : list_checkpoints(run.string())) {
    const std::string dir = checkpoint_dir(run.string(), step);
    try {
      TrainState ts = load_train_state(dir + "/" + kTrainStateFile);
      if (ts.step != static_cast<uint64_t>(step))
        return ::testing::AssertionFailure() << dir << " holds step " << ts.step;
      SafetensorsFile m = read_safetensors(dir + "/" + kModelFile);
      if (m.tensors.empty()) return ::testing::AssertionFailure() << dir << ": no tensors";
      for (const auto& [name, e] : m.tensors) e.to_tensor();
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure() << "incomplete checkpoint " << dir << ": " << e.what();
    }
  }
  const fs::path latest = run / kCheckpointsDir / kLatestFile;
  if (fs::exists(latest)) {
    const std::string named = latest_checkpoint(run.string());
    if (named.empty() || !fs::exists(fs::path(named) / kTrainStateFile))
      return ::testing::AssertionFailure() << latest << " names no complete checkpoint";
  }
  return ::testing::AssertionSuccess();
}

// name -> tensor of a safetensors file.
std::map<std::string, Tensor> tensors_of(const fs::path& p) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, e] : read_safetensors(p.string()).tensors) out[name] = e.to_tensor();
  return out;
}

// Names whose tensors differ ("" when every tensor is equal bit for bit).
std::string differing(const fs::path& a, const fs::path& b) {
  std::map<std::string, Tensor> ta = tensors_of(a), tb = tensors_of(b);
  std::string out = ta.size() == tb.size() ? "" : "(different tensor counts) ";
  for (const auto& [name, t] : ta)
    if (!tb.count(name) || !acl::testing::same_bytes(t, tb.at(name))) out += name + " ";
  return out;
}

class KillResume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = acl::testing::temp_path("kill_resume");
    acl::testing::prepare_synthetic_cache((root_ / "cache").string(), 48, 16, 3);
    json j = json::parse(R"({
      "seed": 5,
      "data": {"split": "all", "view_length": 96, "prefetch_batches": 2},
      "model": {"encoder": {"type": "leadwise", "leads": "independent",
                            "leadwise": {"channels": [4, 8], "kernel_size": 5}},
                "heads": {"projection": {"hidden_dim": 16, "out_dim": 16},
                          "region": {"hidden_dim": 16, "out_dim": 16}}},
      "objective": {"method": "acl", "tau": 0.1},
      "optimizer": {"name": "adamw", "lr": 0.003, "schedule": {"warmup_steps": 3, "min_lr": 0}},
      "train": {"batch_size": 8, "log_every": 3, "checkpoint_every": 2,
                "keep_checkpoints": 2, "device": "cpu"}
    })");
    j["train"]["steps"] = kSteps;
    j["data"]["cache"] = (root_ / "cache").string();
    j["out_dir"] = (root_ / "unused").string();
    config_ = root_ / "config.json";
    std::ofstream(config_) << j.dump(2);
    const Outcome ref = run_train(fresh("reference"), "");
    ASSERT_EQ(ref.exit_code, 0) << "the uninterrupted run failed";
    // A second uninterrupted run: the binary is deterministic, and its time (warm caches) sets
    // the range of the kill times.
    const Outcome again = run_train(fresh("reference_again"), "");
    ASSERT_EQ(again.exit_code, 0) << "the second uninterrupted run failed";
    reference_seconds_ = std::min(ref.seconds, again.seconds);
    // The time of one step, from the metrics' elapsed_s (first and last line) of the faster run.
    for (const char* run : {"reference", "reference_again"}) {
      const std::vector<json> m = metrics_of(root_ / run);
      ASSERT_GE(m.size(), 2u);
      const double per_step =
          (m.back()["elapsed_s"].get<double>() - m.front()["elapsed_s"].get<double>()) /
          static_cast<double>(m.back()["step"].get<int64_t>() - m.front()["step"].get<int64_t>());
      step_seconds_ = step_seconds_ > 0 ? std::min(step_seconds_, per_step) : per_step;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static std::vector<std::string> fresh(const std::string& run) {
    return {"--config", config_.string(), "--out", (root_ / run).string(), "--quiet"};
  }
  // Resumes `run` (or starts it again when it has no checkpoint yet) until it completes; while
  // fewer than `max_kills` kills have landed, each run is SIGKILLed as plan_fn(run directory, step
  // of its latest checkpoint or -1) says.
  static void finish(const std::string& run, int max_kills,
                     const std::function<KillPlan(const fs::path&, int64_t)>& plan_fn) {
    const fs::path dir = root_ / run;
    int landed = 0;
    for (int attempt = 0;; ++attempt) {
      ASSERT_LT(attempt, max_kills + 3) << run << " did not complete";
      std::vector<std::string> args;
      if (latest_checkpoint(dir.string()).empty()) {
        args = fresh(run);
        args.push_back("--overwrite");
      } else {
        args = {"--resume", dir.string(), "--quiet"};
      }
      const std::string latest = latest_checkpoint(dir.string());
      const KillPlan plan = landed < max_kills
                                ? plan_fn(dir, latest.empty() ? -1 : checkpoint_step(latest))
                                : KillPlan{};
      const Outcome o = run_train(args, "", plan);
      landed += o.killed;
      ASSERT_TRUE(checkpoints_sound(dir)) << run << " after attempt " << attempt;
      g_kills_resumable += o.killed && !latest_checkpoint(dir.string()).empty();
      if (!o.killed) {
        ASSERT_EQ(o.exit_code, 0) << run << ": acl_train failed on attempt " << attempt;
        break;
      }
    }
    EXPECT_EQ(differing(root_ / "reference" / kEncoderFile, dir / kEncoderFile), "") << run;
    const std::string last = "checkpoints/step_" + std::to_string(kSteps);
    EXPECT_EQ(differing(root_ / "reference" / last / kModelFile, dir / last / kModelFile), "")
        << run;
    EXPECT_EQ(load_train_state((dir / last / kTrainStateFile).string()).step,
              static_cast<uint64_t>(kSteps));
    // The metrics log: every line of the uninterrupted run, with the same values.
    std::vector<json> ref = metrics_of(root_ / "reference"), got = metrics_of(dir);
    ASSERT_EQ(got.size(), ref.size()) << run;
    for (size_t i = 0; i < ref.size(); ++i) {
      for (const char* key :
           {"step", "epoch", "loss", "acc_global", "acc_region", "lr", "grad_norm", "skipped"})
        EXPECT_EQ(got[i][key], ref[i][key]) << run << " line " << i << " " << key;
    }
  }
  static std::vector<json> metrics_of(const fs::path& run) {
    std::vector<json> lines;
    std::ifstream in(run / kMetricsFile);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  static fs::path root_, config_;
  static double reference_seconds_, step_seconds_;
};
fs::path KillResume::root_, KillResume::config_;
double KillResume::reference_seconds_ = 0, KillResume::step_seconds_ = 0;

TEST_F(KillResume, TwoUninterruptedRunsAreEqualBitForBit) {
  EXPECT_EQ(differing(root_ / "reference" / kEncoderFile, root_ / "reference_again" / kEncoderFile),
            "");
}

TEST_F(KillResume, KilledAtEveryPointOfWritingACheckpointResumesBitForBit) {
  for (const char* point : {"model", "partial", "renamed", "latest"}) {
    const std::string run = std::string("point_") + point;
    const Outcome o = run_train(fresh(run), std::string("kill:") + point + "@step=6");
    ASSERT_TRUE(o.killed) << point << ": exit code " << o.exit_code;
    const fs::path dir = root_ / run;
    ASSERT_TRUE(checkpoints_sound(dir)) << point;
    const std::vector<int64_t> steps = list_checkpoints(dir.string());
    const bool published = std::string(point) == "renamed" || std::string(point) == "latest";
    EXPECT_EQ(steps.back(), published ? 6 : 4) << point;
    EXPECT_EQ(latest_checkpoint(dir.string()),
              checkpoint_dir(dir.string(), std::string(point) == "latest" ? 6 : 4))
        << point;
    finish(run, 0, nullptr);
    EXPECT_FALSE(fs::exists(dir / kCheckpointsDir / "step_6.partial")) << point;
  }
  // Killed while writing its first checkpoint: nothing to resume; started again with --overwrite,
  // which moves the killed run aside.
  const fs::path first = root_ / "first_checkpoint";
  const Outcome o = run_train(fresh("first_checkpoint"), "kill:partial@step=2");
  ASSERT_TRUE(o.killed) << "exit code " << o.exit_code;
  EXPECT_TRUE(list_checkpoints(first.string()).empty());
  EXPECT_EQ(run_train({"--resume", first.string(), "--quiet"}, "").exit_code, 1);
  finish("first_checkpoint", 0, nullptr);
  EXPECT_TRUE(fs::exists(first.string() + ".old-1/" + kConfigFile));
}

TEST_F(KillResume, KilledAtRandomMomentsResumesBitForBit) {
  std::mt19937 rng(20261204);
  // A kill lands a random delay (up to 2 steps' time) after the run has published a randomly
  // drawn later checkpoint, or (one in four) a random delay after its start: so kills fall in
  // start-up, in steps, in checkpoint writes and in pruning, however fast the machine is.
  auto plan = [&](const fs::path& dir, int64_t step) {
    KillPlan p;
    const int64_t from = std::max<int64_t>(step, 0) + 2, to = kSteps - 6;
    if (from > to || std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
      p.delay = std::uniform_real_distribution<double>(0, 0.1 * reference_seconds_)(rng);
      return p;
    }
    const int64_t target = std::uniform_int_distribution<int64_t>(from, to)(rng) / 2 * 2;
    p.delay = std::uniform_real_distribution<double>(0, 2 * step_seconds_)(rng);
    p.ready = [dir, target] {
      const std::string latest = latest_checkpoint(dir.string());
      return !latest.empty() && checkpoint_step(latest) >= target;
    };
    return p;
  };
  g_kills = g_kills_resumable = 0;
  for (int chain = 0; chain < 4; ++chain) {
    const std::string run = "random_" + std::to_string(chain);
    fs::create_directories(root_ / run);  // empty: the first run starts it
    finish(run, 3, plan);
  }
  std::printf("reference run %.2f s, %.1f ms a step; %d random kills, %d after a checkpoint\n",
              reference_seconds_, 1e3 * step_seconds_, g_kills, g_kills_resumable);
  EXPECT_GE(g_kills, 8) << "too few kills landed before the runs ended";
  EXPECT_GE(g_kills_resumable, 4);
}

}  // namespace
}  // namespace acl::pretrain
