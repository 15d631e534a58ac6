#include "train/pretrain/objective.h"

#include <stdexcept>
#include <string>

#include "engine/comm/all_gather.h"
#include "engine/ops.h"
#include "engine/ops_contrastive.h"

namespace acl::pretrain {

using experiment::Method;

namespace {

bool uses_global(const experiment::ExperimentConfig& c) {
  return c.objective.lambda_g > 0;
}
bool uses_regions(const experiment::ExperimentConfig& c) {
  return c.objective.method == Method::kAcl && c.objective.lambda_r > 0;
}

}  // namespace

PretrainModel::PretrainModel(const experiment::ExperimentConfig& config, Rng& rng) {
  const bool global = uses_global(config), regions = uses_regions(config);
  if (!global && !regions) {
    throw std::invalid_argument(
        std::string("objective: method \"") + experiment::method_name(config.objective.method) +
        "\" with lambda_g = 0" +
        (config.objective.method == Method::kAcl ? " and lambda_r = 0" : "") +
        " leaves no loss term");
  }
  encoder_ = register_module("encoder", models::make_encoder(config.encoder, rng));
  models::BatchNormOptions bn;
  bn.momentum = config.encoder.bn_momentum;
  bn.eps = config.encoder.bn_eps;
  if (global) {
    projection_ = register_module("projection", std::make_unique<models::ProjectionHead>(
                                                    static_cast<int>(encoder_->embedding_dim()),
                                                    config.heads.projection, rng, bn));
  }
  if (regions) {
    if (!encoder_->has_lead_embeddings()) {
      throw std::invalid_argument(
          std::string("model.encoder.type: the acl region loss needs per-lead embeddings, which "
                      "the \"") +
          models::encoder_type_name(config.encoder.type) +
          "\" encoder does not produce (use \"leadwise\", or objective.lambda_r = 0)");
    }
    std::vector<std::vector<int>> resolved =
        config.heads.region.resolve(encoder_->leads(), "model.heads.region");
    region_heads_ = register_module(
        "region_heads", std::make_unique<models::RegionProjectionHeads>(
                            std::move(resolved), static_cast<int>(encoder_->lead_embedding_dim()),
                            config.heads.region, rng, bn));
  }
}

Objective::Objective(const experiment::ExperimentConfig& config, double fs, PretrainModel& model)
    : model_(model),
      augment_(config.objective.augmentations),
      seed_(config.seed),
      view_length_(config.data.view_length),
      lambda_g_(config.objective.lambda_g),
      lambda_r_(config.objective.lambda_r),
      tau_(config.objective.tau) {
  augment_.fs = fs;
  view_maker_.emplace(augment_, view_length_);  // checks the config once
  if (augment_.n_views < 2) {
    throw std::invalid_argument(
        "objective.augmentations.n_views: " + std::to_string(augment_.n_views) +
        " views per record leave no positive pair; expected >= 2");
  }
  if (view_length_ < model_.encoder().min_length()) {
    throw std::invalid_argument(
        "data.view_length: " + std::to_string(view_length_) + " samples is shorter than the " +
        std::to_string(model_.encoder().min_length()) + " the encoder needs");
  }
}

const std::vector<std::string>& Objective::activation_names() {
  static const std::vector<std::string> names{
      "views", "encoder.embedding", "encoder.lead_embeddings", "projection", "region_heads"};
  return names;
}

Tensor Objective::ids(int64_t batch, int regions, Device device) {
  for (const IdsCache& c : ids_cache_)
    if (c.batch == batch && c.regions == regions && c.device == device) return c.ids;
  const int64_t V = augment_.n_views;
  std::vector<int32_t> v(static_cast<size_t>(V * batch * regions * 3));
  size_t k = 0;
  for (int64_t view = 0; view < V; ++view)
    for (int64_t b = 0; b < batch; ++b)
      for (int r = 0; r < regions; ++r) {
        v[k++] = static_cast<int32_t>(b);
        v[k++] = r;
        v[k++] = static_cast<int32_t>(view);
      }
  Tensor t = Tensor::from_vector(v, Shape{V * batch * regions, 3});
  if (device != Device::CPU) t = t.to(device);
  ids_cache_.push_back({batch, regions, device, t});
  return t;
}

ContrastiveOutput Objective::contrastive(const Tensor& z, const Tensor& ids) {
  if (comm_ && comm_->size() > 1) return comm::contrastive_loss_share(*comm_, z, ids, tau_);
  return contrastive_loss(z, ids, tau_);
}

LossTerms Objective::compute_loss(const Batch& batch) {
  const Device device = batch.records.device();
  const int64_t B = batch.records.size(0);
  augment::BatchRPeaks rpeaks{batch.rpeak_offsets, batch.rpeak_positions};
  // Checked once for every view, on the loader's host copies when the batch has them.
  augment::BatchHostCopies host;
  if (!batch.rpeak_offsets_host.empty()) {
    host = {&batch.rpeak_offsets_host, &batch.rpeak_positions_host, batch.record_index_i32};
  }
  const augment::ViewBatch prepared =
      view_maker_->prepare(batch.records, rpeaks, batch.record_index, host);
  std::vector<Tensor> views;
  views.reserve(static_cast<size_t>(augment_.n_views));
  for (int v = 0; v < augment_.n_views; ++v) {
    views.push_back(
        view_maker_->view(prepared, v, static_cast<int64_t>(batch.position.epoch), seed_));
  }
  auto report = [&](const char* name, const Tensor& t) {
    if (hook_ && t.defined()) hook_(name, t);
  };
  const Tensor x = concat(views, 0);
  report("views", x);
  models::EncoderOutput enc = model_.encoder().encode(x);
  report("encoder.embedding", enc.embedding);
  report("encoder.lead_embeddings", enc.lead_embeddings);

  LossTerms out;
  if (model_.projection()) {
    Tensor z = model_.projection()->forward(enc.embedding);  // (V*B, d)
    report("projection", z);
    ContrastiveOutput c = contrastive(z, ids(B, 1, device));
    out.loss_global = c.loss;
    out.acc_global = c.accuracy;
    out.anchors_global = c.anchors;
    out.loss = scale(c.loss, lambda_g_);
  }
  if (model_.region_heads()) {
    Tensor zr = model_.region_heads()->forward(enc.lead_embeddings);  // (V*B, R, d)
    report("region_heads", zr);
    const int R = model_.region_heads()->num_regions();
    zr = zr.reshape(Shape{zr.size(0) * R, zr.size(2)});
    ContrastiveOutput c = contrastive(zr, ids(B, R, device));
    out.loss_region = c.loss;
    out.acc_region = c.accuracy;
    out.anchors_region = c.anchors;
    Tensor weighted = scale(c.loss, lambda_r_);
    out.loss = out.loss.defined() ? add(out.loss, weighted) : weighted;
  }
  return out;
}

}  // namespace acl::pretrain
