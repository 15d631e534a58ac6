#include "train/pretrain/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/comm/sync_batchnorm.h"
#include "engine/device_select.h"
#include "engine/host_memory.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/adamw.h"
#include "engine/optim/clip_grad.h"
#include "engine/optim/lars.h"
#include "engine/optim/lr_schedule.h"
#include "engine/optim/sgd.h"
#include "engine/threads.h"
#include "train/cache/cache_format.h"
#include "train/cache/cache_reader.h"
#include "train/cache/generator_version.h"
#include "train/pretrain/batch_loader.h"
#include "train/pretrain/data_parallel.h"
#include "train/pretrain/fault_injection.h"
#include "train/pretrain/nonfinite.h"
#include "train/pretrain/objective.h"
#include "train/pretrain/run_dir.h"
#include "train/synth/generator.h"

namespace acl::pretrain {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kInitStream = 0x696e6974ull;  // "init": the model's initial parameters
// With on_nonfinite = "skip", this many non-finite batches in a row mean the model itself has
// diverged (a bad record spoils one batch, not every one).
constexpr int64_t kMaxConsecutiveSkips = 10;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::unique_ptr<cache::CacheReader> open_cache(const std::string& dir) {
  if (dir.empty()) {
    throw std::invalid_argument(
        "data.cache is not set: give the prepared dataset directory (e.g. `acl_prepare "
        "--synthetic 2000 --out data/synthetic`, then data.cache = \"data/synthetic\")");
  }
  const fs::path index = fs::path(dir) / cache::kIndexFile;
  std::error_code ec;
  if (!fs::exists(index, ec)) {
    throw std::runtime_error("data.cache: no prepared dataset at '" + dir + "' (" + index.string() +
                             " not found); prepare one with `acl_prepare --synthetic 2000 --out " +
                             dir + "` (or --ptbxl / --wfdb / --cinc DIR)");
  }
  return std::make_unique<cache::CacheReader>(dir);
}

std::vector<int64_t> split_records(const cache::CacheReader& cache, experiment::Split split,
                                   const std::string& dir) {
  std::vector<int64_t> records;
  if (split == experiment::Split::kAll) {
    for (int64_t i = 0; i < cache.size(); ++i) records.push_back(i);
  } else {
    records = cache.indices_of_split(experiment::split_name(split));
  }
  if (records.empty()) {
    throw std::invalid_argument(std::string("data.split: \"") + experiment::split_name(split) +
                                "\" selects no record of the " + std::to_string(cache.size()) +
                                " in " + dir + " (use \"train\", \"val\", \"test\" or \"all\")");
  }
  return records;
}

// The options every optimizer shares.
template <typename Options>
Options common_options(const experiment::OptimizerConfig& o) {
  Options x;
  x.lr = o.lr;
  x.weight_decay = o.weight_decay;
  return x;
}

std::unique_ptr<Optimizer> make_optimizer(const experiment::OptimizerConfig& o,
                                          std::vector<ParamGroup> groups) {
  switch (o.name) {
    case experiment::OptimizerName::kAdamw: {
      auto a = common_options<AdamWOptions>(o);
      a.beta1 = o.beta1;
      a.beta2 = o.beta2;
      a.eps = o.eps;
      return std::make_unique<AdamW>(std::move(groups), a);
    }
    case experiment::OptimizerName::kSgd: {
      auto s = common_options<SgdOptions>(o);
      s.momentum = o.momentum;
      return std::make_unique<Sgd>(std::move(groups), s);
    }
    case experiment::OptimizerName::kLars: {
      auto l = common_options<LarsOptions>(o);
      l.momentum = o.momentum;
      l.eta = o.lars_eta;
      return std::make_unique<Lars>(std::move(groups), l);
    }
  }
  throw std::logic_error("make_optimizer: unknown optimizer");
}

// The config's keys were range-checked when it was read (experiment_fields.h).
WarmupCosineLr make_schedule(const experiment::ExperimentConfig& c) {
  WarmupCosineOptions o;
  o.base_lr = c.optimizer.lr;
  o.warmup_steps = c.optimizer.warmup_steps;
  o.total_steps = c.train.steps;
  o.final_lr = c.optimizer.min_lr;
  return WarmupCosineLr(o);
}

// Everything of a run that a checkpoint captures, and the writer.
struct RunState {
  RunState(const experiment::ExperimentConfig& c, PretrainModel& m, Optimizer& o, RngState init)
      : config(c),
        config_json(c.to_json().dump()),
        run_dir(c.out_dir),
        model(m),
        optimizer(o),
        init_rng(init) {}

  const experiment::ExperimentConfig& config;
  std::string config_json;
  std::string run_dir;
  PretrainModel& model;
  Optimizer& optimizer;
  RngState init_rng;
  int64_t n_records = 0, batches_per_epoch = 0;

  int64_t step = 0;
  int64_t skipped = 0;
  IntervalStats interval;
  double elapsed_before = 0;  // training seconds of earlier sessions (resume)
  std::string checkpoint;     // last written or resumed from
  int64_t checkpoint_step = -1;
  FaultPlan* faults = nullptr;

  // "The last good checkpoint is ... (continue with --resume ...)." or that there is none.
  std::string last_good() const {
    if (checkpoint.empty()) return "No checkpoint was written before it.";
    return "The last good checkpoint is " + checkpoint + " (step " +
           std::to_string(checkpoint_step) + "; continue with --resume " + checkpoint + ").";
  }

  void save(const LoaderPosition& next, double elapsed_s) {
    const std::string final_dir = checkpoint_dir(run_dir, step);
    const fs::path partial = final_dir + ".partial";
    try {
      check_finite_state(model.state_dict(), "model");
      write(partial, next, elapsed_s);
    } catch (const std::exception& e) {
      std::error_code ec;
      fs::remove_all(partial, ec);
      throw std::runtime_error("checkpoint " + final_dir + " was not written (" + e.what() + "). " +
                               (checkpoint.empty()
                                    ? std::string("No earlier checkpoint exists.")
                                    : "The previous checkpoint " + checkpoint + " (step " +
                                          std::to_string(checkpoint_step) +
                                          ") is kept; continue with --resume " + checkpoint + "."));
    }
    prune_checkpoints(run_dir, config.train.keep_checkpoints);
    checkpoint = final_dir;
    checkpoint_step = step;
  }

  void write(const fs::path& partial, const LoaderPosition& next, double elapsed_s) {
    fs::remove_all(partial);
    fs::create_directories(partial);
    StringMap meta{{"config", config_json}, {"step", std::to_string(step)}};
    save_state_dict((partial / kModelFile).string(), model.state_dict(), meta);
    faults->kill_point("model", step);
    TrainState ts;
    ts.step = static_cast<uint64_t>(step);
    ts.optimizer = optimizer.state();
    ts.rngs["init"] = init_rng;
    ts.data.epoch = next.epoch;
    ts.data.index = next.batch;
    ts.config_json = config_json;
    ts.extra = interval.save();
    ts.extra["skipped"] = std::to_string(skipped);
    ts.extra["elapsed_s"] = exact_double_string(elapsed_s);
    ts.extra["data.records"] = std::to_string(n_records);
    ts.extra["data.batches_per_epoch"] = std::to_string(batches_per_epoch);
    save_train_state((partial / kTrainStateFile).string(), ts);
    faults->kill_point("partial", step);
    publish_checkpoint(run_dir, partial.string(), step,
                       [&](const char* point) { faults->kill_point(point, step); });
  }

  // Restores model, optimizer and counters from `ckpt`; returns the data position.
  LoaderPosition restore(const std::string& ckpt) {
    const std::string state_file = (fs::path(ckpt) / kTrainStateFile).string();
    TrainState ts = load_train_state(state_file);
    check_resumable(ts.config_json, config, ckpt);
    load_state_dict((fs::path(ckpt) / kModelFile).string(), model.state_dict());
    optimizer.load_state(ts.optimizer);
    const auto records = static_cast<int64_t>(extra_double(ts.extra, "data.records", state_file));
    if (records != n_records) {
      throw std::runtime_error(
          state_file + ": the run drew batches from " + std::to_string(records) +
          " records, data.cache '" + config.data.cache + "' split \"" +
          experiment::split_name(config.data.split) + "\" has " + std::to_string(n_records) +
          "; resuming would not see the same data order");
    }
    step = static_cast<int64_t>(ts.step);
    if (step > config.train.steps) {
      throw std::invalid_argument(ckpt + " is at step " + std::to_string(step) +
                                  ", past train.steps = " + std::to_string(config.train.steps));
    }
    if (ts.data.index >= static_cast<uint64_t>(batches_per_epoch)) {
      throw std::runtime_error(state_file + ": data.index " + std::to_string(ts.data.index) +
                               " is past the " + std::to_string(batches_per_epoch) +
                               " batches of an epoch");
    }
    skipped = static_cast<int64_t>(extra_double(ts.extra, "skipped", state_file));
    elapsed_before = extra_double(ts.extra, "elapsed_s", state_file);
    interval.load(ts.extra);
    checkpoint = ckpt;
    checkpoint_step = step;
    return LoaderPosition{ts.data.epoch, ts.data.index};
  }
};

// Copies of every buffer (BatchNorm running statistics), to undo a skipped batch's forward.
std::vector<Tensor> snapshot_buffers(const models::Module& m) {
  std::vector<Tensor> out;
  for (const auto& [name, t] : m.named_buffers()) out.push_back(t.clone());
  return out;
}
void restore_buffers(const models::Module& m, const std::vector<Tensor>& saved) {
  size_t i = 0;
  for (auto& [name, t] : m.named_buffers()) {
    Tensor dst = t;
    dst.copy_from(saved[i++]);
  }
}

Device select_device(experiment::TrainDevice d, std::string* note) {
  switch (d) {
    case experiment::TrainDevice::kCpu:
      if (note) *note = "cpu";
      return Device::CPU;
    case experiment::TrainDevice::kCuda:
      if (!cuda_available()) {
        throw std::runtime_error("train.device: \"cuda\" requested but CUDA is not usable (" +
                                 cuda_unavailable_reason() +
                                 "); use \"auto\" or \"cpu\" to train on the CPU");
      }
      if (note) *note = "cuda";
      return Device::CUDA;
    case experiment::TrainDevice::kAuto:
      break;
  }
  if (use_cuda_or_fallback()) {
    if (note) *note = "cuda (auto)";
    return Device::CUDA;
  }
  if (note) *note = "cpu (auto: " + cuda_unavailable_reason() + ")";
  return Device::CPU;
}

}  // namespace

Device select_device(const std::string& name, std::string* note) {
  return select_device(experiment::parse_device(name), note);
}

TrainResult train(const experiment::ExperimentConfig& config, const TrainerOptions& options) {
  const auto start = Clock::now();
  FaultPlan faults = FaultPlan::from(options.inject_fault);  // a malformed plan: before any work
  std::string device_note;
  const Device device = select_device(config.train.device, &device_note);
  set_num_threads(config.train.num_threads);  // CPU kernels; the results do not depend on it
  const bool skip_nonfinite = config.train.on_nonfinite == experiment::OnNonfinite::kSkip;
  const int64_t total = config.train.steps;
  WarmupCosineLr schedule = make_schedule(config);
  std::unique_ptr<comm::Communicator> single;
  DataParallel dp(options.comm ? *options.comm : *(single = comm::make_single_communicator()),
                  config.train, device);
  const bool root = dp.is_root();
  const bool progress = options.progress && root;

  // ---- data
  std::unique_ptr<cache::CacheReader> cache = open_cache(config.data.cache);
  if (cache->n_leads() != models::kNumStandardLeads) {
    throw std::invalid_argument("data.cache: " + config.data.cache + " holds " +
                                std::to_string(cache->n_leads()) +
                                "-lead records; the encoders take the 12 standard leads");
  }
  const std::string generator_note =
      cache::generator_version_note(*cache, config.data.cache, synth::kGeneratorVersion);
  if (root && !generator_note.empty())
    std::fprintf(stderr, "acl_train: %s\n", generator_note.c_str());
  std::vector<int64_t> records = split_records(*cache, config.data.split, config.data.cache);
  const int64_t B = config.train.batch_size;
  if (B < 1 || B > static_cast<int64_t>(records.size())) {
    throw std::invalid_argument("train.batch_size: " + std::to_string(B) +
                                " records per batch, "
                                "but split \"" +
                                experiment::split_name(config.data.split) + "\" of " +
                                config.data.cache + " has " + std::to_string(records.size()));
  }
  const std::string positives_note = check_patients(config, *cache, records);
  if (progress && !positives_note.empty())
    std::fprintf(stderr, "acl_train: %s\n", positives_note.c_str());

  // ---- the run directory: a fresh run is never mixed with an earlier one
  const bool resuming = !options.resume.empty();
  if (root) claim_run_dir(config.out_dir, resuming, options.overwrite);

  const auto [slice_begin, slice_size] = dp.slice(B);

  // ---- model, objective, optimizer
  Rng init(config.seed, kInitStream);
  PretrainModel model(config, init);
  model.to(device);
  model.train();
  Objective objective(config, cache->fs(), model);
  std::unique_ptr<Optimizer> optimizer =
      make_optimizer(config.optimizer, models::decay_param_groups(model));
  const std::vector<Tensor> params = model.parameters();
  objective.set_communicator(&dp.tensor_comm());
  dp.set_parameters(params);
  comm::SyncBatchNormScope sync_bn(config.train.sync_bn ? &dp.comm() : nullptr);

  const NamedTensorList named_params = model.named_parameters();
  if (!faults.empty()) {
    std::vector<std::string> names;
    for (const auto& np : named_params) names.push_back(np.first);
    faults.resolve(Objective::activation_names(), names);
    std::fprintf(stderr, "acl_train: injecting faults (ACL_INJECT_FAULT): %s\n",
                 faults.describe().c_str());
  }

  RunState run(config, model, *optimizer, rng_state(init));
  run.n_records = static_cast<int64_t>(records.size());
  run.batches_per_epoch = run.n_records / B;
  run.faults = &faults;

  // ---- run directory, resume
  if (root) fs::create_directories(run.run_dir);
  LoaderPosition position;
  if (resuming) {
    const std::string ckpt = resolve_checkpoint(options.resume);
    position = run.restore(ckpt);
    if (root)
      for (const std::string& d : remove_incomplete_checkpoints(run.run_dir))
        std::fprintf(stderr, "acl_train: removed %s (left by an interrupted run)\n", d.c_str());
    std::error_code ec;
    if (root && fs::equivalent(run_dir_of_checkpoint(ckpt), run.run_dir, ec)) {
      // `latest` first: a kill while the later checkpoints go leaves it naming a complete one.
      write_text_atomic((fs::path(run.run_dir) / kCheckpointsDir / kLatestFile).string(),
                        fs::path(ckpt).filename().string() + "\n");
      for (const std::string& d : remove_checkpoints_after(run.run_dir, run.step))
        std::fprintf(stderr, "acl_train: removed %s (after the resumed step %lld)\n", d.c_str(),
                     static_cast<long long>(run.step));
    }
  }
  std::optional<MetricsLog> metrics;
  if (root) {
    write_text_atomic((fs::path(run.run_dir) / kConfigFile).string(),
                      config.to_json().dump(2) + "\n");
    metrics.emplace(run.run_dir, resuming ? run.step : -1);
  }

  LoaderOptions lo;
  lo.batch_size = B;
  lo.prefetch_batches = config.data.prefetch_batches;
  lo.seed = config.seed;
  lo.pinned = device == Device::CUDA;
  lo.slice_begin = slice_begin;
  lo.slice_size = slice_size;
  lo.by_patient = config.data.order == experiment::DataOrder::kPatients;
  BatchLoader loader(*cache, records, lo, position);

  const bool has_global = model.projection() != nullptr;
  const bool has_region = model.region_heads() != nullptr;
  const std::string world = dp.describe(device_note);  // collective: every rank
  dp.broadcast_model(model);                           // fresh or resumed: rank 0's state
  if (progress) {
    std::fprintf(stderr, "acl_train: %s; %lld records per rank and step\n", world.c_str(),
                 static_cast<long long>(slice_size));
    std::fprintf(stderr,
                 "acl_train: %s, device %s, %lld records (%s split of %s: %s, %.0f Hz, %lld "
                 "samples), batch %lld x %d views of %lld samples, %lld batches/epoch, %lld "
                 "parameters\n",
                 experiment::method_name(config.objective.method), device_note.c_str(),
                 static_cast<long long>(records.size()), experiment::split_name(config.data.split),
                 config.data.cache.c_str(), cache::describe_dataset(*cache).c_str(), cache->fs(),
                 static_cast<long long>(cache->length()), static_cast<long long>(B),
                 objective.n_views(), static_cast<long long>(config.data.view_length),
                 static_cast<long long>(run.batches_per_epoch),
                 static_cast<long long>(model.num_parameters()));
    std::fprintf(stderr, "acl_train: %s %s, %lld steps, run directory %s\n",
                 resuming ? "resuming from" : "starting",
                 resuming ? run.checkpoint.c_str() : "fresh", static_cast<long long>(total),
                 run.run_dir.c_str());
  }

  // ---- the loop
  int64_t consecutive_skips = 0;
  auto interval_start = Clock::now();
  int64_t interval_records = 0, interval_steps = 0;  // this session's part of the interval
  StepValues last;
  auto elapsed = [&] { return run.elapsed_before + seconds_since(start); };

  TrainResult result;
  result.run_dir = run.run_dir;
  result.device = device;
  int64_t attempt = 0;          // the step being attempted (1-based)
  NamedTensorList activations;  // of this attempt's forward, to locate a non-finite loss
  objective.set_activation_hook([&](const std::string& name, const Tensor& t) {
    for (double v : faults.due(FaultKind::kActivation, attempt, name)) inject_value(t, v);
    activations.emplace_back(name, t);
  });
  while (run.step < total) {
    const int stop = dp.any_stop(options.stop_signal ? *options.stop_signal : 0);
    if (stop != 0) {
      result.status = TrainStatus::kInterrupted;
      result.signal = stop;
      break;
    }
    attempt = run.step + 1;
    Batch batch;
    try {
      batch = loader.next(device);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) + ". The run stopped before step " +
                               std::to_string(attempt) + ". " + run.last_good());
    }
    for (double v : faults.due(FaultKind::kBatch, attempt, "batch"))
      inject_value(batch.records, v, batch.records.numel() / batch.records.size(0));
    interval_records += B;
    const double lr = schedule.lr_at(run.step);
    optimizer->set_lr(lr);
    std::vector<Tensor> buffers;
    if (skip_nonfinite) buffers = snapshot_buffers(model);

    activations.clear();
    LossTerms terms = objective.compute_loss(batch);
    StepValues v = dp.step_values(terms);  // the global batch's values on every rank
    const double loss = v.loss;
    double norm = std::nan("");
    bool finite = std::isfinite(loss);
    if (finite) {
      optimizer->zero_grad();
      {
        std::unique_ptr<GradReadyHook> hook = dp.gradient_hook();
        terms.loss.backward();
      }
      dp.finish_gradients();
      if (!faults.empty()) {
        for (const auto& [name, p] : named_params)
          for (double v : faults.due(FaultKind::kGrad, attempt, name))
            if (p.grad().defined()) inject_value(p.grad(), v);
      }
      norm = config.optimizer.clip_grad_norm > 0
                 ? clip_grad_norm(params, config.optimizer.clip_grad_norm)
                 : grad_norm(params);
      finite = std::isfinite(norm);
    }
    if (!finite) {
      std::ostringstream what;
      what << "non-finite " << (std::isfinite(loss) ? "gradient norm" : "loss") << " ("
           << describe_nonfinite(std::isfinite(loss) ? norm : loss) << ") at step " << run.step + 1
           << " (epoch " << batch.position.epoch << ", batch " << batch.position.batch
           << ", records " << records_named(batch.record_index, *cache) << "); ";
      const std::string forward = locate_nonfinite_forward(batch, *cache, activations);
      if (std::isfinite(loss)) {
        what << locate_nonfinite_grads(named_params) << (forward.empty() ? "" : "; ") << forward;
      } else {
        what << (forward.empty() ? "the batch and every activation are finite: the loss itself "
                                   "overflowed"
                                 : forward);
      }
      if (!skip_nonfinite) {
        what << "; stopped without writing a checkpoint. " << run.last_good();
        what << " Lower optimizer.lr, set optimizer.clip_grad_norm, or set train.on_nonfinite "
                "= \"skip\" to skip such batches.";
        throw NonfiniteLossError(what.str(), run.step + 1, run.checkpoint);
      }
      restore_buffers(model, buffers);
      optimizer->zero_grad();
      ++run.skipped;
      if (progress) std::fprintf(stderr, "acl_train: skipped %s\n", what.str().c_str());
      if (++consecutive_skips >= kMaxConsecutiveSkips) {
        throw NonfiniteLossError(std::to_string(consecutive_skips) +
                                     " consecutive batches gave a non-finite loss (the last: " +
                                     what.str() + "); the model has diverged. " + run.last_good(),
                                 run.step + 1, run.checkpoint);
      }
      continue;
    }
    activations.clear();
    consecutive_skips = 0;
    optimizer->step();
    ++run.step;
    ++interval_steps;

    run.interval.add(v);
    last = v;
    if (options.on_step) options.on_step(StepReport{run.step, batch.position.epoch, v, lr});

    if (run.step % config.train.log_every == 0 || run.step == total) {
      const double dt = seconds_since(interval_start);
      MetricsRecord r;
      r.step = run.step;
      r.epoch = batch.position.epoch;
      r.mean = run.interval.mean();
      r.has_global = has_global;
      r.has_region = has_region;
      r.lr = lr;
      r.grad_norm = norm;
      r.samples_per_s = dt > 0 ? static_cast<double>(interval_records) / dt : 0.0;
      r.elapsed_s = elapsed();
      r.skipped = run.skipped;
      DeviceMemory mem = device == Device::CUDA ? device_memory() : DeviceMemory{};
      r.gpu_mem_bytes = mem.current_bytes;
      r.gpu_mem_peak_bytes = mem.peak_bytes;
      if (metrics) metrics->write(r);
      if (progress) {
        const double per_step = dt / static_cast<double>(std::max<int64_t>(interval_steps, 1));
        std::fprintf(
            stderr, "%s\n",
            progress_line(r, total, per_step * static_cast<double>(total - run.step)).c_str());
      }
      run.interval.reset();
      interval_start = Clock::now();
      interval_records = 0;
      interval_steps = 0;
    }
    if (config.train.checkpoint_every > 0 && run.step % config.train.checkpoint_every == 0 &&
        run.step < total && root) {
      run.save(loader.position(), elapsed());
    }
  }

  // ---- the end: a checkpoint (unless this step has one), and the encoder when complete
  if (root && run.checkpoint_step != run.step) run.save(loader.position(), elapsed());
  result.steps = run.step;
  result.skipped = run.skipped;
  result.checkpoint = run.checkpoint;
  result.last = last;
  if (root && result.status == TrainStatus::kCompleted) {
    result.encoder = (fs::path(run.run_dir) / kEncoderFile).string();
    StringMap meta{{"config", model.encoder().config().to_json().dump()},
                   {"run_config", run.config_json},
                   {"step", std::to_string(run.step)}};
    save_state_dict(result.encoder, model.encoder().state_dict(), meta);
  }
  if (root && result.status == TrainStatus::kInterrupted) {
    // Said even when quiet: whoever stopped the run needs to know where it can continue from.
    std::fprintf(stderr,
                 "acl_train: stopped by signal %d after step %lld; checkpoint %s (continue with "
                 "--resume %s)\n",
                 result.signal, static_cast<long long>(run.step), run.checkpoint.c_str(),
                 run.run_dir.c_str());
  } else if (progress) {
    std::fprintf(stderr, "acl_train: done, %lld steps in %s; encoder %s, checkpoint %s\n",
                 static_cast<long long>(run.step), format_duration(elapsed()).c_str(),
                 result.encoder.c_str(), run.checkpoint.c_str());
  }
  return result;
}

}  // namespace acl::pretrain
