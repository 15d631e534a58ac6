#include "models/parity_export.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/autograd.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "models/encoder.h"
#include "models/layers.h"

namespace acl::models {

namespace {

void fill_uniform(const Tensor& t, float lo, float hi, Rng& rng) {
  rng.fill_uniform(t.data<float>(), t.numel(), lo, hi);
}

void write_tensors(const std::string& path, const NamedTensors& named) {
  SafetensorsFile file;
  for (const auto& [name, t] : named) file.tensors.emplace(name, SafetensorsEntry::from_tensor(t));
  write_safetensors(path, file);
}

}  // namespace

void export_parity_case(const EncoderConfig& config, const ParityExportOptions& options,
                        const std::string& out_dir) {
  if (options.batch < 2 || options.length < 1 || options.warmup_steps < 0) {
    throw std::invalid_argument(
        "export_parity_case: batch must be >= 2 (training-mode BatchNorm), length >= 1 and "
        "warmup_steps >= 0");
  }
  Rng init_rng(options.seed, 0);
  std::unique_ptr<Encoder> encoder = make_encoder(config, init_rng);
  NoGradGuard no_grad;

  if (options.perturb_bn) {
    Rng bn_rng(options.seed, 1);
    for (const auto& [name, m] : encoder->named_modules()) {
      if (const auto* bn = dynamic_cast<const BatchNorm1d*>(m); bn && bn->weight().defined()) {
        fill_uniform(bn->weight(), 0.5f, 1.5f, bn_rng);
        fill_uniform(bn->bias(), -0.2f, 0.2f, bn_rng);
      }
    }
  }

  const Shape input_shape{options.batch, kNumStandardLeads, options.length};
  encoder->train();
  Rng warmup_rng(options.seed, 2);
  for (int s = 0; s < options.warmup_steps; ++s) {
    encoder->forward(Tensor::normal(input_shape, 0.5, 2.0, warmup_rng));
  }

  const std::string dir = out_dir.empty() ? "." : out_dir;
  StringMap metadata{{"config", config.to_json().dump()}, {"seed", std::to_string(options.seed)}};
  save_state_dict(dir + "/model.safetensors", encoder->state_dict(), metadata);

  Rng input_rng(options.seed, 3);
  Tensor x = Tensor::normal(input_shape, 0.0, 1.0, input_rng);
  write_tensors(dir + "/input.safetensors", {{"input", x}});

  encoder->eval();
  EncoderOutput eval_out = encoder->encode(x);
  encoder->train();
  Tensor train_embedding = encoder->forward(x);
  NamedTensors outputs{{"embedding", eval_out.embedding}, {"embedding_train", train_embedding}};
  if (eval_out.lead_embeddings.defined())
    outputs.emplace_back("lead_embeddings", eval_out.lead_embeddings);
  write_tensors(dir + "/embedding.safetensors", outputs);
  save_state_dict(dir + "/model_after_train.safetensors", encoder->state_dict(), metadata);
}

}  // namespace acl::models
