// The files of a pretraining run directory:
//
//   RUN/config.json                   the resolved experiment config (ExperimentConfig::to_json)
//   RUN/metrics.jsonl                 one JSON object per logged step (train/pretrain/metrics.h)
//   RUN/encoder.safetensors           the trained encoder alone, written when the run completes
//   RUN/checkpoints/step_<N>/         model.safetensors + train_state.safetensors after step N
//   RUN/checkpoints/latest            "step_<N>\n": the newest complete checkpoint
//
// A checkpoint directory appears whole or not at all (written as step_<N>.partial, every file and
// directory fsynced, then renamed), and `latest` is replaced atomically after it; a checkpoint is
// removed by renaming it to step_<N>.removing first. So a run killed at any moment leaves every
// step_<N> complete and `latest` naming one of them (tests/test_kill_resume.cpp); the .partial and
// .removing leftovers are deleted when the run resumes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/experiment/experiment_config.h"

namespace acl::pretrain {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kMetricsFile = "metrics.jsonl";
inline constexpr const char* kEncoderFile = "encoder.safetensors";
inline constexpr const char* kCheckpointsDir = "checkpoints";
inline constexpr const char* kLatestFile = "latest";
inline constexpr const char* kModelFile = "model.safetensors";
inline constexpr const char* kTrainStateFile = "train_state.safetensors";

// RUN/checkpoints/step_<step>.
std::string checkpoint_dir(const std::string& run_dir, int64_t step);
// The step of a checkpoint directory named step_<N>; -1 for any other name.
int64_t checkpoint_step(const std::string& checkpoint);
// The steps of RUN/checkpoints/step_<N> directories, ascending.
std::vector<int64_t> list_checkpoints(const std::string& run_dir);
// The checkpoint RUN/checkpoints/latest names; "" when there is none.
std::string latest_checkpoint(const std::string& run_dir);

// Writes `text` to `path` through a temporary file, fsync and rename (engine/io/safetensors.h).
void write_text_atomic(const std::string& path, const std::string& text);
// Moves the directory `partial` (complete) to RUN/checkpoints/step_<step> (replacing one that
// exists) and points `latest` at it. `at` (when set) is called with "renamed" after the rename and
// with "latest" after `latest` names it (fault injection).
void publish_checkpoint(const std::string& run_dir, const std::string& partial, int64_t step,
                        const std::function<void(const char*)>& at = {});
// Removes a checkpoint directory: renamed to <dir>.removing first, so that no incomplete step_<N>
// is ever seen.
void remove_checkpoint(const std::string& dir);
// Deletes the step_<N>.partial and step_<N>.removing leftovers of a killed run; returns them.
std::vector<std::string> remove_incomplete_checkpoints(const std::string& run_dir);

// What of a run `dir` holds (config.json, metrics.jsonl, encoder.safetensors, checkpoints), by
// name; empty when it holds none (or does not exist).
std::vector<std::string> run_files(const std::string& dir);
// Before a run starts: for a fresh run (not `resuming`), refuses a `dir` that holds a run
// (std::runtime_error naming what it holds and the options) unless `overwrite`, which moves it
// aside (said on stderr); then creates `dir` (std::runtime_error naming it when that fails).
void claim_run_dir(const std::string& dir, bool resuming, bool overwrite);
// The first K = 1, 2, ... for which no "<path>.old-<K>" exists, for every path of `paths`: the
// suffix that keeps an earlier run or results file beside the new one.
int first_free_old_suffix(const std::vector<std::string>& paths);
// Renames `dir` to the first free "<dir>.old-<K>" (K = 1, 2, ...) and returns that name: an
// overwritten run is moved aside, never deleted.
std::string move_aside(const std::string& dir);
// Removes the oldest checkpoints so that `keep` (>= 1) remain.
void prune_checkpoints(const std::string& run_dir, int keep);
// Removes the checkpoints after `step` (a run rewound to an older checkpoint) and returns their
// directories.
std::vector<std::string> remove_checkpoints_after(const std::string& run_dir, int64_t step);

// The checkpoint that `--resume DIR` means: DIR itself when it holds train_state.safetensors,
// else the one DIR/checkpoints/latest (or DIR/latest) names. Throws std::runtime_error naming DIR
// and what was looked for.
std::string resolve_checkpoint(const std::string& dir);
// RUN for RUN/checkpoints/step_<N>; the checkpoint's parent directory otherwise.
std::string run_dir_of_checkpoint(const std::string& checkpoint);

// Throws std::invalid_argument listing every key (with both values) where `config` differs from
// the config a checkpoint stored (`stored_json`) in a way that changes the computation: any key
// but out_dir, data.cache, data.prefetch_batches, train.log_every, train.checkpoint_every,
// train.keep_checkpoints, train.on_nonfinite and train.device.
void check_resumable(const std::string& stored_json, const experiment::ExperimentConfig& config,
                     const std::string& checkpoint);

// The config to resume `checkpoint` with: the config stored in its train state, or `config_file`
// when not empty, with `overrides` applied, checked with check_resumable. out_dir becomes `out`
// when given, else the checkpoint's run directory.
experiment::ExperimentConfig resume_config(const std::string& checkpoint,
                                           const std::string& config_file,
                                           const std::vector<std::string>& overrides,
                                           const std::string& out);

}  // namespace acl::pretrain
