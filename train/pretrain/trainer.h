// The pretraining loop behind acl_train.
//
// train(config) opens the prepared dataset, builds the model (encoder + heads, parameters from
// Philox with the config's seed), moves it to the device, and runs train.steps optimizer steps:
//   lr = warm-up cosine(step); loss = Objective::compute_loss(next batch); backward;
//   clip (optimizer.clip_grad_norm > 0); optimizer step
// with BatchNorm / bias parameters excluded from weight decay (models::decay_param_groups). The run
// directory (train/pretrain/run_dir.h) gets config.json at the start, metrics.jsonl and a progress
// line on stderr every train.log_every steps, a checkpoint every train.checkpoint_every steps
// (the newest train.keep_checkpoints kept), and at the end a final checkpoint and
// encoder.safetensors (the encoder alone, names as models::Encoder::state_dict(), its
// EncoderConfig JSON in the "config" metadata).
//
// Resume: TrainerOptions::resume names a run or checkpoint directory; the model, the optimizer
// state, the data position and the logging interval are restored, so the run continues exactly:
// on the CPU, k steps + resume to N equals N uninterrupted steps bit for bit (the order of the
// data is a pure function of (seed, epoch), views of (seed, epoch, record, view)).
//
// Faults: a record with a NaN or infinite sample stops the run when the loader reads it, naming the
// shard, record and lead (CacheReader::read_signal) and the last good checkpoint. A non-finite loss
// names the first non-finite tensor (the batch, or the first activation holding one), a non-finite
// gradient norm the parameters with non-finite gradients (train/pretrain/nonfinite.h); both name
// the step and the batch's records. No checkpoint is written from parameters or buffers holding a
// non-finite value. A checkpoint that cannot be written (disk full) stops the run naming the
// previous checkpoint, which is kept.
//
// Stopping: when *stop_signal becomes non-zero (StopSignalHandler) the loop finishes the current
// step, writes a checkpoint and returns kInterrupted. A non-finite loss or gradient norm is either
// fatal (train.on_nonfinite "stop": NonfiniteLossError, no checkpoint written, the last good one
// untouched) or skipped (train.on_nonfinite "skip": no optimizer step, BatchNorm running statistics
// restored, counted in metrics; 10 non-finite batches in a row mean the model diverged: fatal).
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "engine/comm/communicator.h"
#include "engine/dtype.h"
#include "train/experiment/experiment_config.h"
#include "train/pretrain/metrics.h"

namespace acl::pretrain {

// What one finished optimizer step reports to TrainerOptions::on_step.
struct StepReport {
  int64_t step = 0;  // steps done, counting this one
  uint64_t epoch = 0;
  StepValues values;
  double lr = 0;
};

struct TrainerOptions {
  std::string resume;    // "" (a fresh run), or a run or checkpoint directory to continue
  bool progress = true;  // progress lines on stderr
  // Polled before every step; non-zero (a signal number) stops the run at a checkpoint.
  const volatile std::sig_atomic_t* stop_signal = nullptr;
  // Called after every optimizer step.
  std::function<void(const StepReport&)> on_step;
  // A fresh run into a directory that holds a run (run_files) moves that run aside to
  // "<out_dir>.old-<K>" (move_aside) instead of refusing to start.
  bool overwrite = false;
  // Faults to inject (train/pretrain/fault_injection.h); "" reads ACL_INJECT_FAULT.
  std::string inject_fault;
  // The data-parallel group (train/pretrain/data_parallel.h): every rank calls train() with the
  // same config; only rank 0 logs and writes the run directory. nullptr: one process.
  comm::Communicator* comm = nullptr;
};

enum class TrainStatus { kCompleted, kInterrupted };

struct TrainResult {
  TrainStatus status = TrainStatus::kCompleted;
  int signal = 0;       // the stop signal (kInterrupted)
  int64_t steps = 0;    // optimizer steps done in total
  int64_t skipped = 0;  // batches skipped for a non-finite loss, in total
  std::string run_dir;
  std::string checkpoint;  // the last checkpoint written or resumed from ("" if none)
  std::string encoder;     // RUN/encoder.safetensors (kCompleted)
  StepValues last;         // the values of the last step
  Device device = Device::CPU;
};

// A non-finite loss with train.on_nonfinite = "stop". what() names the step, the batch and the
// last good checkpoint.
class NonfiniteLossError : public std::runtime_error {
 public:
  NonfiniteLossError(const std::string& what, int64_t step, std::string checkpoint)
      : std::runtime_error(what), step_(step), checkpoint_(std::move(checkpoint)) {}
  int64_t step() const { return step_; }  // the step that failed (1-based, as in metrics)
  const std::string& checkpoint() const { return checkpoint_; }  // "" when none was written

 private:
  int64_t step_;
  std::string checkpoint_;
};

// train.device -> the device to run on: "cpu", "cuda" (throws std::runtime_error when CUDA is not
// usable, with the reason), "auto" (CUDA when usable, else the CPU; *note says which and why).
Device select_device(const std::string& name, std::string* note);

// Runs (or resumes) the pretraining of `config`. Throws std::runtime_error /
// std::invalid_argument with a message naming the file or config key for a missing cache, an
// unusable config or I/O failures, and NonfiniteLossError (above).
TrainResult train(const experiment::ExperimentConfig& config, const TrainerOptions& options = {});

}  // namespace acl::pretrain
