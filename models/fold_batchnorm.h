// Conv1d + BatchNorm1d folded for inference.
//
// In eval mode a BatchNorm1d that tracks running statistics is a per-channel affine map,
//   y = s * (x - running_mean) + beta,   s = gamma / sqrt(running_var + eps),
// so a Conv1d whose output goes straight into it is one conv with
//   W'[co, :, :] = s[co] * W[co, :, :],   b'[co] = s[co] * (b[co] - running_mean[co]) + beta[co]
// (b = 0 for a conv without bias; gamma = 1, beta = 0 without affine). s, W' and b' are computed
// in double from the stored values and rounded once to the weight's dtype. Grouped convs fold the
// same way (the map is per output channel).
//
// What folds: a Conv1d followed directly by a BatchNorm1d (no op in between) with
// track_running_stats, in eval mode, with Cout channels, on the conv's device and dtype. What is
// left as it is (the modules run unchanged): a BatchNorm1d without running statistics (it
// normalises with batch statistics in both modes), one in training mode, one after another op
// (conv - X - BN: X need not commute with the affine map), and a conv with no BN after it. In the
// encoders every BatchNorm1d folds: each lead-wise block's conv + bn; resnet1d's conv1 + bn1, each
// BasicBlock's conv1 + bn1 and conv2 + bn2 and each downsample's conv + BN (20 in resnet1d18).
//
// The folded form is derived and in memory only: the source module's parameters, buffers and state
// dict are not touched, and checkpoints are written from the source as before. It is a snapshot:
// fold again after the source's parameters or running statistics change. It runs without autograd
// (inference only) and applies ReLU in place on the conv output; where ReLU and max pooling are
// adjacent it runs the ReLU after the pool (they commute: max(relu(a), relu(b)) = relu(max(a, b))),
// on the smaller tensor. Outputs match the unfolded forward up to float rounding (tests/
// test_fold_batchnorm.cpp states the tolerance).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "models/encoder.h"
#include "models/layers.h"

namespace acl::models {

// The folded weights of one Conv1d followed by one BatchNorm1d.
struct FoldedConv {
  Tensor weight;          // (Cout, Cin/groups, K) = s * W
  Tensor bias;            // (Cout) = s * (b - running_mean) + beta
  Conv1dOptions options;  // the conv's stride, padding, dilation and groups
};

// "" when `bn` folds into `conv`, otherwise the reason it does not.
std::string fold_blocker(const Conv1d& conv, const BatchNorm1d& bn);

// The folded conv. Throws std::invalid_argument with fold_blocker's reason when it does not fold.
FoldedConv fold_conv_batchnorm(const Conv1d& conv, const BatchNorm1d& bn);

// Names of the BatchNorm1d modules (source names, e.g. "layer1.0.bn2") folded and left alone.
struct FoldSummary {
  std::vector<std::string> folded;
  std::vector<std::string> left;  // "name: reason"
  int convs = 0;                  // Conv1d modules on the folded path
};

// The folded inference form of a Sequential: every Conv1d directly followed by a foldable
// BatchNorm1d is one folded conv; every other layer runs as it is. Holds pointers into `source`,
// which must outlive it.
class FoldedSequential : public Layer {
 public:
  // `name` is the source's name in its model ("" at the root), used in the summary.
  explicit FoldedSequential(Sequential& source, const std::string& name = "");
  ~FoldedSequential() override;
  Tensor forward(const Tensor& x) override;  // no autograd
  const FoldSummary& summary() const { return summary_; }

 private:
  struct Step;
  std::vector<Step> steps_;
  FoldSummary summary_;
};

// The folded inference form of an encoder (lead-wise or resnet1d): the same embeddings from one
// conv pass (+ in-place ReLU) per conv + BN pair. Holds pointers into the source encoder for the
// layers it leaves as they are; the source must outlive it and stay in eval mode.
class FoldedEncoder : public Encoder {
 public:
  ~FoldedEncoder() override;
  EncoderOutput encode(const Tensor& x) override;  // no autograd

  int64_t embedding_dim() const override { return source_.embedding_dim(); }
  bool has_lead_embeddings() const override { return source_.has_lead_embeddings(); }
  int64_t lead_embedding_dim() const override { return source_.lead_embedding_dim(); }
  int64_t min_length() const override { return source_.min_length(); }
  const FoldSummary& summary() const { return summary_; }

  struct Plan;  // the architecture's folded forward (fold_batchnorm.cpp)

 private:
  friend std::unique_ptr<FoldedEncoder> fold_batchnorm(Encoder& encoder);
  explicit FoldedEncoder(Encoder& source);

  Encoder& source_;
  std::unique_ptr<Plan> plan_;
  FoldSummary summary_;
};

// Folds `encoder` (which must be in eval mode: std::invalid_argument otherwise; also for an encoder
// type without a folded form). The result is put in eval mode.
std::unique_ptr<FoldedEncoder> fold_batchnorm(Encoder& encoder);

}  // namespace acl::models
