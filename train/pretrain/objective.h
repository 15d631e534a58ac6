// The pretraining model (encoder + heads) and its contrastive objective (DESIGN.md §5).
//
// Per batch of B records and V = augmentations.n_views views:
//   x      = concat_v make_view(records, v)                          (V*B, 12, view_length)
//   enc    = encoder(x)                                              one forward for all views
//   global: z = projection(enc.embedding) (V*B, d), row v*B + b is view v of record b:
//           Lg = contrastive_loss(z) — NT-Xent over the anchors' positives (below)
//   region: zr = region_heads(enc.lead_embeddings) (V*B, R, d) -> (V*B*R, d), row (v*B + b)*R + r:
//           Lr = contrastive_loss(zr) — the positives are the same region of the positive views,
//           every other (record, region) is a negative
//   L = lambda_g * Lg + lambda_r * Lr
//
// Positives (objective.positives), as the ids (record, region, view) of contrastive_ids():
//   "record"   the other views of the anchor's record: ids (b, r, v)
//   "patient"  also every view of the batch's other records of the anchor's patient (the cache's
//              patient ids, BatchLoader's patient codes): ids (patient, r, v*B + b), so a row's
//              record-view is unique and only the row itself is excluded (CLOCS's CMSC). The loss
//              of an anchor with positives P is -(1/|P|) sum_P s_ip + log sum_{j != i} exp(s_ij).
//
// Methods: "acl" uses both terms (the region term when lambda_r > 0; it needs a lead-wise
// encoder), "simclr" and "clocs" the global term only; they differ in their augmentations (clocs:
// adjacent segments of the record as views) and clocs's positives default to "patient".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/comm/communicator.h"
#include "engine/ops_contrastive.h"
#include "engine/rng.h"
#include "engine/tensor.h"
#include "models/encoder.h"
#include "models/heads.h"
#include "models/module.h"
#include "train/augment/augment.h"
#include "train/experiment/experiment_config.h"
#include "train/pretrain/batch_loader.h"

namespace acl::pretrain {

// Children "encoder", "projection" and, with a region term, "region_heads", so the state dict
// names are encoder.*, projection.*, region_heads.<r>.*.
class PretrainModel : public models::Module {
 public:
  // Builds the modules of `config` (parameters drawn from `rng`). Throws std::invalid_argument
  // naming the config key when the method needs what the encoder lacks (region heads need lead
  // embeddings).
  PretrainModel(const experiment::ExperimentConfig& config, Rng& rng);

  models::Encoder& encoder() const { return *encoder_; }
  models::ProjectionHead* projection() const { return projection_; }             // null: no Lg
  models::RegionProjectionHeads* region_heads() const { return region_heads_; }  // null: no Lr

 private:
  models::Encoder* encoder_ = nullptr;
  models::ProjectionHead* projection_ = nullptr;
  models::RegionProjectionHeads* region_heads_ = nullptr;
};

// The ids i32 (M, 3) = (record, region, view), row-major, of the contrastive rows of a batch of
// `batch` records split over `ranks` equal slices of Bq = batch / ranks records (the order the
// ranks' rows have once all-gathered): row ((q*V + v)*Bq + b)*R + r is view v, region r of record
// g = q*Bq + b of the batch (one rank: (v*B + b)*R + r, compute_loss's order). kRecord: (g, r, v);
// kPatient: (patients[g], r, v*batch + g) with `patients` the batch's patient codes (batch
// entries). Throws std::invalid_argument when batch does not split over the ranks or patients has
// the wrong size.
std::vector<int32_t> contrastive_ids(experiment::Positives positives, int n_views, int64_t batch,
                                     int regions, const std::vector<int32_t>& patients,
                                     int ranks = 1);

// Checks that `cache` can give what `config` asks of patients: objective.positives "patient" and
// data.order "patients" need a cache that records them (CacheReader::has_patient_ids), otherwise
// std::invalid_argument naming the key and data.cache. Returns a line for the log ("" without
// patient positives): how many of `records` share a patient with another, and the same-patient
// record pairs per batch, measured over the batches of epoch 0 in the order data.order gives.
std::string check_patients(const experiment::ExperimentConfig& config,
                           const cache::CacheReader& cache, const std::vector<int64_t>& records);

// Scalars of one step; undefined tensors for an absent term.
struct LossTerms {
  Tensor loss;         // differentiable, the weighted sum
  Tensor loss_global;  // Lg (part of the graph)
  Tensor loss_region;  // Lr
  Tensor acc_global;   // fraction of global anchors whose nearest column is a positive
  Tensor acc_region;
  int64_t anchors_global = 0, anchors_region = 0;
};

class Objective {
 public:
  // `fs`: the records' sampling rate (for the augmentations). `model` must outlive the objective.
  Objective(const experiment::ExperimentConfig& config, double fs, PretrainModel& model);

  // The views of `batch` (on the batch's device) through the model to the loss. The model's mode
  // (train/eval) is left as it is.
  LossTerms compute_loss(const Batch& batch);

  // Called with each activation of compute_loss as it is computed, in forward order, by the names
  // of activation_names(): "views" (V*B, 12, view_length), "encoder.embedding",
  // "encoder.lead_embeddings" (lead-wise encoders), "projection" (global term), "region_heads"
  // (region term). The hook may write into the tensor (fault injection, fault_injection.h).
  using ActivationHook = std::function<void(const std::string& name, const Tensor& t)>;
  void set_activation_hook(ActivationHook hook) { hook_ = std::move(hook); }
  static const std::vector<std::string>& activation_names();

  // Data parallelism: with a group of several ranks the batch is this rank's slice of the global
  // batch; both contrastive terms see the rows of every rank (comm::contrastive_loss_share; with
  // patient positives the whole gathered batch is scored, its patient codes from the batch) and the
  // LossTerms scalars are this rank's shares: summed over the ranks they are the global batch's
  // values, and so is the sum of the ranks' gradients. nullptr (the default): one process.
  void set_communicator(comm::Communicator* comm) { comm_ = comm; }

  int n_views() const { return augment_.n_views; }
  const augment::AugmentConfig& augmentations() const { return augment_; }

 private:
  // Record positives: ids i32 (V*B*R, 3) on `device`, cached per shape.
  Tensor ids(int64_t batch, int regions, Device device);
  // The term over rows z (V*B*R, d) of `batch`, this rank's share with a communicator.
  ContrastiveOutput contrastive(const Tensor& z, const Batch& batch, int regions);
  // Patient positives: the rows of every rank, all-gathered, scored with contrastive_ids().
  ContrastiveOutput contrastive_patients(const Tensor& z, const Batch& batch, int regions);

  PretrainModel& model_;
  augment::AugmentConfig augment_;
  std::optional<augment::ViewMaker> view_maker_;  // built once from augment_
  comm::Communicator* comm_ = nullptr;
  uint64_t seed_;
  int64_t view_length_;
  double lambda_g_, lambda_r_, tau_;
  experiment::Positives positives_;
  struct IdsCache {
    int64_t batch = 0;
    int regions = 0;
    Device device = Device::CPU;
    Tensor ids;
  };
  std::vector<IdsCache> ids_cache_;
  ActivationHook hook_;
};

}  // namespace acl::pretrain
