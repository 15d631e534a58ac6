// The common encoder interface and the factory.
//
// Every encoder takes x (B, 12, L): the 12 standard leads in PTB-XL order (I, II, III, aVR, aVL,
// aVF, V1-V6), and uses the leads its config selects (EncoderConfig::leads), picked by index inside
// the forward pass. It returns the ECG embedding (B, embedding_dim()) and, for the lead-wise
// encoder, the per-lead embeddings (B, leads, lead_embedding_dim()) whose row-major flattening is
// the ECG embedding.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/rng.h"
#include "models/config.h"
#include "models/module.h"

namespace acl::models {

struct EncoderOutput {
  Tensor embedding;        // (B, D)
  Tensor lead_embeddings;  // (B, leads, F), D = leads * F; undefined without lead embeddings
};

class Encoder : public Module {
 public:
  // x (B, 12, L) -> embeddings. Throws std::invalid_argument for another input shape.
  virtual EncoderOutput encode(const Tensor& x) = 0;
  Tensor forward(const Tensor& x) { return encode(x).embedding; }

  virtual int64_t embedding_dim() const = 0;
  virtual bool has_lead_embeddings() const { return false; }
  virtual int64_t lead_embedding_dim() const { return 0; }  // F; 0 without lead embeddings
  // The shortest input length L the encoder accepts.
  virtual int64_t min_length() const = 0;

  const EncoderConfig& config() const { return config_; }
  const std::vector<int>& leads() const { return config_.leads; }
  int num_leads() const { return static_cast<int>(config_.leads.size()); }

 protected:
  explicit Encoder(EncoderConfig config);
  // Checks x (B, 12, L >= min_length()) and returns its selected leads (B, num_leads(), L).
  Tensor select_input_leads(const Tensor& x, const char* who) const;

 private:
  EncoderConfig config_;
};

// Channels `index` of x (B, C, L), in that order, along dim 1 (differentiable; contiguous runs of
// indices are copied as one slice). Returns x itself when index is 0..C-1.
Tensor select_channels(const Tensor& x, const std::vector<int>& index);

// Validates `config` and builds its encoder with parameters drawn from `rng`.
std::unique_ptr<Encoder> make_encoder(const EncoderConfig& config, Rng& rng);

}  // namespace acl::models
