#include "train/eval/encoder_source.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/rng.h"
#include "train/pretrain/run_dir.h"

namespace acl::eval {

namespace fs = std::filesystem;

std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

models::EncoderConfig run_encoder_config(const std::string& run_dir, std::string* run_config) {
  const std::string file = (fs::path(run_dir) / pretrain::kEncoderFile).string();
  if (!fs::exists(file)) {
    throw std::runtime_error(file +
                             ": no encoder here (encoder.run must name a completed "
                             "pretraining run directory; acl_train writes it at the end)");
  }
  const SafetensorsFile st = read_safetensors(file);
  auto it = st.metadata.find("config");
  if (it == st.metadata.end()) {
    throw std::runtime_error(file +
                             ": no \"config\" metadata (the encoder config); was it "
                             "written by acl_train?");
  }
  if (run_config) {
    auto rc = st.metadata.find("run_config");
    *run_config = rc == st.metadata.end() ? "" : rc->second;
  }
  try {
    return models::EncoderConfig::from_json(nlohmann::json::parse(it->second),
                                            file + ": metadata config");
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (number overflow)
    throw std::runtime_error(file + ": the \"config\" metadata is not JSON: " + e.what());
  }
}

LoadedEncoder load_encoder(const EvalConfig& config) {
  LoadedEncoder out;
  models::EncoderConfig ec = config.encoder_config;
  if (!config.encoder_run.empty()) ec = run_encoder_config(config.encoder_run, &out.run_config);
  out.config_hash = fnv1a_hex(ec.to_json().dump());
  Rng rng(config.seed, /*stream=*/0x6576616cull);  // "eval"
  out.encoder = models::make_encoder(ec, rng);
  if (needs_pretrained(config.protocol)) {
    out.file = (fs::path(config.encoder_run) / pretrain::kEncoderFile).string();
    load_state_dict(out.file, out.encoder->state_dict());
    out.pretrained = true;
  }
  return out;
}

}  // namespace acl::eval
