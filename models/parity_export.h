// Writes a reference case for checking an encoder against another implementation (PyTorch, via
// tools/torch_parity.py): the encoder built from `config` and `seed`, its weights and buffers, an
// input, and the embeddings it computes.
//
// Steps, all on the CPU in f32:
//   1. build the encoder from `config` with Rng(seed, 0);
//   2. unless !perturb_bn, draw every BatchNorm's weight in (0.5, 1.5] and bias in (-0.2, 0.2] so
//      the affine parameters are exercised (PyTorch initialises them to 1 and 0);
//   3. run `warmup_steps` training-mode forwards (no grad) on inputs drawn as 0.5 + 2 * N(0, 1), so
//      the running statistics and num_batches_tracked differ from their initial values;
//   4. write model.safetensors: the state dict (PyTorch names; num_batches_tracked as I64) with
//      metadata "config" (EncoderConfig::to_json) and "seed";
//   5. draw the input x (batch, 12, length) ~ N(0, 1) and write input.safetensors {"input"};
//   6. eval mode: "embedding" (B, D) and, for the lead-wise encoder, "lead_embeddings" (B, N, F);
//   7. training mode, same input: "embedding_train", which also updates the running statistics;
//      all three go to embedding.safetensors, and the state dict after step 7 to
//      model_after_train.safetensors.
// Random draws use Rng(seed, 1) for the BN parameters, Rng(seed, 2) for the warm-up inputs and
// Rng(seed, 3) for the input.
#pragma once

#include <cstdint>
#include <string>

#include "models/config.h"

namespace acl::models {

struct ParityExportOptions {
  uint64_t seed = 0;
  int batch = 4;
  int length = 512;
  int warmup_steps = 2;
  bool perturb_bn = true;
};

// Writes the four files into `out_dir` (which must exist). Throws on invalid options or I/O errors.
void export_parity_case(const EncoderConfig& config, const ParityExportOptions& options,
                        const std::string& out_dir);

}  // namespace acl::models
