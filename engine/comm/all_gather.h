// all_gather: the differentiable row all-gather that gives contrastive losses the negatives of the
// whole global batch.
//
// Forward: x (n, ...) on every rank -> X (size * n, ...), rank r's rows at [r * n, (r + 1) * n);
// every rank must pass the same n. X stays in the graph: its backward is the reduce-scatter (sum)
// of the gradient of X, so rank r receives, for its own rows, the sum over every rank's loss of d
// loss_q / d x_r. With per-rank losses whose sum is the global loss (contrastive_loss_share below:
// local anchors only, weighted by local / global anchors), that is exactly
// the gradient a single process computes for the same rows; parameter gradients are then summed
// (not averaged) across ranks.
#pragma once

#include "engine/comm/communicator.h"
#include "engine/ops_contrastive.h"
#include "engine/tensor.h"

namespace acl::comm {

Tensor all_gather(Communicator& comm, const Tensor& x);

// The contrastive loss of the whole global batch, this rank's share. z (M, d) and ids (M, 3) are
// this rank's rows (M equal on every rank; record ids local to the rank). The rows of every rank
// are all-gathered; this rank's anchors are scored against every row of the global batch (rows of
// other ranks are negatives only: they get record ids of their own so they are never anchors or
// positives here). Returned: loss = (sum of this rank's anchor losses) / (global anchor count),
// accuracy likewise weighted, anchors = this rank's count: summed over ranks, loss and accuracy are
// the single-process values of the global batch, and the gradient of the loss (through
// all_gather's reduce-scatter) is, summed over ranks, the single-process gradient. On a one-rank
// group this is contrastive_loss itself.
ContrastiveOutput contrastive_loss_share(Communicator& comm, const Tensor& z, const Tensor& ids,
                                         double tau);

}  // namespace acl::comm
