// Synchronised batch normalisation (SimCLR's "global BN"): in training mode the batch statistics
// are those of the whole global batch, reduced across the ranks of a group.
//   forward:  per channel, sum(x) and count are all-reduced for the mean, then sum((x - mean)^2)
//             for the biased variance (two passes, in double); running statistics are updated with
//             the global mean and the unbiased global variance (n = global count), as batchnorm1d.
//   backward: sum(dy) and sum(dy * xhat) are all-reduced, so
//             dx = gamma * invstd * (dy - sum(dy) / n - xhat * sum(dy * xhat) / n);
//             dgamma / dbeta are this rank's own sums (the gradient all-reduce adds the ranks').
// While a SyncBatchNormScope with a group of more than one rank is alive, batchnorm1d in training
// mode (engine/ops.h) computes this; eval mode is unchanged. The arithmetic runs on the host in
// double (CUDA tensors are copied to the host and back: correct, not fast).
#pragma once

#include "engine/comm/communicator.h"
#include "engine/tensor.h"

namespace acl::comm {

class SyncBatchNormScope {
 public:
  explicit SyncBatchNormScope(Communicator* group);
  ~SyncBatchNormScope();
  SyncBatchNormScope(const SyncBatchNormScope&) = delete;
  SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

 private:
  Communicator* previous_;
};

// The group of the innermost live scope with more than one rank, or nullptr.
Communicator* batchnorm_sync_group();

// batchnorm1d in training mode with statistics over the group (arguments as batchnorm1d's, already
// checked by it).
Tensor batchnorm1d_sync(Communicator& group, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor running_mean, Tensor running_var,
                        double momentum, double eps);

}  // namespace acl::comm
