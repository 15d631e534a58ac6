#include "train/pretrain/objective.h"

#include <climits>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "engine/comm/all_gather.h"
#include "engine/ops.h"
#include "engine/ops_contrastive.h"

namespace acl::pretrain {

using experiment::Method;
using experiment::Positives;

namespace {

bool uses_global(const experiment::ExperimentConfig& c) {
  return c.objective.lambda_g > 0;
}
bool uses_regions(const experiment::ExperimentConfig& c) {
  return c.objective.method == Method::kAcl && c.objective.lambda_r > 0;
}

}  // namespace

std::vector<int32_t> contrastive_ids(Positives positives, int n_views, int64_t batch, int regions,
                                     const std::vector<int32_t>& patients, int ranks) {
  if (ranks < 1 || batch < 1 || batch % ranks != 0 || n_views < 1 || regions < 1) {
    throw std::invalid_argument("contrastive_ids: a batch of " + std::to_string(batch) +
                                " records, " + std::to_string(n_views) + " views and " +
                                std::to_string(regions) + " regions over " + std::to_string(ranks) +
                                " ranks");
  }
  if (positives == Positives::kPatient && static_cast<int64_t>(patients.size()) != batch) {
    throw std::invalid_argument("contrastive_ids: " + std::to_string(patients.size()) +
                                " patient codes for a batch of " + std::to_string(batch));
  }
  if (static_cast<int64_t>(n_views) * batch > INT32_MAX) {
    throw std::invalid_argument("contrastive_ids: " + std::to_string(n_views) + " views of " +
                                std::to_string(batch) + " records exceed i32 view keys");
  }
  const int64_t Bq = batch / ranks;
  std::vector<int32_t> v(static_cast<size_t>(n_views * batch * regions * 3));
  size_t k = 0;
  for (int q = 0; q < ranks; ++q)
    for (int view = 0; view < n_views; ++view)
      for (int64_t b = 0; b < Bq; ++b) {
        const int64_t g = q * Bq + b;
        for (int r = 0; r < regions; ++r) {
          if (positives == Positives::kPatient) {
            v[k++] = patients[static_cast<size_t>(g)];
            v[k++] = r;
            v[k++] = static_cast<int32_t>(view * batch + g);
          } else {
            v[k++] = static_cast<int32_t>(g);
            v[k++] = r;
            v[k++] = view;
          }
        }
      }
  return v;
}

std::string check_patients(const experiment::ExperimentConfig& config,
                           const cache::CacheReader& cache, const std::vector<int64_t>& records) {
  const bool positives = config.objective.positives == Positives::kPatient;
  const bool by_patient = config.data.order == experiment::DataOrder::kPatients;
  if (!positives && !by_patient) return "";
  if (!cache.has_patient_ids()) {
    const std::string key =
        positives ? "objective.positives: \"patient\"" : "data.order: \"patients\"";
    throw std::invalid_argument(
        key + " needs each record's patient, but the index of data.cache '" + config.data.cache +
        "' records none (it was prepared before caches held patient ids); prepare it again with "
        "acl_prepare, or set " +
        (positives ? "objective.positives to \"record\"" : "data.order to \"records\""));
  }
  if (!positives) return "";
  const std::vector<int32_t> codes = patient_codes(cache);
  std::unordered_map<int32_t, int64_t> count;
  for (int64_t r : records) ++count[codes[static_cast<size_t>(r)]];
  int64_t shared = 0;
  for (const auto& [patient, n] : count) shared += n > 1 ? n : 0;
  const int64_t B = config.train.batch_size;
  const auto n = static_cast<int64_t>(records.size());
  const std::vector<int64_t> order =
      epoch_order(records, config.seed, 0, by_patient ? &codes : nullptr);
  int64_t pairs = 0;
  for (int64_t first = 0; first + B <= n; first += B) {
    std::unordered_map<int32_t, int64_t> in_batch;
    for (int64_t j = first; j < first + B; ++j)
      pairs += in_batch[codes[static_cast<size_t>(
          records[static_cast<size_t>(order[static_cast<size_t>(j)])])]]++;
  }
  const int64_t batches = B > 0 ? n / B : 0;
  char line[512];
  std::snprintf(line, sizeof line,
                "positives \"patient\": %lld records of %lld patients, %lld of them share their "
                "patient with another record; the %lld batches of %lld of epoch 0 (data.order "
                "\"%s\") hold %.2f same-patient record pairs each on average",
                static_cast<long long>(n), static_cast<long long>(count.size()),
                static_cast<long long>(shared), static_cast<long long>(batches),
                static_cast<long long>(B), by_patient ? "patients" : "records",
                batches > 0 ? static_cast<double>(pairs) / static_cast<double>(batches) : 0.0);
  std::string out = line;
  if (!by_patient && batches > 0 && pairs < batches) {
    out += " (data.order \"patients\" keeps a patient's records in one batch)";
  }
  return out;
}

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
      tau_(config.objective.tau),
      positives_(config.objective.positives) {
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
  Tensor t =
      Tensor::from_vector(contrastive_ids(Positives::kRecord, augment_.n_views, batch, regions, {}),
                          Shape{augment_.n_views * batch * regions, 3});
  if (device != Device::CPU) t = t.to(device);
  ids_cache_.push_back({batch, regions, device, t});
  return t;
}

ContrastiveOutput Objective::contrastive(const Tensor& z, const Batch& batch, int regions) {
  if (positives_ == Positives::kPatient) return contrastive_patients(z, batch, regions);
  const Tensor local = ids(batch.records.size(0), regions, z.device());
  if (comm_ && comm_->size() > 1) return comm::contrastive_loss_share(*comm_, z, local, tau_);
  return contrastive_loss(z, local, tau_);
}

// Every row's own record has another view, so every row is an anchor. With several ranks each
// rank scores the whole gathered batch (rows of other ranks can be positives of its rows, so
// they cannot be left out as contrastive_loss_share leaves them) and keeps its share, local /
// global anchors = 1 / ranks: the ranks' losses sum to the global loss, and the gradient that
// all_gather's reduce-scatter sums over the ranks is the single-process gradient of the rows. The
// kernel visits the same M_global x M_global pairs as contrastive_loss_share does.
ContrastiveOutput Objective::contrastive_patients(const Tensor& z, const Batch& batch,
                                                  int regions) {
  const int ranks = comm_ ? comm_->size() : 1;
  const int64_t B = batch.records.size(0), global = B * ranks;
  if (static_cast<int64_t>(batch.batch_patients.size()) != global ||
      batch.slice_begin != (comm_ ? comm_->rank() : 0) * B) {
    throw std::logic_error(
        "objective.positives \"patient\": the batch's slice [" + std::to_string(batch.slice_begin) +
        ", " + std::to_string(batch.slice_begin + B) + ") of " +
        std::to_string(batch.batch_patients.size()) + " patient codes is not rank " +
        std::to_string(comm_ ? comm_->rank() : 0) + "'s of " + std::to_string(ranks) +
        " equal slices");
  }
  const int V = augment_.n_views;
  Tensor gids = Tensor::from_vector(
      contrastive_ids(Positives::kPatient, V, global, regions, batch.batch_patients, ranks),
      Shape{V * global * regions, 3});
  if (z.device() != Device::CPU) gids = gids.to(z.device());
  if (ranks == 1) return contrastive_loss(z, gids, tau_);
  ContrastiveOutput all = contrastive_loss(comm::all_gather(*comm_, z), gids, tau_);
  const double w = 1.0 / ranks;
  ContrastiveOutput out;
  out.loss = scale(all.loss, w);
  out.accuracy = scale(all.accuracy, w);
  out.anchors = z.size(0);
  return out;
}

LossTerms Objective::compute_loss(const Batch& batch) {
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
    ContrastiveOutput c = contrastive(z, batch, 1);
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
    ContrastiveOutput c = contrastive(zr, batch, R);
    out.loss_region = c.loss;
    out.acc_region = c.accuracy;
    out.anchors_region = c.anchors;
    Tensor weighted = scale(c.loss, lambda_r_);
    out.loss = out.loss.defined() ? add(out.loss, weighted) : weighted;
  }
  return out;
}

}  // namespace acl::pretrain
