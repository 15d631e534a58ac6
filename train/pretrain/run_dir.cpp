#include "train/pretrain/run_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/util/strings.h"

namespace acl::pretrain {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStepPrefix = "step_";
constexpr const char* kPartialSuffix = ".partial";
constexpr const char* kRemovingSuffix = ".removing";

// `p` without "." / ".." detours and without a trailing separator ("a/b/" -> "a/b").
fs::path normal(const std::string& p) {
  fs::path n = fs::path(p).lexically_normal();
  if (n.has_parent_path() && n.filename().empty()) n = n.parent_path();
  return n;
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the rename itself is already atomic
  ::fsync(fd);
  ::close(fd);
}

// "a.b.c" -> value, for every leaf of a JSON object (arrays are leaves).
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::map<std::string, nlohmann::json>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else {
    out[prefix] = j;
  }
}

// Keys a resumed run may change: where things are and how often they are reported, not what is
// computed.
const std::set<std::string>& resumable_keys() {
  static const std::set<std::string> keys{"out_dir",
                                          "data.cache",
                                          "data.prefetch_batches",
                                          "train.log_every",
                                          "train.checkpoint_every",
                                          "train.keep_checkpoints",
                                          "train.on_nonfinite",
                                          "train.device",
                                          "train.grad_bucket_mb",
                                          "train.comm_timeout_s",
                                          "train.num_threads"};
  return keys;
}

}  // namespace

std::string checkpoint_dir(const std::string& run_dir, int64_t step) {
  return (fs::path(run_dir) / kCheckpointsDir / (kStepPrefix + std::to_string(step))).string();
}

int64_t checkpoint_step(const std::string& checkpoint) {
  const std::string name = normal(checkpoint).filename().string();
  const std::string prefix = kStepPrefix;
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return -1;
  int64_t step = 0;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || step > (int64_t{1} << 58)) return -1;
    step = step * 10 + (name[i] - '0');
  }
  return step;
}

std::vector<int64_t> list_checkpoints(const std::string& run_dir) {
  std::vector<int64_t> steps;
  fs::path dir = fs::path(run_dir) / kCheckpointsDir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return steps;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_directory()) continue;
    int64_t s = checkpoint_step(e.path().string());
    if (s >= 0) steps.push_back(s);
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

std::string latest_checkpoint(const std::string& run_dir) {
  fs::path dir = fs::path(run_dir) / kCheckpointsDir;
  std::ifstream in(dir / kLatestFile);
  if (!in) return "";
  std::string name;
  std::getline(in, name);
  if (name.empty() || checkpoint_step(name) < 0) return "";
  return (dir / name).string();
}

void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, std::vector<uint8_t>(text.begin(), text.end()));
}

void publish_checkpoint(const std::string& run_dir, const std::string& partial, int64_t step,
                        const std::function<void(const char*)>& at) {
  const fs::path target = checkpoint_dir(run_dir, step);
  std::error_code ec;
  if (fs::exists(target, ec)) remove_checkpoint(target.string());
  fs::rename(partial, target);
  fsync_dir(target.parent_path());
  if (at) at("renamed");
  write_text_atomic((target.parent_path() / kLatestFile).string(),
                    target.filename().string() + "\n");
  if (at) at("latest");
}

void remove_checkpoint(const std::string& dir) {
  const fs::path removing = normal(dir).string() + kRemovingSuffix;
  fs::remove_all(removing);
  fs::rename(dir, removing);
  fsync_dir(removing.parent_path());
  fs::remove_all(removing);
}

std::vector<std::string> remove_incomplete_checkpoints(const std::string& run_dir) {
  std::vector<std::string> removed;
  const fs::path dir = fs::path(run_dir) / kCheckpointsDir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return removed;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    for (const std::string suffix : {kPartialSuffix, kRemovingSuffix}) {
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        removed.push_back(e.path().string());
      }
    }
  }
  for (const std::string& p : removed) fs::remove_all(p);
  return removed;
}

std::vector<std::string> run_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const char* name : {kConfigFile, kMetricsFile, kEncoderFile, kCheckpointsDir})
    if (fs::exists(fs::path(dir) / name, ec)) out.push_back(name);
  return out;
}

int first_free_old_suffix(const std::vector<std::string>& paths) {
  std::error_code ec;
  for (int k = 1;; ++k) {
    const auto taken = [&](const std::string& p) {
      return fs::exists(p + ".old-" + std::to_string(k), ec);
    };
    if (std::none_of(paths.begin(), paths.end(), taken)) return k;
  }
}

std::string move_aside(const std::string& dir) {
  const std::string base = normal(dir).string();
  const std::string to = base + ".old-" + std::to_string(first_free_old_suffix({base}));
  fs::rename(base, to);
  fsync_dir(fs::path(to).parent_path().empty() ? fs::path(".") : fs::path(to).parent_path());
  return to;
}

void claim_run_dir(const std::string& dir, bool resuming, bool overwrite) {
  if (!resuming) {
    if (std::vector<std::string> held = run_files(dir); !held.empty()) {
      if (!overwrite) {
        throw std::runtime_error("out_dir: " + dir + " already holds a run (" +
                                 strings::join(held) + "); continue it with --resume " + dir +
                                 ", start it again with --overwrite (which moves it aside to " +
                                 dir + ".old-<K>), or choose another --out");
      }
      const std::string moved = move_aside(dir);
      std::fprintf(stderr, "acl_train: --overwrite: moved the earlier run %s to %s\n", dir.c_str(),
                   moved.c_str());
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("out_dir: cannot create the run directory " + dir + ": " +
                             ec.message());
}

void prune_checkpoints(const std::string& run_dir, int keep) {
  std::vector<int64_t> steps = list_checkpoints(run_dir);
  const auto k = static_cast<size_t>(std::max(keep, 1));
  for (size_t i = 0; i + k < steps.size(); ++i)
    remove_checkpoint(checkpoint_dir(run_dir, steps[i]));
}

std::vector<std::string> remove_checkpoints_after(const std::string& run_dir, int64_t step) {
  std::vector<std::string> removed;
  for (int64_t s : list_checkpoints(run_dir)) {
    if (s <= step) continue;
    removed.push_back(checkpoint_dir(run_dir, s));
    remove_checkpoint(removed.back());
  }
  return removed;
}

std::string resolve_checkpoint(const std::string& dir) {
  std::error_code ec;
  const fs::path d(dir);
  if (!fs::is_directory(d, ec)) {
    throw std::runtime_error("--resume " + dir + ": no such directory");
  }
  if (fs::exists(d / kTrainStateFile, ec)) return normal(dir).string();
  for (const fs::path& pointer : {d / kCheckpointsDir / kLatestFile, d / kLatestFile}) {
    std::ifstream in(pointer);
    if (!in) continue;
    std::string name;
    std::getline(in, name);
    fs::path ckpt = pointer.parent_path() / name;
    if (name.empty() || !fs::exists(ckpt / kTrainStateFile, ec)) {
      throw std::runtime_error("--resume " + dir + ": " + pointer.string() + " names '" + name +
                               "', which holds no " + kTrainStateFile);
    }
    return normal(ckpt.string()).string();
  }
  if (!run_files(dir).empty()) {
    throw std::runtime_error("--resume " + dir +
                             ": the run stopped before its first checkpoint (no " +
                             (d / kCheckpointsDir / kLatestFile).string() +
                             "); start it again with --overwrite (which moves it aside)");
  }
  throw std::runtime_error("--resume " + dir +
                           ": not a run or checkpoint directory (found neither " +
                           (d / kCheckpointsDir / kLatestFile).string() + " nor " +
                           (d / kTrainStateFile).string() + ")");
}

std::string run_dir_of_checkpoint(const std::string& checkpoint) {
  fs::path parent = normal(checkpoint).parent_path();
  if (parent.filename() == kCheckpointsDir) parent = parent.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

void check_resumable(const std::string& stored_json, const experiment::ExperimentConfig& config,
                     const std::string& checkpoint) {
  nlohmann::json stored;
  try {
    stored = nlohmann::json::parse(stored_json);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(checkpoint + ": the stored config is not valid JSON: " + e.what());
  }
  // Compare resolved forms, so defaults written out and left implicit agree.
  std::map<std::string, nlohmann::json> a, b;
  flatten(experiment::ExperimentConfig::from_json(stored, checkpoint).to_json(), "", a);
  flatten(config.to_json(), "", b);
  std::ostringstream diff;
  for (const auto& [key, value] : a) {
    if (resumable_keys().count(key)) continue;
    auto it = b.find(key);
    if (it == b.end() || it->second != value) {
      diff << "\n  " << key << ": checkpoint " << value.dump() << ", now "
           << (it == b.end() ? std::string("(absent)") : it->second.dump());
    }
  }
  for (const auto& [key, value] : b) {
    if (!a.count(key) && !resumable_keys().count(key))
      diff << "\n  " << key << ": checkpoint (absent), now " << value.dump();
  }
  if (!diff.str().empty()) {
    throw std::invalid_argument(
        "--resume " + checkpoint +
        ": these keys differ from the checkpoint's config and would change the computation "
        "(only out_dir, data.cache, data.prefetch_batches and train.log_every/checkpoint_every/"
        "keep_checkpoints/on_nonfinite/device/grad_bucket_mb/comm_timeout_s may change on "
        "resume):" +
        diff.str());
  }
}

experiment::ExperimentConfig resume_config(const std::string& checkpoint,
                                           const std::string& config_file,
                                           const std::vector<std::string>& overrides,
                                           const std::string& out) {
  const std::string state_path = (fs::path(checkpoint) / kTrainStateFile).string();
  TrainState state = load_train_state(state_path);
  experiment::ExperimentConfig config;
  if (config_file.empty()) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(state.config_json);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(state_path + ": the stored config is not valid JSON: " + e.what());
    }
    experiment::apply_overrides(j, overrides);
    config = experiment::ExperimentConfig::from_json(j, state_path + " (stored config)");
  } else {
    config = experiment::load_experiment_config(config_file, overrides);
  }
  check_resumable(state.config_json, config, checkpoint);
  config.out_dir = out.empty() ? run_dir_of_checkpoint(checkpoint) : out;
  return config;
}

}  // namespace acl::pretrain
