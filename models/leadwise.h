// The lead-wise encoder (DESIGN §4, the ACL-ECG default): every selected lead goes through its own
// branch, so every lead gets its own embedding. It is one network, not one per lead:
//
//   per-lead weights (shared_weights = false): x (B, N, L) passes through convolutions grouped by
//     lead (groups = N, channels lead-major: channel n * C + c is channel c of lead n), so weight
//     (N * C, Cprev, K) holds each lead's own kernels and BatchNorm has N * C channels, i.e. each
//     lead's own statistics and affine parameters. Parameters = N * (those of one branch).
//   shared weights (shared_weights = true): x is viewed as (B * N, 1, L), one branch with Cin = 1
//     runs on every lead (its BatchNorm pools statistics over batch and leads), and the result is
//     viewed back as (B, N, C).
//
// Block i: conv(k, padding k/2, no bias; the BN that follows makes a bias redundant) - BN - ReLU -
// max_pool1d(pool_size, pool_size). After the last block a global average pool gives the lead
// embeddings (B, N, channels.back()); the ECG embedding is their concatenation (B, N * 64 by
// default). Parameter names: blocks.<i>.conv.weight, blocks.<i>.bn.{weight, bias, running_mean,
// running_var, num_batches_tracked}.
#pragma once

#include "models/encoder.h"
#include "models/layers.h"

namespace acl::models {

class LeadwiseBlock : public Layer {
 public:
  LeadwiseBlock(int in_channels, int out_channels, int kernel_size, int groups, int pool_size,
                const BatchNormOptions& bn, Rng& rng);
  Tensor forward(const Tensor& x) override;

 private:
  Conv1d* conv_;
  BatchNorm1d* bn_;
  int pool_size_;
};

class LeadwiseEncoder : public Encoder {
 public:
  LeadwiseEncoder(const EncoderConfig& config, Rng& rng);
  EncoderOutput encode(const Tensor& x) override;

  int64_t embedding_dim() const override { return num_leads() * lead_embedding_dim(); }
  bool has_lead_embeddings() const override { return true; }
  int64_t lead_embedding_dim() const override { return config().leadwise.channels.back(); }
  int64_t min_length() const override;

 private:
  Sequential* blocks_;
};

}  // namespace acl::models
