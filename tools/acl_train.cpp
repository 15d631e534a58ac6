// acl_train: self-supervised pretraining of an ECG encoder (ACL-ECG, SimCLR or CLOCS objective) on
// a prepared dataset. Writes the run directory described in train/pretrain/run_dir.h.
//
//   acl_train --config FILE.json [--out DIR] [--set key=value ...]
//   acl_train --resume RUN_OR_CHECKPOINT_DIR [--config FILE.json] [--out DIR] [--set key=value ...]
//
// A fresh run into a directory that already holds a run is refused; --overwrite moves the earlier
// run aside to DIR.old-<K> (never deletes it) and starts again. ACL_INJECT_FAULT injects faults
// for testing (train/pretrain/fault_injection.h).
//
// Exit status: 0 done, 1 an error (config, data, non-finite loss, I/O), 2 bad arguments, 130 / 143
// stopped by SIGINT / SIGTERM after writing a checkpoint.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/comm/communicator.h"
#include "train/experiment/experiment_config.h"
#include "train/pretrain/run_dir.h"
#include "train/pretrain/stop_signal.h"
#include "train/pretrain/trainer.h"

int main(int argc, char** argv) {
  CLI::App app{"acl_train: contrastive pretraining of an ECG encoder"};
  std::string config_file, out, resume;
  std::vector<std::string> sets;
  bool quiet = false, overwrite = false;
  app.add_option("--config", config_file, "experiment config (JSON)");
  app.add_option("--out", out, "run directory (overrides out_dir)");
  app.add_option(
      "--resume", resume,
      "continue a run: its directory (uses checkpoints/latest) or a checkpoint directory");
  app.add_option("--set", sets, "override a config key, e.g. --set train.steps=200")
      ->allow_extra_args(false);
  app.add_flag("--quiet", quiet, "no progress lines");
  app.add_flag("--overwrite", overwrite,
               "start again in a directory holding a run: the old run is moved to DIR.old-<K>");
  CLI11_PARSE(app, argc, argv);
  if (config_file.empty() && resume.empty()) {
    std::fprintf(stderr, "acl_train: give --config FILE.json (or --resume DIR)\n%s",
                 app.help().c_str());
    return 2;
  }

  // Under mpirun: one rank of a data-parallel group (MPI); otherwise one process.
  std::unique_ptr<acl::comm::Communicator> world;
  try {
    world = acl::comm::make_host_communicator();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_train: %s\n", e.what());
    return 1;
  }
  try {
    acl::experiment::ExperimentConfig config;
    acl::pretrain::TrainerOptions options;
    options.progress = !quiet;
    options.overwrite = overwrite;
    if (overwrite && !resume.empty()) {
      std::fprintf(stderr,
                   "acl_train: --overwrite starts a run again; it cannot go with --resume\n");
      return 2;
    }
    options.comm = world.get();
    if (!resume.empty()) {
      options.resume = acl::pretrain::resolve_checkpoint(resume);
      config = acl::pretrain::resume_config(options.resume, config_file, sets, out);
    } else {
      config = acl::experiment::load_experiment_config(config_file, sets);
      if (!out.empty()) config.out_dir = out;
    }
    acl::pretrain::StopSignalHandler signals;
    options.stop_signal = acl::pretrain::StopSignalHandler::flag();
    acl::pretrain::TrainResult r = acl::pretrain::train(config, options);
    if (r.status == acl::pretrain::TrainStatus::kInterrupted) return 128 + r.signal;
    if (world->rank() != 0) return 0;
    std::printf("encoder: %s\ncheckpoint: %s\nmetrics: %s/metrics.jsonl\n", r.encoder.c_str(),
                r.checkpoint.c_str(), r.run_dir.c_str());
    return 0;
  } catch (const std::exception& e) {
    if (world && world->size() > 1) {
      // Every rank stops now: the others would otherwise wait for this one in a collective.
      std::fprintf(stderr, "acl_train: rank %d of %d: %s\n", world->rank(), world->size(),
                   e.what());
      world->abort(1);
    }
    std::fprintf(stderr, "acl_train: %s\n", e.what());
    return 1;
  }
}
