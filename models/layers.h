// The parameterised layers, with torch.nn's parameter names, shapes and default initialisation.
// Parameter-free steps (ReLU, max/avg pooling, global average pooling) are plain op calls
// (engine/ops.h).
//
//   Conv1d       weight (Cout, Cin/groups, K), bias (Cout) optional; both uniform in
//                (-1/sqrt(fan_in), 1/sqrt(fan_in)], fan_in = Cin/groups * K (torch.nn.Conv1d)
//   Linear       weight (out, in), bias (out) optional; same rule with fan_in = in
//   BatchNorm1d  weight = 1, bias = 0 (C) when affine; buffers running_mean = 0, running_var = 1
//                (C) and num_batches_tracked = 0 (i32, rank 0) when tracking running statistics
#pragma once

#include <cstdint>

#include "engine/ops.h"
#include "engine/rng.h"
#include "models/module.h"

namespace acl::models {

class Conv1d : public Layer {
 public:
  Conv1d(int in_channels, int out_channels, int kernel_size, const Conv1dOptions& options,
         bool bias, Rng& rng);
  Tensor forward(const Tensor& x) override;  // (B, Cin, L) -> (B, Cout, Lout)

  Tensor weight() const { return weight_; }
  Tensor bias() const { return bias_; }  // undefined without bias
  const Conv1dOptions& options() const { return options_; }

 private:
  Conv1dOptions options_;
  Tensor weight_, bias_;
};

class Linear : public Layer {
 public:
  Linear(int in_features, int out_features, bool bias, Rng& rng);
  Tensor forward(const Tensor& x) override;  // (N, in) -> (N, out)

  Tensor weight() const { return weight_; }
  Tensor bias() const { return bias_; }
  int in_features() const { return static_cast<int>(weight_.size(1)); }
  int out_features() const { return static_cast<int>(weight_.size(0)); }

 private:
  Tensor weight_, bias_;
};

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch statistic
  bool affine = true;
  bool track_running_stats = true;
};

// Training mode normalises with the batch statistics and, when tracking, updates running_mean /
// running_var in place and adds 1 to num_batches_tracked; eval mode normalises with the running
// statistics. Without tracking the batch statistics are used in both modes (as PyTorch).
// num_batches_tracked is i32 here (it wraps past 2^31 - 1 batches; nothing reads it, it exists for
// name and value compatibility with PyTorch's int64 buffer).
class BatchNorm1d : public Layer {
 public:
  explicit BatchNorm1d(int num_features, const BatchNormOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (B, C) or (B, C, L)
  // relu(forward(x)) in one fused op (batchnorm1d_relu): the same values, state and gradients.
  Tensor forward_relu(const Tensor& x);

  Tensor weight() const { return weight_; }
  Tensor bias() const { return bias_; }
  Tensor running_mean() const { return running_mean_; }
  Tensor running_var() const { return running_var_; }
  Tensor num_batches_tracked() const { return num_batches_tracked_; }
  const BatchNormOptions& options() const { return options_; }

 private:
  Tensor apply(const Tensor& x, bool relu);

  BatchNormOptions options_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

}  // namespace acl::models
