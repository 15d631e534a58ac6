// The fused contrastive loss (NT-Xent and its region-masked variant) as a differentiable op.
//
// Rows of z are embeddings; row i carries ids (record_i, region_i, view_i). For an anchor row i and
// a column j:
//   j == i                                           excluded (self-similarity, exactly)
//   same record and region, different view           positive
//   same record, region and view, j != i             excluded (a duplicate of the anchor's view)
//   anything else                                    negative
// With s_ij = <zhat_i, zhat_j> / tau (zhat: z L2-normalised inside the op) and P_i the positives,
//   loss_i = -(1/|P_i|) sum_{p in P_i} s_ip + log sum_{j in P_i or negatives} exp(s_ij)
// and the loss is the mean of loss_i over the anchors (rows with |P_i| > 0). With one region and
// two views this is SimCLR's NT-Xent; with (record, region, view) rows it is the ACL-ECG region
// loss (the other regions of the same record are negatives).
//
// The similarity matrix is never stored: rows are tiled, Z Z^T / tau is formed tile by tile with an
// online log-sum-exp per row, and backward recomputes the tiles. Memory O(M d).
#pragma once

#include "engine/tensor.h"

namespace acl {

struct ContrastiveOutput {
  Tensor loss;          // scalar, differentiable with respect to z
  Tensor accuracy;      // scalar f32 on z's device, not differentiable: fraction of anchors whose
                        // most similar non-excluded column is a positive (a tie between the best
                        // positive and the best negative counts as a miss)
  int64_t anchors = 0;  // rows with at least one positive (read back from the device: one sync)
};

// z (M, d) f32/f64 on the CPU or CUDA; ids i32 (M, 3) = (record, region, view) on z's device;
// tau > 0. Throws std::invalid_argument naming the argument for bad shapes, dtypes, devices or tau,
// and when no row has a positive. Kernels: kernels/contrastive.h.
ContrastiveOutput contrastive_loss(const Tensor& z, const Tensor& ids, double tau);

}  // namespace acl
