// Collectives on whole tensors (contiguous, f32/f64/i32), over any communicator. A tensor on a
// device the communicator does not take (a CPU tensor with NCCL, a CUDA tensor with MPI) is staged
// through a copy on the communicator's device. Row collectives work on dim 0.
#pragma once

#include "engine/comm/communicator.h"
#include "engine/tensor.h"

namespace acl::comm {

// t = op over ranks of t, in place.
void allreduce(Communicator& comm, Tensor& t, ReduceOp op);
// t = t of `root`, in place (same shape and dtype on every rank).
void broadcast(Communicator& comm, Tensor& t, int root);
// x (n, ...) on every rank -> (size * n, ...): rank r's rows at [r * n, (r + 1) * n). No autograd
// (see all_gather.h for the differentiable op).
Tensor allgather_rows(Communicator& comm, const Tensor& x);
// x (size * n, ...) -> (n, ...): op over ranks of rows [rank * n, (rank + 1) * n). No autograd.
Tensor reduce_scatter_rows(Communicator& comm, const Tensor& x, ReduceOp op);

}  // namespace acl::comm
