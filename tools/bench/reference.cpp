#include "tools/bench/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/contrastive.h"
#include "kernels/normalize.h"
#include "tools/bench/check.h"

namespace acl::bench {

std::vector<double> conv_reference_f64(const ConvShape& c, ConvPass pass, int B, const Tensor& x,
                                       const Tensor& w, const Tensor& dy) {
  const Tensor xd = x.to(DType::f64), wd = w.to(DType::f64), dyd = dy.to(DType::f64);
  Tensor ref = Tensor::empty(conv_out_shape(c, pass, B), DType::f64);
  conv_cpu<double>(c, pass, B, ref.data<double>(), xd.data<double>(), wd.data<double>(),
                   dyd.data<double>());
  return ref.to_vector<double>();
}

ContrastiveRef contrastive_reference(const ContrastiveInputs& in, bool want_grad_z) {
  namespace k = acl::kernels;
  const int M = in.M, d = in.d;
  const size_t md = static_cast<size_t>(M) * d;
  ContrastiveRef r;
  r.lse.resize(M);
  r.spos.resize(M);
  r.pos.resize(M);
  r.grad_zhat.resize(md);
  std::vector<double> zhat(md), norms(M);
  std::vector<int32_t> hit(M);
  if (want_grad_z) {  // normalise in float64 too, as the engine's op does in its dtype
    const std::vector<double> z(in.z.begin(), in.z.end());
    k::l2_normalize_forward_cpu<double>(zhat.data(), norms.data(), z.data(), M, d, 1e-12);
  } else {
    zhat.assign(in.zhat.begin(), in.zhat.end());
  }
  k::contrastive_forward_cpu<double>(&r.loss, &r.accuracy, &r.anchors, r.lse.data(), r.pos.data(),
                                     r.spos.data(), hit.data(), zhat.data(), in.ids.data(), M, d,
                                     1.0 / kTau);
  const double one = 1.0;
  k::contrastive_backward_cpu<double>(r.grad_zhat.data(), &one, zhat.data(), in.ids.data(),
                                      r.lse.data(), r.pos.data(), r.anchors, M, d, 1.0 / kTau);
  if (want_grad_z) {
    r.grad_z.resize(md);
    k::l2_normalize_backward_cpu<double>(r.grad_z.data(), r.grad_zhat.data(), zhat.data(),
                                         norms.data(), M, d, 1e-12);
  }
  return r;
}

double forward_error(const ContrastiveRef& ref, float loss, float accuracy, int32_t anchors,
                     const std::vector<float>& lse, const std::vector<float>& spos,
                     const std::vector<int32_t>& pos, std::string* why) {
  if (anchors != ref.anchors || pos != ref.pos) {
    *why = "anchors " + std::to_string(anchors) + " (expected " + std::to_string(ref.anchors) +
           ") or row_pos differ";
    return std::numeric_limits<double>::infinity();
  }
  if (std::fabs(accuracy - ref.accuracy) > 2.01 / std::max(1, ref.anchors)) {
    *why = "accuracy " + std::to_string(accuracy) + ", expected " + std::to_string(ref.accuracy);
    return std::numeric_limits<double>::infinity();
  }
  const double e_loss = rel_error(std::vector<float>{loss}, std::vector<double>{ref.loss});
  return worst_of({e_loss, rel_error(lse, ref.lse), rel_error(spos, ref.spos)});
}

double contrastive_spot_error(const ContrastiveInputs& in, LossPass pass, int32_t anchors,
                              float loss, const std::vector<float>& lse,
                              const std::vector<float>& spos, const std::vector<int32_t>& pos,
                              const std::vector<float>& grad_zhat, std::string* why) {
  const int M = in.M, d = in.d;
  const double inv_tau = 1.0 / kTau;
  auto zh = [&](int i, int k) {
    return static_cast<double>(in.zhat[static_cast<size_t>(i) * d + k]);
  };
  auto sim = [&](int i, int j) {
    double s = 0;
    for (int k = 0; k < d; ++k) s += zh(i, k) * zh(j, k);
    return s * inv_tau;
  };
  auto relation = [&](int i, int j) {  // 0 excluded, 1 positive, 2 negative
    const int32_t *a = &in.ids[3 * static_cast<size_t>(i)],
                  *b = &in.ids[3 * static_cast<size_t>(j)];
    if (a[0] == b[0] && a[1] == b[1]) return a[2] == b[2] ? 0 : 1;
    return 2;
  };
  std::vector<float> got;
  std::vector<double> ref;
  for (int q = 0; q < kSpotRows; ++q) {
    const int i = static_cast<int>(static_cast<int64_t>(M - 1) * q / (kSpotRows - 1));
    if (pass == LossPass::forward) {
      double mx = -std::numeric_limits<double>::infinity(), sum = 0, ps = 0;
      int np = 0;
      std::vector<double> s(M);
      for (int j = 0; j < M; ++j) {
        const int rel = relation(i, j);
        s[j] = rel == 0 ? -std::numeric_limits<double>::infinity() : sim(i, j);
        if (rel == 1) {
          ps += s[j];
          ++np;
        }
        mx = std::max(mx, s[j]);
      }
      for (int j = 0; j < M; ++j) sum += std::exp(s[j] - mx);
      if (np != pos[i]) {
        *why = "row_pos[" + std::to_string(i) + "] = " + std::to_string(pos[i]) + ", expected " +
               std::to_string(np);
        return std::numeric_limits<double>::infinity();
      }
      got.push_back(lse[i]);
      ref.push_back(mx + std::log(sum));
      got.push_back(spos[i]);
      ref.push_back(np > 0 ? ps / np : 0.0);
    } else {
      const double a = inv_tau / anchors;
      std::vector<double> g(d, 0.0);
      for (int j = 0; j < M; ++j) {
        const int rel = relation(i, j);
        if (rel == 0) continue;
        const double s = sim(i, j);
        double c = 0;
        if (pos[i] > 0) c += a * (std::exp(s - lse[i]) - (rel == 1 ? 1.0 / pos[i] : 0.0));
        if (pos[j] > 0) c += a * (std::exp(s - lse[j]) - (rel == 1 ? 1.0 / pos[j] : 0.0));
        for (int k = 0; k < d; ++k) g[k] += c * zh(j, k);
      }
      for (int k = 0; k < d; ++k) {
        got.push_back(grad_zhat[static_cast<size_t>(i) * d + k]);
        ref.push_back(g[k]);
      }
    }
  }
  double e = rel_error(got, ref);
  if (pass == LossPass::forward) {  // the loss: the mean of the device's rows over the anchors
    double total = 0;
    int64_t n = 0;
    for (int i = 0; i < M; ++i) {
      if (pos[i] == 0) continue;
      total += static_cast<double>(lse[i]) - spos[i];
      ++n;
    }
    const double mean = n > 0 ? total / static_cast<double>(n) : 0.0;
    e = worst_of({e, rel_error(std::vector<float>{loss}, std::vector<double>{mean})});
  }
  return e;
}

}  // namespace acl::bench
