// The pretraining experiment: one JSON file read into ExperimentConfig. Every key is typed,
// defaulted and range-checked once, when it is read, by the field table experiment_fields()
// (experiment_fields.h; docs/usage.md lists the same keys, checked by a test); an unknown or
// mistyped key throws std::invalid_argument naming its dotted path, the value, what is allowed
// and, for an unknown key, the closest valid key. Closed sets of values are enums. to_json()
// writes every key resolved, so a run directory's config.json reads back into an equal config.
//
//   {
//     "seed": 0,
//     "out_dir": "runs/quickstart",
//     "data": {"cache": "data_cache/synthetic", "split": "train", "view_length": 250,
//              "prefetch_batches": 4, "order": "records"},
//     "model": {"encoder": {...models::EncoderConfig...}, "heads": {...models::HeadsConfig...}},
//     "objective": {"method": "acl", "lambda_g": 1.0, "lambda_r": 1.0, "tau": 0.1,
//                   "positives": "record",
//                   "augmentations": {"scale_crop": {"enabled": true, "s_min": 0.5, "s_max": 1.0},
//                                     "cycle_mask": {...}, "time_shift": {...}, ...}},
//     "optimizer": {"name": "adamw", "lr": 1e-3, "weight_decay": 1e-4, "momentum": 0.9,
//                   "betas": [0.9, 0.999], "eps": 1e-8, "lars_eta": 0.001, "clip_grad_norm": 0,
//                   "schedule": {"warmup_steps": 100, "min_lr": 0}},
//     "train": {"steps": 1000, "batch_size": 64, "log_every": 10, "checkpoint_every": 500,
//               "keep_checkpoints": 2, "on_nonfinite": "stop", "device": "auto",
//               "precision": "f32", "sync_bn": true, "grad_bucket_mb": 25,
//               "comm_timeout_s": 300, "num_threads": 0}
//   }
//
// The method sets the defaults of "objective": from_json reads objective.method first, starts from
// method_defaults(method) and then applies every key the file gives, so an explicit key always
// wins over the method's default.
//
// --set overrides a key by its dotted path ("train.steps=200", "objective.tau=0.2",
// "model.encoder.leadwise.channels=[8,16]"): the value is parsed as JSON, or taken as a string when
// it is not valid JSON; the path must name a key of the schema.
//
// Switching the method on the command line (--set objective.method=simclr on a file whose method
// is acl) switches the defaults too: the "objective" keys the file sets to its own method's
// default values (a file restating lambda_r 1 and the ACL augmentations) are dropped first, so
// the new method's defaults apply to them; keys the file sets to other values are kept and, when
// they contradict the new method, the parser names every one of them in a single error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/config.h"
#include "train/augment/augment.h"

namespace acl::experiment {

enum class Method { kAcl, kSimclr, kClocs };       // "acl", "simclr", "clocs"
enum class Positives { kRecord, kPatient };        // "record", "patient"
enum class DataOrder { kRecords, kPatients };      // "records", "patients"
enum class Split { kTrain, kVal, kTest, kAll };    // "train", "val", "test", "all"
enum class OptimizerName { kSgd, kAdamw, kLars };  // "sgd", "adamw", "lars"
enum class OnNonfinite { kStop, kSkip };           // "stop", "skip"
enum class TrainDevice { kAuto, kCpu, kCuda };     // "auto", "cpu", "cuda"
enum class Precision { kF32 };                     // "f32" (bf16 is not implemented yet)
// The JSON names of the values (the field table writes every enum by its name).
const char* method_name(Method m);
const char* positives_name(Positives p);
const char* split_name(Split s);
// The device named `name`; throws std::invalid_argument "<path>: unknown device ..." otherwise.
TrainDevice parse_device(const std::string& name, const std::string& path = "train.device");

struct DataConfig {
  std::string cache;            // prepared dataset directory (acl_prepare); required
  Split split = Split::kTrain;  // records of this split are used (kAll: every record)
  int64_t view_length = 250;    // samples per augmented view (the encoder's input length)
  int prefetch_batches = 4;     // batches the reader thread prepares ahead
  // kRecords: each epoch a random order of the records; kPatients: a random order of the patients,
  // each patient's records together, so that they share a batch (pretrain::epoch_order).
  DataOrder order = DataOrder::kRecords;
};

struct ObjectiveConfig {
  Method method = Method::kAcl;
  double lambda_g = 1.0;  // weight of the global NT-Xent
  double lambda_r = 1.0;  // weight of the region loss (acl only; 0 disables it)
  double tau = 0.1;
  // Which rows of the batch are an anchor's positives: kRecord, the other views of its own record;
  // kPatient, also every view of the batch's other records of the same patient (the cache's
  // patient ids; CLOCS's CMSC). Applies to both terms (the region term: the same region).
  Positives positives = Positives::kRecord;
  augment::AugmentConfig augmentations;  // fs and n_views are filled from the data and method
};

// The objective defaults of a method (n_views = 2 for all):
//   acl:    lambda_r 1; augmentations scale_crop, cycle_mask, time_shift (DESIGN.md §5).
//   simclr: lambda_r 0 (global NT-Xent only); generic augmentations amplitude_scale,
//           gaussian_noise, baseline_wander, lead_dropout.
//   clocs:  lambda_r 0; the two views are adjacent segments of the record (segments), nothing
//           else; positives "patient" (acl and simclr: "record").
ObjectiveConfig method_defaults(Method m);

struct OptimizerConfig {
  OptimizerName name = OptimizerName::kAdamw;
  double lr = 1e-3;
  double weight_decay = 1e-4;
  double momentum = 0.9;                          // sgd, lars
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adamw ("betas": [b1, b2])
  double lars_eta = 0.001;
  double clip_grad_norm = 0;  // 0: no clipping
  int64_t warmup_steps = 100;
  double min_lr = 0;  // cosine decay floor
};

struct TrainConfig {
  int64_t steps = 1000;
  int64_t batch_size = 64;  // records per step (each gives n_views views)
  int64_t log_every = 10;
  int64_t checkpoint_every = 500;  // 0: only at the end and on a signal
  int keep_checkpoints = 2;
  OnNonfinite on_nonfinite = OnNonfinite::kStop;  // kSkip: skip the batch, count it
  TrainDevice device = TrainDevice::kAuto;
  Precision precision = Precision::kF32;
  // Data parallelism (mpirun -np N; docs/usage.md): batch_size is the global batch, split evenly.
  bool sync_bn = true;          // BatchNorm statistics over the global batch in training mode
  double grad_bucket_mb = 25;   // gradient all-reduce bucket size (MiB)
  double comm_timeout_s = 300;  // a collective waiting longer for a peer stops the run
  int num_threads = 0;          // CPU kernel threads; 0: ACL_NUM_THREADS, else every usable core
};

struct ExperimentConfig {
  uint64_t seed = 0;
  std::string out_dir = "runs/experiment";
  DataConfig data;
  models::EncoderConfig encoder;
  models::HeadsConfig heads;
  ObjectiveConfig objective;
  OptimizerConfig optimizer;
  TrainConfig train;

  // Parses a whole config (validates cross-field rules, e.g. the acl method needs a lead-wise
  // encoder). `where` prefixes error messages (the file name).
  static ExperimentConfig from_json(const nlohmann::json& j, const std::string& where = "config");
  nlohmann::json to_json() const;
};

// Drops from j["objective"] every key whose value is the default of method `from` (see the
// method switch above); apply_overrides calls it when an override changes the method.
void switch_method(nlohmann::json& j, Method from);

// Applies "dotted.path=value" overrides to a JSON config before parsing; throws
// std::invalid_argument naming the override when the path is not a key of experiment_fields()
// (with the closest valid path) or has no '='.
void apply_overrides(nlohmann::json& j, const std::vector<std::string>& overrides);

// Reads FILE (JSON, comments not allowed), applies the overrides and parses. Errors name the file.
ExperimentConfig load_experiment_config(const std::string& file,
                                        const std::vector<std::string>& overrides = {});

}  // namespace acl::experiment
