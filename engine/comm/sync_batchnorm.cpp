#include "engine/comm/sync_batchnorm.h"

#include <cmath>
#include <vector>

#include "engine/autograd.h"

namespace acl::comm {
namespace {

Communicator* g_group = nullptr;

Tensor host(const Tensor& t) {
  return !t.defined() || t.device() == Device::CPU ? t : t.to(Device::CPU);
}

void allreduce_sum(Communicator& group, std::vector<double>& v) {
  group.allreduce(v.data(), v.data(), v.size(), CommType::f64, ReduceOp::kSum);
}

struct Dims {
  int64_t B, C, L;
};

Dims dims_of(const Tensor& x) {
  return {x.size(0), x.size(1), x.rank() == 3 ? x.size(2) : 1};
}

// The forward on host tensors of element type T; fills mean / invstd (C) and the global count.
template <typename T>
void forward(Communicator& group, const Tensor& x, const Tensor& gamma, const Tensor& beta,
             Tensor& out, std::vector<double>& mean, std::vector<double>& invstd, double& count,
             Tensor& running_mean, Tensor& running_var, double momentum, double eps) {
  const auto [B, C, L] = dims_of(x);
  const T* px = x.data<T>();
  std::vector<double> s(static_cast<size_t>(C) + 1, 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const T* row = px + (b * C + c) * L;
      double acc = 0;
      for (int64_t l = 0; l < L; ++l) acc += static_cast<double>(row[l]);
      s[static_cast<size_t>(c)] += acc;
    }
  s[static_cast<size_t>(C)] = static_cast<double>(B * L);
  allreduce_sum(group, s);
  count = s[static_cast<size_t>(C)];
  mean.assign(static_cast<size_t>(C), 0.0);
  for (int64_t c = 0; c < C; ++c) mean[static_cast<size_t>(c)] = s[static_cast<size_t>(c)] / count;
  std::vector<double> sq(static_cast<size_t>(C), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const T* row = px + (b * C + c) * L;
      const double m = mean[static_cast<size_t>(c)];
      double acc = 0;
      for (int64_t l = 0; l < L; ++l) {
        const double d = static_cast<double>(row[l]) - m;
        acc += d * d;
      }
      sq[static_cast<size_t>(c)] += acc;
    }
  allreduce_sum(group, sq);
  invstd.assign(static_cast<size_t>(C), 0.0);
  T* po = out.data<T>();
  const T* pg = gamma.defined() ? gamma.data<T>() : nullptr;
  const T* pb = beta.defined() ? beta.data<T>() : nullptr;
  for (int64_t c = 0; c < C; ++c) {
    const double var = sq[static_cast<size_t>(c)] / count;
    invstd[static_cast<size_t>(c)] = 1.0 / std::sqrt(var + eps);
    if (running_mean.defined()) {
      T* rm = running_mean.data<T>();
      rm[c] = static_cast<T>((1.0 - momentum) * static_cast<double>(rm[c]) +
                             momentum * mean[static_cast<size_t>(c)]);
    }
    if (running_var.defined()) {
      T* rv = running_var.data<T>();
      const double unbiased = count > 1 ? var * count / (count - 1) : var;
      rv[c] = static_cast<T>((1.0 - momentum) * static_cast<double>(rv[c]) + momentum * unbiased);
    }
  }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const double m = mean[static_cast<size_t>(c)], is = invstd[static_cast<size_t>(c)];
      const double gm = pg ? static_cast<double>(pg[c]) : 1.0;
      const double bt = pb ? static_cast<double>(pb[c]) : 0.0;
      const T* row = px + (b * C + c) * L;
      T* orow = po + (b * C + c) * L;
      for (int64_t l = 0; l < L; ++l)
        orow[l] = static_cast<T>((static_cast<double>(row[l]) - m) * is * gm + bt);
    }
}

template <typename T>
void backward(Communicator& group, const Tensor& g, const Tensor& x, const Tensor& gamma,
              const std::vector<double>& mean, const std::vector<double>& invstd, double count,
              Tensor& gx, Tensor& gg, Tensor& gb) {
  const auto [B, C, L] = dims_of(x);
  const T* px = x.data<T>();
  const T* pd = g.data<T>();
  std::vector<double> s(2 * static_cast<size_t>(C), 0.0);  // sum(dy), sum(dy * xhat)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const double m = mean[static_cast<size_t>(c)], is = invstd[static_cast<size_t>(c)];
      const T* row = px + (b * C + c) * L;
      const T* drow = pd + (b * C + c) * L;
      double sd = 0, sdx = 0;
      for (int64_t l = 0; l < L; ++l) {
        const double dy = static_cast<double>(drow[l]);
        sd += dy;
        sdx += dy * (static_cast<double>(row[l]) - m) * is;
      }
      s[static_cast<size_t>(c)] += sd;
      s[static_cast<size_t>(C + c)] += sdx;
    }
  if (gg.defined()) {
    T* p = gg.data<T>();
    for (int64_t c = 0; c < C; ++c) p[c] = static_cast<T>(s[static_cast<size_t>(C + c)]);
  }
  if (gb.defined()) {
    T* p = gb.data<T>();
    for (int64_t c = 0; c < C; ++c) p[c] = static_cast<T>(s[static_cast<size_t>(c)]);
  }
  allreduce_sum(group, s);
  const T* pgm = gamma.defined() ? gamma.data<T>() : nullptr;
  T* pgx = gx.data<T>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const double m = mean[static_cast<size_t>(c)], is = invstd[static_cast<size_t>(c)];
      const double k = (pgm ? static_cast<double>(pgm[c]) : 1.0) * is;
      const double mdy = s[static_cast<size_t>(c)] / count;
      const double mdx = s[static_cast<size_t>(C + c)] / count;
      const T* row = px + (b * C + c) * L;
      const T* drow = pd + (b * C + c) * L;
      T* grow = pgx + (b * C + c) * L;
      for (int64_t l = 0; l < L; ++l) {
        const double xhat = (static_cast<double>(row[l]) - m) * is;
        grow[l] = static_cast<T>(k * (static_cast<double>(drow[l]) - mdy - xhat * mdx));
      }
    }
}

template <typename F>
void by_dtype(const Tensor& x, F&& f) {
  if (x.dtype() == DType::f64) {
    f(double{});
  } else {
    f(float{});
  }
}

}  // namespace

SyncBatchNormScope::SyncBatchNormScope(Communicator* group) : previous_(g_group) {
  if (group && group->size() > 1) g_group = group;
}
SyncBatchNormScope::~SyncBatchNormScope() {
  g_group = previous_;
}

Communicator* batchnorm_sync_group() {
  return g_group;
}

Tensor batchnorm1d_sync(Communicator& group, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor running_mean, Tensor running_var,
                        double momentum, double eps) {
  const Device dev = x.device();
  Tensor hx = host(x.detach()), hg = host(gamma.defined() ? gamma.detach() : gamma),
         hb = host(beta.defined() ? beta.detach() : beta);
  Tensor hrm = host(running_mean), hrv = host(running_var);
  Tensor out = Tensor::empty(x.shape(), x.dtype(), Device::CPU);
  auto mean = std::make_shared<std::vector<double>>();
  auto invstd = std::make_shared<std::vector<double>>();
  double count = 0;
  by_dtype(x, [&](auto t) {
    using T = decltype(t);
    forward<T>(group, hx, hg, hb, out, *mean, *invstd, count, hrm, hrv, momentum, eps);
  });
  if (running_mean.defined() && hrm.impl_ptr() != running_mean.impl_ptr())
    running_mean.copy_from(hrm);
  if (running_var.defined() && hrv.impl_ptr() != running_var.impl_ptr()) running_var.copy_from(hrv);
  if (dev != Device::CPU) out = out.to(dev);
  if (needs_grad({&x, &gamma, &beta})) {
    Communicator* c = &group;
    const bool has_gamma = gamma.defined(), has_beta = beta.defined();
    attach_node(out, "batchnorm1d_sync", {x, gamma, beta},
                [c, hx, hg, mean, invstd, count, has_gamma, has_beta, dev](const Tensor& g) {
                  Tensor hgrad = host(g);
                  Tensor gx = Tensor::empty(hx.shape(), hx.dtype(), Device::CPU);
                  const int64_t C = hx.size(1);
                  Tensor gg = has_gamma ? Tensor::empty(Shape{C}, hx.dtype()) : Tensor();
                  Tensor gb = has_beta ? Tensor::empty(Shape{C}, hx.dtype()) : Tensor();
                  by_dtype(hx, [&](auto t) {
                    using T = decltype(t);
                    backward<T>(*c, hgrad, hx, hg, *mean, *invstd, count, gx, gg, gb);
                  });
                  if (dev != Device::CPU) {
                    gx = gx.to(dev);
                    if (gg.defined()) gg = gg.to(dev);
                    if (gb.defined()) gb = gb.to(dev);
                  }
                  return std::vector<Tensor>{gx, gg, gb};
                });
  }
  return out;
}

}  // namespace acl::comm
