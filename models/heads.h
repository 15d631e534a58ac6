// Heads on top of an encoder.
//
//   ProjectionHead         the global objective's MLP: fc1 (in -> hidden, no bias: the BN that
//                          follows makes it redundant) - bn1 - ReLU - fc2 (hidden -> out, bias);
//                          with hidden_dim 0 a single fc (in -> out, bias). (N, in) -> (N, out).
//   RegionProjectionHeads  lead embeddings (B, leads, F) -> region embeddings (B, R, d): region r
//                          pools the embeddings of its leads (mean -> F, or concat in lead order ->
//                          |r| * F) and goes through its own ProjectionHead, children "0".."R-1",
//                          or through one head "shared" applied to the (B * R, .) stack of pooled
//                          regions (its BatchNorm then pools statistics over batch and regions).
//   LinearClassifier       the probe: one Linear (in -> classes, bias), names weight / bias.
#pragma once

#include <memory>
#include <vector>

#include "engine/rng.h"
#include "models/config.h"
#include "models/layers.h"
#include "models/module.h"

namespace acl::models {

class ProjectionHead : public Layer {
 public:
  ProjectionHead(int in_dim, const ProjectionHeadConfig& config, Rng& rng,
                 const BatchNormOptions& bn = {});
  Tensor forward(const Tensor& x) override;
  int out_dim() const { return out_dim_; }

 private:
  Linear *fc1_ = nullptr, *fc2_ = nullptr, *fc_ = nullptr;
  BatchNorm1d* bn1_ = nullptr;
  int out_dim_;
};

class RegionProjectionHeads : public Module {
 public:
  // `regions`: each region's positions in the lead dimension of the input (see
  // RegionHeadConfig::resolve), `lead_dim` = F.
  RegionProjectionHeads(std::vector<std::vector<int>> regions, int lead_dim,
                        const RegionHeadConfig& config, Rng& rng, const BatchNormOptions& bn = {});
  // (B, leads, F) -> (B, R, out_dim).
  Tensor forward(const Tensor& lead_embeddings);
  // The pooled regions before projection: R tensors (B, F) (mean) or (B, |r| * F) (concat).
  std::vector<Tensor> pool(const Tensor& lead_embeddings) const;

  int num_regions() const { return static_cast<int>(regions_.size()); }
  int out_dim() const { return out_dim_; }
  const std::vector<std::vector<int>>& regions() const { return regions_; }

 private:
  std::vector<std::vector<int>> regions_;
  RegionPooling pooling_;
  int lead_dim_, out_dim_;
  std::vector<ProjectionHead*> heads_;  // one per region, or one shared
};

class LinearClassifier : public Linear {
 public:
  LinearClassifier(int in_dim, int num_classes, Rng& rng)
      : Linear(in_dim, num_classes, true, rng) {}
};

}  // namespace acl::models
