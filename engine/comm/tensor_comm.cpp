#include "engine/comm/tensor_comm.h"

#include <stdexcept>
#include <string>

namespace acl::comm {
namespace {

// The tensor to hand to the communicator: t itself, or a copy on the communicator's device.
Tensor on_comm_device(const Communicator& comm, const Tensor& t) {
  return t.device() == comm.device() ? t : t.to(comm.device());
}

Shape with_rows(const Shape& s, int64_t rows) {
  Shape out = s;
  out[0] = rows;
  return out;
}

void check_rows(const char* op, const Tensor& x) {
  if (x.rank() < 1) {
    throw std::invalid_argument(std::string(op) + ": x " + x.str() + " has no rows (rank 0)");
  }
}

}  // namespace

void allreduce(Communicator& comm, Tensor& t, ReduceOp op) {
  Tensor buf = on_comm_device(comm, t);
  comm.allreduce(buf.raw_data(), buf.raw_data(), static_cast<size_t>(buf.numel()),
                 comm_type_of(buf.dtype()), op);
  if (buf.impl_ptr() != t.impl_ptr()) t.copy_from(buf);
}

void broadcast(Communicator& comm, Tensor& t, int root) {
  Tensor buf = on_comm_device(comm, t);
  comm.broadcast(buf.raw_data(), static_cast<size_t>(buf.numel()), comm_type_of(buf.dtype()), root);
  if (buf.impl_ptr() != t.impl_ptr()) t.copy_from(buf);
}

Tensor allgather_rows(Communicator& comm, const Tensor& x) {
  check_rows("allgather_rows", x);
  Tensor src = on_comm_device(comm, x);
  Tensor out =
      Tensor::empty(with_rows(x.shape(), x.size(0) * comm.size()), x.dtype(), comm.device());
  comm.allgather(src.raw_data(), out.raw_data(), static_cast<size_t>(src.numel()),
                 comm_type_of(x.dtype()));
  return out.device() == x.device() ? out : out.to(x.device());
}

Tensor reduce_scatter_rows(Communicator& comm, const Tensor& x, ReduceOp op) {
  check_rows("reduce_scatter_rows", x);
  if (x.size(0) % comm.size() != 0) {
    throw std::invalid_argument("reduce_scatter_rows: x " + x.str() + " has " +
                                std::to_string(x.size(0)) + " rows, not a multiple of the " +
                                std::to_string(comm.size()) + " ranks");
  }
  Tensor src = on_comm_device(comm, x);
  Tensor out =
      Tensor::empty(with_rows(x.shape(), x.size(0) / comm.size()), x.dtype(), comm.device());
  comm.reduce_scatter(src.raw_data(), out.raw_data(), static_cast<size_t>(out.numel()),
                      comm_type_of(x.dtype()), op);
  return out.device() == x.device() ? out : out.to(x.device());
}

}  // namespace acl::comm
