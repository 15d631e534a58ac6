// The evaluation experiment behind acl_eval: one JSON file read into EvalConfig through the field
// table eval_fields() (engine/config/field_table.h), so every key is typed, defaulted and
// range-checked once, unknown keys are named with the closest valid key, and to_json() writes
// every key resolved.
//
//   {
//     "seed": 0,
//     "out_dir": "runs/eval",
//     "name": "acl",                       // the row label in the results ("" = the protocol)
//     "protocol": "linear_probe",          // linear_probe, random_init, finetune, supervised
//     "label_mode": "multi_label",         // or single_label
//     "encoder": {"run": "runs/quickstart", "config": {...models::EncoderConfig...}},
//     "data": {"cache": "data_cache/synthetic", "train_split": "train", "val_split": "val",
//              "test_split": "test", "crop": 0, "batch_size": 128},
//     "label_fractions": [0.01, 0.1, 1.0], "label_seeds": 5,
//     "probe": {"l2_grid": [1e-4, 1e-3, 1e-2, 1e-1, 1], "max_iterations": 300,
//               "tolerance": 1e-7},
//     "finetune": {"epochs": 10, "batch_size": 64, "lr": 1e-3, "encoder_lr_scale": 1.0,
//                  "weight_decay": 1e-4, "patience": 3},
//     "bootstrap": {"resamples": 1000, "level": 0.95},
//     "fold_batchnorm": true,
//     "device": "auto"
//   }
//
// encoder.run names a pretraining run directory: its encoder.safetensors is loaded (linear_probe,
// finetune) and the encoder config its metadata stores is the architecture (every protocol).
// Without a run, encoder.config gives the architecture (random_init, supervised only).
// data.crop = 0 feeds the whole record to the encoder (global pooling takes any length); crop > 0
// feeds the centred window of that many samples.
// label_mode "multi_label": every record, one sigmoid per class (BCE); "single_label": only the
// records with exactly one label, a softmax over the classes (cross-entropy); both are scored by
// one-vs-rest macro AUROC / AUPRC.
// Label fractions < 1 are drawn label_seeds times (seeds seed, seed+1, ...), 1.0 once.
// fold_batchnorm: frozen-encoder forwards (embeddings; fine-tuning's validation and test
// predictions) run the encoder with every conv + batch-norm pair folded into one conv
// (models/fold_batchnorm.h); false runs the modules as they are. Results agree up to float
// rounding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/config/field_table.h"
#include "models/config.h"

namespace acl::eval {

enum class Protocol { kLinearProbe, kRandomInit, kFinetune, kSupervised };
const char* protocol_name(Protocol p);
enum class LabelMode { kMultiLabel, kSingleLabel };  // "multi_label", "single_label"
const char* label_mode_name(LabelMode m);
// The protocols that train the encoder (finetune, supervised).
inline bool trains_encoder(Protocol p) {
  return p == Protocol::kFinetune || p == Protocol::kSupervised;
}
// The protocols that start from a pretrained encoder (linear_probe, finetune).
inline bool needs_pretrained(Protocol p) {
  return p == Protocol::kLinearProbe || p == Protocol::kFinetune;
}

struct EvalData {
  std::string cache;
  std::string train_split = "train", val_split = "val", test_split = "test";
  int64_t crop = 0;          // 0: the whole record
  int64_t batch_size = 128;  // records per encoder forward when computing embeddings
};

struct ProbeConfig {
  std::vector<double> l2_grid{1e-4, 1e-3, 1e-2, 1e-1, 1.0};
  int max_iterations = 300;
  double tolerance = 1e-7;  // stop when the relative objective change falls below
};

struct FinetuneConfig {
  int epochs = 10;
  int64_t batch_size = 64;
  double lr = 1e-3;
  double encoder_lr_scale = 1.0;  // encoder lr = lr * scale (finetune; supervised uses 1)
  double weight_decay = 1e-4;
  int patience = 3;  // epochs without a better validation macro AUROC before stopping
};

struct EvalConfig {
  uint64_t seed = 0;
  std::string out_dir = "runs/eval";
  std::string name;  // "" = the protocol's name
  Protocol protocol = Protocol::kLinearProbe;
  LabelMode label_mode = LabelMode::kMultiLabel;
  std::string encoder_run;
  models::EncoderConfig encoder_config;
  bool encoder_config_given = false;  // encoder.config was in the file
  EvalData data;
  std::vector<double> label_fractions{0.01, 0.1, 1.0};
  int label_seeds = 5;
  ProbeConfig probe;
  FinetuneConfig finetune;
  int bootstrap_resamples = 1000;
  double bootstrap_level = 0.95;
  bool fold_batchnorm = true;
  std::string device = "auto";

  std::string label() const { return name.empty() ? protocol_name(protocol) : name; }
  static EvalConfig from_json(const nlohmann::json& j, const std::string& where = "config");
  nlohmann::json to_json() const;
};

const config::FieldTable<EvalConfig>& eval_fields();

// Reads FILE, applies "dotted.path=value" overrides (paths must be keys of eval_fields(); the
// error names the closest) and parses. Errors name the file.
EvalConfig load_eval_config(const std::string& file,
                            const std::vector<std::string>& overrides = {});
void apply_eval_overrides(nlohmann::json& j, const std::vector<std::string>& overrides);

}  // namespace acl::eval
