#include "engine/comm/all_gather.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/comm/tensor_comm.h"
#include "engine/ops.h"

namespace acl::comm {

Tensor all_gather(Communicator& comm, const Tensor& x) {
  Tensor out = allgather_rows(comm, x.detach());
  if (needs_grad({&x})) {
    Communicator* c = &comm;
    attach_node(out, "all_gather", {x}, [c](const Tensor& g) {
      return std::vector<Tensor>{reduce_scatter_rows(*c, g, ReduceOp::kSum)};
    });
  }
  return out;
}

}  // namespace acl::comm

namespace acl::comm {
namespace {

// ids of the gathered rows as seen from `rank`: its own rows keep their ids; every other row gets
// a record id of its own (never an anchor, never a positive: a negative of every anchor).
Tensor gathered_ids(const Tensor& ids, int rank, int size) {
  const std::vector<int32_t> local = ids.to_vector<int32_t>();
  const int64_t M = ids.size(0);
  int64_t base = 0;
  for (int64_t i = 0; i < M; ++i)
    base = std::max<int64_t>(base, local[static_cast<size_t>(3 * i)] + 1);
  if (base + M * size > INT32_MAX) {
    throw std::invalid_argument("contrastive_loss_share: record ids up to " +
                                std::to_string(base - 1) + " leave no room for " +
                                std::to_string(M * size) + " gathered rows in i32");
  }
  std::vector<int32_t> out(static_cast<size_t>(3 * M * size));
  for (int q = 0; q < size; ++q)
    for (int64_t i = 0; i < M; ++i) {
      const size_t row = static_cast<size_t>(q * M + i);
      if (q == rank) {
        for (int k = 0; k < 3; ++k) out[3 * row + k] = local[static_cast<size_t>(3 * i + k)];
      } else {
        out[3 * row] = static_cast<int32_t>(base + static_cast<int64_t>(row));
        out[3 * row + 1] = 0;
        out[3 * row + 2] = 0;
      }
    }
  Tensor t = Tensor::from_vector(out, Shape{M * size, 3});
  return ids.device() == Device::CPU ? t : t.to(ids.device());
}

struct IdsCache {
  std::shared_ptr<TensorImpl> key;  // the local ids tensor (kept alive: its address is the key)
  int rank = -1, size = 0;
  Tensor gathered;
};
thread_local IdsCache g_ids_cache;

}  // namespace

ContrastiveOutput contrastive_loss_share(Communicator& comm, const Tensor& z, const Tensor& ids,
                                         double tau) {
  if (comm.size() == 1) return contrastive_loss(z, ids, tau);
  IdsCache& cache = g_ids_cache;
  if (cache.key != ids.impl_ptr() || cache.rank != comm.rank() || cache.size != comm.size()) {
    cache = {ids.impl_ptr(), comm.rank(), comm.size(), gathered_ids(ids, comm.rank(), comm.size())};
  }
  Tensor all = all_gather(comm, z);
  ContrastiveOutput local = contrastive_loss(all, cache.gathered, tau);
  // The global anchor count (exact in f64; a tensor, so it reaches a device communicator too).
  Tensor anchors =
      Tensor::from_vector(std::vector<double>{static_cast<double>(local.anchors)}, Shape{1});
  allreduce(comm, anchors, ReduceOp::kSum);
  const double w = static_cast<double>(local.anchors) / anchors.item();
  ContrastiveOutput out;
  out.loss = scale(local.loss, w);
  out.accuracy = scale(local.accuracy, w);
  out.anchors = local.anchors;
  return out;
}

}  // namespace acl::comm
