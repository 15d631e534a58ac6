// reshape, concat, slice, gather_rows.
#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"
#include "kernels/indexing.h"

namespace acl {
using namespace detail;

namespace {

// Calls f(T{}) for f32, f64 and i32 tensors on any device (copies move any of them).
template <typename F>
void dispatch_copy(const char* op, const Tensor& t, F&& f) {
  if (t.dtype() == DType::i32) {
    f(int32_t{});
  } else {
    dispatch(op, t, f);
  }
}

int64_t prod(const Shape& s, int from, int to) {
  int64_t p = 1;
  for (int i = from; i < to; ++i) p *= s[i];
  return p;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  return x.reshape(shape);
}

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  const char* op = "concat";
  if (xs.empty()) fail(op, "needs at least one tensor");
  const Tensor& first = xs[0];
  check_defined(op, "xs[0]", first);
  int axis = first.shape().axis(dim, op);
  int64_t total = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    std::string name = "xs[" + std::to_string(i) + "]";
    check_compatible(op, "xs[0]", first, name.c_str(), xs[i], false);
    bool ok = xs[i].rank() == first.rank();
    for (int d = 0; ok && d < first.rank(); ++d)
      ok = d == axis || xs[i].shape()[d] == first.shape()[d];
    if (!ok) {
      fail(op, name + " has shape " + xs[i].shape().str() + ", incompatible with xs[0] " +
                   first.shape().str() + " along dim " + std::to_string(axis));
    }
    total += xs[i].shape()[axis];
  }
  Shape out_shape = first.shape();
  out_shape[axis] = total;
  Tensor out = Tensor::empty(out_shape, first.dtype(), first.device());
  int64_t outer = prod(out_shape, 0, axis), inner = prod(out_shape, axis + 1, out_shape.rank());
  std::vector<int64_t> starts;
  int64_t start = 0;
  dispatch_copy(op, first, [&](auto t) {
    using T = decltype(t);
    for (const Tensor& x : xs) {
      int64_t n = x.shape()[axis];
      ACL_KERNEL(first.device(), copy_slab, out.data<T>(), x.data<T>(), outer, inner, total, start,
                 n, 0, n);
      starts.push_back(start);
      start += n;
    }
  });
  std::vector<const Tensor*> ptrs;
  bool any = false;
  for (const Tensor& x : xs) any = any || needs_grad({&x});
  if (any) {
    std::vector<int64_t> sizes;
    for (const Tensor& x : xs) sizes.push_back(x.shape()[axis]);
    attach_node(out, op, xs, [axis, starts, sizes](const Tensor& g) {
      std::vector<Tensor> grads;
      for (size_t i = 0; i < sizes.size(); ++i)
        grads.push_back(slice(g, axis, starts[i], starts[i] + sizes[i]));
      return grads;
    });
  }
  return out;
}

Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end) {
  const char* op = "slice";
  check_defined(op, "x", x);
  int axis = x.shape().axis(dim, op);
  int64_t n = x.shape()[axis];
  if (start < 0 || end > n || start >= end) {
    fail(op, "range [" + std::to_string(start) + ", " + std::to_string(end) +
                 ") is invalid for dim " + std::to_string(axis) + " of shape " + x.shape().str());
  }
  Shape out_shape = x.shape();
  out_shape[axis] = end - start;
  int64_t outer = prod(x.shape(), 0, axis), inner = prod(x.shape(), axis + 1, x.rank());
  Tensor out = Tensor::empty(out_shape, x.dtype(), x.device());
  dispatch_copy(op, x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), copy_slab, out.data<T>(), x.data<T>(), outer, inner, end - start, 0, n,
               start, end - start);
  });
  if (needs_grad({&x})) {
    Shape in_shape = x.shape();
    attach_node(out, op, {x}, [=](const Tensor& g) {
      Tensor gx = Tensor::zeros(in_shape, g.dtype(), g.device());
      dispatch("slice_backward", g, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(g.device(), copy_slab, gx.data<T>(), g.data<T>(), outer, inner, n, start,
                   end - start, 0, end - start);
      });
      return std::vector<Tensor>{gx};
    });
  }
  return out;
}

Tensor gather_rows(const Tensor& x, const Tensor& index) {
  const char* op = "gather_rows";
  check_defined(op, "x", x);
  if (x.rank() < 1) fail(op, "x must have at least one dim, got " + x.str());
  check_index(op, "index", index, 1);
  if (index.device() != x.device()) fail(op, "index " + index.str() + " and x " + x.str());
  int64_t N = x.size(0), M = index.size(0), row = N ? x.numel() / N : 0;
  Shape out_shape = x.shape();
  out_shape[0] = M;
  Tensor out = Tensor::empty(out_shape, x.dtype(), x.device());
  dispatch_copy(op, x, [&](auto t) {
    using T = decltype(t);
    ACL_KERNEL(x.device(), gather_rows, out.data<T>(), x.data<T>(), index.data<int32_t>(), M, N,
               row);
  });
  if (needs_grad({&x})) {
    Shape in_shape = x.shape();
    attach_node(out, op, {x, index}, [=](const Tensor& g) {
      Tensor gx = Tensor::empty(in_shape, g.dtype(), g.device());
      dispatch("gather_rows_backward", g, [&](auto t) {
        using T = decltype(t);
        ACL_KERNEL(g.device(), gather_rows_backward, gx.data<T>(), g.data<T>(),
                   index.data<int32_t>(), M, N, row);
      });
      return std::vector<Tensor>{gx, Tensor()};
    });
  }
  return out;
}

}  // namespace acl
