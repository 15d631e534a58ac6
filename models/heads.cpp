#include "models/heads.h"

#include <stdexcept>
#include <string>

#include "engine/ops.h"

namespace acl::models {

ProjectionHead::ProjectionHead(int in_dim, const ProjectionHeadConfig& config, Rng& rng,
                               const BatchNormOptions& bn)
    : out_dim_(config.out_dim) {
  if (config.hidden_dim < 0) {
    throw std::invalid_argument("ProjectionHead: hidden_dim must be >= 0, got " +
                                std::to_string(config.hidden_dim));
  }
  if (config.hidden_dim == 0) {
    fc_ = register_module("fc", std::make_unique<Linear>(in_dim, config.out_dim, true, rng));
    return;
  }
  fc1_ = register_module("fc1", std::make_unique<Linear>(in_dim, config.hidden_dim, false, rng));
  bn1_ = register_module("bn1", std::make_unique<BatchNorm1d>(config.hidden_dim, bn));
  fc2_ = register_module("fc2",
                         std::make_unique<Linear>(config.hidden_dim, config.out_dim, true, rng));
}

Tensor ProjectionHead::forward(const Tensor& x) {
  if (fc_) return fc_->forward(x);
  return fc2_->forward(bn1_->forward_relu(fc1_->forward(x)));
}

RegionProjectionHeads::RegionProjectionHeads(std::vector<std::vector<int>> regions, int lead_dim,
                                             const RegionHeadConfig& config, Rng& rng,
                                             const BatchNormOptions& bn)
    : regions_(std::move(regions)),
      pooling_(config.pooling),
      lead_dim_(lead_dim),
      out_dim_(config.out_dim) {
  if (regions_.empty()) throw std::invalid_argument("RegionProjectionHeads: no regions");
  auto in_dim = [&](const std::vector<int>& r) {
    if (r.empty()) throw std::invalid_argument("RegionProjectionHeads: empty region");
    return pooling_ == RegionPooling::kMean ? lead_dim : static_cast<int>(r.size()) * lead_dim;
  };
  ProjectionHeadConfig head{config.hidden_dim, config.out_dim};
  if (config.shared) {
    for (const auto& r : regions_) {
      if (in_dim(r) != in_dim(regions_[0])) {
        throw std::invalid_argument(
            "RegionProjectionHeads: a shared head with concat pooling needs regions of equal size");
      }
    }
    heads_.push_back(register_module(
        "shared", std::make_unique<ProjectionHead>(in_dim(regions_[0]), head, rng, bn)));
  } else {
    for (size_t i = 0; i < regions_.size(); ++i) {
      heads_.push_back(register_module(
          std::to_string(i), std::make_unique<ProjectionHead>(in_dim(regions_[i]), head, rng, bn)));
    }
  }
}

std::vector<Tensor> RegionProjectionHeads::pool(const Tensor& z) const {
  if (!z.defined() || z.rank() != 3 || z.size(2) != lead_dim_) {
    throw std::invalid_argument("RegionProjectionHeads: lead embeddings are " +
                                (z.defined() ? z.str() : std::string("undefined")) +
                                ", expected (B, leads, " + std::to_string(lead_dim_) + ")");
  }
  const int64_t B = z.size(0);
  std::vector<Tensor> out;
  for (const auto& r : regions_) {
    for (int p : r) {
      if (p < 0 || p >= z.size(1)) {
        throw std::invalid_argument("RegionProjectionHeads: region lead position " +
                                    std::to_string(p) + " is outside the " +
                                    std::to_string(z.size(1)) + " leads of " + z.str());
      }
    }
    std::vector<Tensor> parts;
    for (int p : r) parts.push_back(slice(z, 1, p, p + 1));      // (B, 1, F)
    Tensor g = parts.size() == 1 ? parts[0] : concat(parts, 1);  // (B, |r|, F)
    const int64_t n = static_cast<int64_t>(r.size());
    out.push_back(pooling_ == RegionPooling::kMean ? mean(g, 1)
                                                   : g.reshape(Shape{B, n * lead_dim_}));
  }
  return out;
}

Tensor RegionProjectionHeads::forward(const Tensor& lead_embeddings) {
  std::vector<Tensor> pooled = pool(lead_embeddings);
  const int64_t B = lead_embeddings.size(0), R = num_regions();
  if (heads_.size() == 1 && R > 1) {
    // Shared head: stack to (B, R, in) -> (B * R, in), project, view back as (B, R, d).
    std::vector<Tensor> rows;
    for (const Tensor& p : pooled) rows.push_back(p.reshape(Shape{B, 1, p.size(1)}));
    Tensor stacked = concat(rows, 1);
    Tensor y = heads_[0]->forward(stacked.reshape(Shape{B * R, stacked.size(2)}));
    return y.reshape(Shape{B, R, out_dim_});
  }
  std::vector<Tensor> ys;
  for (int64_t r = 0; r < R; ++r) {
    ys.push_back(heads_[r]->forward(pooled[r]).reshape(Shape{B, 1, out_dim_}));
  }
  return ys.size() == 1 ? ys[0] : concat(ys, 1);
}

}  // namespace acl::models
