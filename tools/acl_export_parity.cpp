// Writes a PyTorch-parity case (models/parity_export.h): an encoder from a JSON config and a seed,
// its weights and buffers (model.safetensors), an input and the embeddings it computes. Used by
// tools/torch_parity.py.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "models/parity_export.h"

int main(int argc, char** argv) {
  CLI::App app{"acl-ecg: export an encoder, an input and its embeddings for a parity check"};
  std::string config_path, config_text, out_dir = ".";
  acl::models::ParityExportOptions opt;
  app.add_option("--config", config_path, "encoder config JSON file (an object like \"encoder\")")
      ->check(CLI::ExistingFile);
  app.add_option("--config-json", config_text, "encoder config as a JSON string");
  app.add_option("--seed", opt.seed, "seed of the parameters and inputs");
  app.add_option("--batch", opt.batch, "batch size (>= 2)")->check(CLI::Range(2, 1 << 20));
  app.add_option("--length", opt.length, "samples per lead")->check(CLI::PositiveNumber);
  app.add_option("--warmup", opt.warmup_steps, "training-mode forwards before export")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("!--no-perturb-bn", opt.perturb_bn, "keep BatchNorm weight 1 and bias 0");
  app.add_option("--out", out_dir, "output directory (must exist)")->check(CLI::ExistingDirectory);
  CLI11_PARSE(app, argc, argv);
  try {
    nlohmann::json j = nlohmann::json::object();
    if (!config_path.empty()) {
      std::ifstream in(config_path);
      j = nlohmann::json::parse(in);
    } else if (!config_text.empty()) {
      j = nlohmann::json::parse(config_text);
    }
    acl::models::EncoderConfig config = acl::models::EncoderConfig::from_json(j);
    acl::models::export_parity_case(config, opt, out_dir);
    std::printf("wrote %s/{model,input,embedding,model_after_train}.safetensors (%s encoder)\n",
                out_dir.c_str(), acl::models::encoder_type_name(config.type));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_export_parity: %s\n", e.what());
    return 1;
  }
  return 0;
}
