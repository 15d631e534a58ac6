// Data-parallel pretraining: one process per device, started by mpirun (docs/usage.md).
//
// Every rank builds the same model from the config's seed; rank 0's parameters and buffers are then
// broadcast and every tensor's checksum compared, so the ranks start identical. train.batch_size is
// the global batch: each epoch's one permutation (seed, epoch) is the same on every rank and rank r
// reads records [r * B / N, (r + 1) * B / N) of each batch, so the ranks' slices together are the
// single-process batch (augmentations are keyed by record index, so the views are identical too).
// The contrastive terms see the whole global batch (Objective::set_communicator), batch-norm
// statistics are global with train.sync_bn, and each rank's loss is its share of the global loss,
// so the gradients are SUMMED across ranks (not averaged): np = N computes what np = 1 computes.
//
// Gradients are all-reduced in buckets of train.grad_bucket_mb, parameters taken in reverse order
// (the order backward produces them): a bucket's non-blocking all-reduce starts from the autograd
// gradient-ready hook as soon as its last gradient is final, overlapping the rest of backward, and
// finish_gradients() waits for every bucket before the optimizer step. Only rank 0 logs and writes
// files (the trainer asks is_root()). With one rank every collective here is a no-op.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/comm/communicator.h"
#include "engine/tensor.h"
#include "models/module.h"
#include "train/experiment/experiment_config.h"
#include "train/pretrain/metrics.h"
#include "train/pretrain/objective.h"

namespace acl::pretrain {

class DataParallel {
 public:
  // `comm` (the host group) must outlive this object; its timeout becomes train.comm_timeout_s.
  // With several ranks on CUDA each rank makes the GPU of its local rank current; in a build with
  // NCCL an NCCL communicator over the same
  // ranks carries the tensor collectives (gradients, gathered embeddings) in device memory;
  // otherwise they go through `comm` (CUDA tensors staged through host memory).
  DataParallel(comm::Communicator& comm, const experiment::TrainConfig& train, Device device);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  comm::Communicator& comm() const { return comm_; }
  // The communicator of the training tensors (NCCL or the host group, see the constructor).
  comm::Communicator& tensor_comm() const { return device_comm_ ? *device_comm_ : comm_; }
  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }
  bool is_root() const { return comm_.rank() == 0; }

  // This rank's slice (begin, count) of a global batch of `global_batch` records. Throws
  // std::invalid_argument naming train.batch_size when it does not split evenly over the ranks.
  std::pair<int64_t, int64_t> slice(int64_t global_batch) const;

  // "world size N, backend B; rank 0: <device>, rank 1: ..." from every rank's `device` text and
  // GPU index (collective).
  std::string describe(const std::string& device) const;

  // Rank 0's state dict (parameters and buffers) on every rank, then a checksum of every tensor
  // compared across ranks: std::runtime_error naming the tensor and the ranks that differ.
  void broadcast_model(const models::Module& model) const;

  // The parameters whose gradients are all-reduced, grouped into buckets.
  void set_parameters(const std::vector<Tensor>& params);
  // Installed around backward: starts each bucket's all-reduce once its gradients are final.
  // nullptr with one rank.
  std::unique_ptr<GradReadyHook> gradient_hook();
  // Starts the buckets backward did not complete, waits for every bucket and writes the summed
  // gradients back into the parameters' grad(). After it every rank holds the same gradients.
  void finish_gradients();
  int bucket_count() const { return static_cast<int>(buckets_.size()); }
  // Buckets whose all-reduce the hook started during the last backward (the overlapped ones).
  int buckets_started_in_backward() const { return started_in_backward_; }

  // The step's values summed over the ranks' shares (the global batch's values; collective).
  StepValues step_values(const LossTerms& terms) const;
  // The largest stop signal of any rank (0: none), so that every rank stops at the same step.
  int any_stop(int signal) const;

 private:
  struct Bucket;
  void launch(Bucket& b);

  comm::Communicator& comm_;
  std::unique_ptr<comm::Communicator> device_comm_;
  int cuda_device_ = -1;  // the local rank's GPU (several ranks on CUDA), else -1
  size_t bucket_bytes_;
  std::vector<Tensor> params_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<std::pair<const TensorImpl*, size_t>> bucket_of_;  // sorted by the key
  int started_in_backward_ = 0;
};

}  // namespace acl::pretrain
