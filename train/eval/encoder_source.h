// The encoder an evaluation starts from: a pretraining run's encoder.safetensors (its weights and
// the encoder config stored in its "config" metadata), or a random initialisation (Philox, the
// evaluation's seed) of the run's architecture or of encoder.config.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/encoder.h"
#include "train/eval/eval_config.h"

namespace acl::eval {

struct LoadedEncoder {
  std::unique_ptr<models::Encoder> encoder;
  bool pretrained = false;
  std::string file;         // the encoder.safetensors loaded ("" for a random init)
  std::string config_hash;  // FNV-1a 64 (hex) of the encoder config's compact JSON
  std::string run_config;   // the pretraining run's config.json text ("" without a run)
};

// The encoder config stored in RUN/encoder.safetensors. Throws std::runtime_error naming the file
// when it is missing or has no "config" metadata.
models::EncoderConfig run_encoder_config(const std::string& run_dir, std::string* run_config);

// The encoder of `config`: pretrained weights for linear_probe/finetune, random ones (seed
// config.seed) for random_init/supervised.
LoadedEncoder load_encoder(const EvalConfig& config);

// FNV-1a 64 of `text` as 16 hex digits.
std::string fnv1a_hex(const std::string& text);

}  // namespace acl::eval
