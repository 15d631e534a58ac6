// reshape, concat, slice, gather_rows.
#include "engine/autograd.h"
#include "engine/input_grad.h"
#include "engine/kernel_route.h"
#include "engine/ops.h"
#include "engine/tensor_checks.h"
#include "kernels/indexing.h"

namespace acl {
using namespace checks;

namespace {

// route_kernel for the copies, which move index tensors too: an i32 tensor runs cpu(int32_t{})
// or cuda(int32_t{}, stream); f32 and f64 route as route_kernel does, with cuda(float{}, stream).
template <typename CpuCall, typename CudaCall>
void route_copy(const char* op, const Tensor& t, CpuCall&& cpu, CudaCall&& cuda) {
  if (t.dtype() != DType::i32) {
    route_kernel(op, t, cpu, [&](auto stream) { cuda(float{}, stream); });
  } else if (t.device() == Device::CPU) {
    cpu(int32_t{});
  } else if constexpr (kCudaBuild) {
    cuda(int32_t{}, kernel_stream());
  } else {
    fail(op, "a CUDA tensor in a build without CUDA: " + t.str());
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
  for (const Tensor& x : xs) {
    int64_t n = x.shape()[axis];
    route_copy(
        op, first,
        [&](auto t) {
          using T = decltype(t);
          kernels::copy_slab_cpu<T>(out.data<T>(), x.data<T>(), outer, inner, total, start, n, 0,
                                    n);
        },
        [&](auto t, auto stream) {
          using T = decltype(t);
          kernels::copy_slab_cuda(out.data<T>(), x.data<T>(), outer, inner, total, start, n, 0, n,
                                  stream);
        });
    starts.push_back(start);
    start += n;
  }
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
  route_copy(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::copy_slab_cpu<T>(out.data<T>(), x.data<T>(), outer, inner, end - start, 0, n,
                                  start, end - start);
      },
      [&](auto t, auto stream) {
        using T = decltype(t);
        kernels::copy_slab_cuda(out.data<T>(), x.data<T>(), outer, inner, end - start, 0, n, start,
                                end - start, stream);
      });
  attach_input_grad(
      out, op, {x}, GradInit::kZeros, "slice_backward",
      [=](auto t, Tensor& gx, const Tensor& g) {
        using T = decltype(t);
        kernels::copy_slab_cpu<T>(gx.data<T>(), g.data<T>(), outer, inner, n, start, end - start, 0,
                                  end - start);
      },
      [=](Tensor& gx, const Tensor& g, auto stream) {
        kernels::copy_slab_cuda(gx.data<float>(), g.data<float>(), outer, inner, n, start,
                                end - start, 0, end - start, stream);
      });
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
  route_copy(
      op, x,
      [&](auto t) {
        using T = decltype(t);
        kernels::gather_rows_cpu<T>(out.data<T>(), x.data<T>(), index.data<int32_t>(), M, N, row);
      },
      [&](auto t, auto stream) {
        using T = decltype(t);
        kernels::gather_rows_cuda(out.data<T>(), x.data<T>(), index.data<int32_t>(), M, N, row,
                                  stream);
      });
  attach_input_grad(
      out, op, {x, index}, GradInit::kEmpty, "gather_rows_backward",
      [=](auto t, Tensor& gx, const Tensor& g) {
        using T = decltype(t);
        kernels::gather_rows_backward_cpu<T>(gx.data<T>(), g.data<T>(), index.data<int32_t>(), M, N,
                                             row);
      },
      [=](Tensor& gx, const Tensor& g, auto stream) {
        kernels::gather_rows_backward_cuda(gx.data<float>(), g.data<float>(), index.data<int32_t>(),
                                           M, N, row, stream);
      });
  return out;
}

}  // namespace acl
