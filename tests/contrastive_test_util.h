// Shared fixtures of the contrastive-loss tests (tests/test_contrastive_*.cpp): the naive float64
// reference (the M x M similarity matrix and its mask, differentiated through the L2
// normalisation by hand), random and separated cases, running the op, and the tolerances.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "engine/autograd.h"
#include "engine/device_select.h"
#include "engine/ops.h"
#include "engine/ops_contrastive.h"
#include "kernels/contrastive.h"
#include "tests/kernel_test_util.h"
#include "tests/test_util.h"

namespace acl::testing {

// ---- the float64 reference ---------------------------------------------------------------------

struct Reference {
  double loss = 0.0;
  double accuracy = 0.0;
  int anchors = 0;
  std::vector<double> lse, spos;  // per row (lse -inf and spos 0 where undefined)
  std::vector<int> pos;
  std::vector<double> grad_z;  // d loss / d z (M, d), through the normalisation
};

enum Kind { kExcluded, kPositive, kNegative };

inline Kind kind(const std::vector<int32_t>& ids, int i, int j) {
  const bool rg = ids[3 * i] == ids[3 * j] && ids[3 * i + 1] == ids[3 * j + 1];
  if (rg && ids[3 * i + 2] == ids[3 * j + 2]) return kExcluded;  // j == i included
  return rg ? kPositive : kNegative;
}

inline std::vector<double> normalize_rows(const std::vector<double>& z, int M, int d,
                                          std::vector<double>* norms = nullptr) {
  std::vector<double> zh(z.size());
  if (norms) norms->assign(M, 0.0);
  for (int i = 0; i < M; ++i) {
    double n2 = 0.0;
    for (int k = 0; k < d; ++k) n2 += z[i * d + k] * z[i * d + k];
    const double n = std::max(std::sqrt(n2), 1e-12);
    if (norms) (*norms)[i] = n;
    for (int k = 0; k < d; ++k) zh[i * d + k] = z[i * d + k] / n;
  }
  return zh;
}

inline Reference reference(const std::vector<double>& z, const std::vector<int32_t>& ids, int M,
                           int d, double tau) {
  std::vector<double> norms;
  const std::vector<double> zh = normalize_rows(z, M, d, &norms);
  std::vector<double> S(static_cast<size_t>(M) * M);
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < M; ++j) {
      double s = 0.0;
      for (int k = 0; k < d; ++k) s += zh[i * d + k] * zh[j * d + k];
      S[static_cast<size_t>(i) * M + j] = s / tau;
    }
  }
  Reference r;
  r.lse.assign(M, -INFINITY);
  r.spos.assign(M, 0.0);
  r.pos.assign(M, 0);
  double total = 0.0;
  int hits = 0;
  for (int i = 0; i < M; ++i) {
    const double* row = &S[static_cast<size_t>(i) * M];
    double mx = -INFINITY, pmax = -INFINITY, nmax = -INFINITY, psum = 0.0;
    for (int j = 0; j < M; ++j) {
      const Kind k = kind(ids, i, j);
      if (k == kExcluded) continue;
      mx = std::max(mx, row[j]);
      if (k == kPositive) {
        ++r.pos[i];
        psum += row[j];
        pmax = std::max(pmax, row[j]);
      } else {
        nmax = std::max(nmax, row[j]);
      }
    }
    if (mx == -INFINITY) continue;
    double se = 0.0;
    for (int j = 0; j < M; ++j) {
      if (kind(ids, i, j) != kExcluded) se += std::exp(row[j] - mx);
    }
    r.lse[i] = mx + std::log(se);
    if (r.pos[i] == 0) continue;
    r.spos[i] = psum / r.pos[i];
    ++r.anchors;
    total += r.lse[i] - r.spos[i];
    hits += pmax > nmax ? 1 : 0;
  }
  if (r.anchors == 0) return r;
  r.loss = total / r.anchors;
  r.accuracy = static_cast<double>(hits) / r.anchors;

  // dL/dS_ij = (softmax_ij - [j in P_i] / |P_i|) / anchors on anchor rows, valid columns
  std::vector<double> G(static_cast<size_t>(M) * M, 0.0);
  for (int i = 0; i < M; ++i) {
    if (r.pos[i] == 0) continue;
    for (int j = 0; j < M; ++j) {
      const Kind k = kind(ids, i, j);
      if (k == kExcluded) continue;
      const double p = std::exp(S[static_cast<size_t>(i) * M + j] - r.lse[i]);
      G[static_cast<size_t>(i) * M + j] = (p - (k == kPositive ? 1.0 / r.pos[i] : 0.0)) / r.anchors;
    }
  }
  // S = Zh Zh^T / tau: dL/dZh = (G + G^T) Zh / tau; then through zh = z / ||z||
  std::vector<double> gzh(static_cast<size_t>(M) * d, 0.0);
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < M; ++j) {
      const double g = G[static_cast<size_t>(i) * M + j] / tau;
      if (g == 0.0) continue;
      for (int k = 0; k < d; ++k) {
        gzh[i * d + k] += g * zh[j * d + k];
        gzh[j * d + k] += g * zh[i * d + k];
      }
    }
  }
  r.grad_z.assign(static_cast<size_t>(M) * d, 0.0);
  for (int i = 0; i < M; ++i) {
    double dot = 0.0;
    for (int k = 0; k < d; ++k) dot += zh[i * d + k] * gzh[i * d + k];
    for (int k = 0; k < d; ++k) {
      r.grad_z[i * d + k] = (gzh[i * d + k] - zh[i * d + k] * dot) / norms[i];
    }
  }
  return r;
}

// ---- random cases ------------------------------------------------------------------------------

struct Case {
  int M = 0, d = 0;
  double tau = 0.1;
  std::vector<double> z;     // (M, d), values representable in f32
  std::vector<int32_t> ids;  // (M, 3)
  int duplicates = 0;        // rows sharing (record, region, view) with another row
};

inline uint64_t draw(std::mt19937_64& g, uint64_t n) {
  return g() % n;
}

// (record, region, view) rows enumerated record by record, then perturbed: some rows change view
// (creating duplicates or breaking pairs), some copy another row's ids (duplicates), some get a
// record of their own (no positive); rows are shuffled. Embeddings are a per-(record, region)
// prototype plus noise, so positives tend to be similar and the softmax is far from uniform.
inline Case random_case_once(int M, int d, uint64_t seed) {
  std::mt19937_64 g(seed);
  Case c;
  c.M = M;
  c.d = d;
  c.tau = 0.05 + 0.95 * static_cast<double>(draw(g, 1000001)) / 1000000.0;
  const int regions = 1 + static_cast<int>(draw(g, 4));
  const int views = 2 + static_cast<int>(draw(g, 2));
  c.ids.resize(static_cast<size_t>(M) * 3);
  for (int i = 0; i < M; ++i) {
    c.ids[3 * i] = i / (regions * views);
    c.ids[3 * i + 1] = (i / views) % regions;
    c.ids[3 * i + 2] = i % views;
  }
  for (int i = 0; i < M && M > 2; ++i) {
    const uint64_t u = draw(g, 100);
    if (u < 8) {
      c.ids[3 * i + 2] = static_cast<int32_t>(draw(g, views));
    } else if (u < 14) {
      const int src = static_cast<int>(draw(g, M));
      for (int k = 0; k < 3; ++k) c.ids[3 * i + k] = c.ids[3 * src + k];
    } else if (u < 18) {
      c.ids[3 * i] = 1000000 + i;
    }
  }
  for (int i = M - 1; i > 0; --i) {
    const int j = static_cast<int>(draw(g, i + 1));
    for (int k = 0; k < 3; ++k) std::swap(c.ids[3 * i + k], c.ids[3 * j + k]);
  }
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < M; ++j) {
      if (j != i && kind(c.ids, i, j) == kExcluded) {
        ++c.duplicates;
        break;
      }
    }
  }
  std::uniform_real_distribution<double> unif(-1.0, 1.0);
  c.z.resize(static_cast<size_t>(M) * d);
  std::vector<double> proto(d);
  for (int i = 0; i < M; ++i) {
    std::mt19937_64 pg(seed ^ (static_cast<uint64_t>(c.ids[3 * i]) * 1000003u +
                               static_cast<uint64_t>(c.ids[3 * i + 1]) * 7919u));
    for (int k = 0; k < d; ++k) proto[k] = unif(pg);
    for (int k = 0; k < d; ++k) {
      c.z[i * d + k] = static_cast<double>(static_cast<float>(0.6 * proto[k] + unif(g)));
    }
  }
  return c;
}

// A case from random_case_once with at least one anchor (the seed advances until there is one).
inline Case random_case(int M, int d, uint64_t seed) {
  for (;; ++seed) {
    Case c = random_case_once(M, d, seed);
    bool anchor = false;
    for (int i = 0; i < M && !anchor; ++i) {
      for (int j = 0; j < M && !anchor; ++j) anchor = kind(c.ids, i, j) == kPositive;
    }
    if (anchor) return c;
  }
}

// ---- running the op ----------------------------------------------------------------------------

struct OpResult {
  Tensor loss;  // CPU copies
  double accuracy = 0.0;
  int64_t anchors = 0;
  Tensor grad;  // d loss / d z (M, d)
};

inline OpResult run_op(const Case& c, DType dt, Device dev) {
  Tensor z = Tensor::from_vector(c.z, Shape{c.M, c.d}).to(dt).to(dev);
  z.set_requires_grad(true);
  Tensor ids = Tensor::from_vector(c.ids, Shape{c.M, 3}).to(dev);
  ContrastiveOutput o = contrastive_loss(z, ids, c.tau);
  EXPECT_EQ(o.loss.device(), dev);
  EXPECT_EQ(o.loss.dtype(), dt);
  EXPECT_EQ(o.loss.rank(), 0);
  EXPECT_EQ(o.accuracy.dtype(), DType::f32);
  EXPECT_FALSE(o.accuracy.requires_grad());
  o.loss.backward();
  OpResult r;
  r.loss = o.loss.detach().to(Device::CPU);
  r.accuracy = o.accuracy.item();
  r.anchors = o.anchors;
  r.grad = z.grad().to(Device::CPU);
  return r;
}

inline double loss_of(const Tensor& z, const std::vector<int32_t>& ids, double tau) {
  NoGradGuard ng;
  Tensor t = Tensor::from_vector(ids, Shape{z.size(0), 3});
  return contrastive_loss(z, t, tau).loss.item();
}

inline ::testing::AssertionResult close(const std::string& what, double got, double ref,
                                        double rtol) {
  if (std::fabs(got - ref) <= rtol * std::max(1.0, std::fabs(ref))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << what << ": got " << got << " expected " << ref << " (|err| = " << std::fabs(got - ref)
         << ", rtol " << rtol << ")";
}

inline Tensor grad_tensor(const Reference& r, const Case& c) {
  return Tensor::from_vector(r.grad_z, Shape{c.M, c.d});
}

// ---- tolerances and comparisons ----------------------------------------------------------------

// f32 tolerance: s_ij = <zhat_i, zhat_j> / tau carries an absolute error of ~6e-8 sqrt(d) / tau
// (tau down to 0.05), which the softmax weights exp(s - lse) inherit relatively, on top of the f32
// normalisation; the worst gradient element of these cases is off by ~2e-6 of the gradient's
// scale. 2e-5 leaves a 10x margin.
inline constexpr double kF32Rtol = 2e-5;
inline constexpr double kF64Rtol = 1e-10;

// Gradients: tensors_close, except where the reference is exactly zero (M = 2: one pair and no
// negatives, so every row's softmax is 1 on its positive and the loss is 0).
inline ::testing::AssertionResult grads_close(const std::string& what, const Tensor& got,
                                              const Tensor& ref, double rtol) {
  double ref_max = 0.0, got_max = 0.0;
  for (double v : ref.to_vector<double>()) ref_max = std::max(ref_max, std::fabs(v));
  for (double v : got.to_vector<double>()) got_max = std::max(got_max, std::fabs(v));
  if (ref_max > 0.0) return tensors_close(what, got, ref, rtol);
  if (got_max <= 1e-7) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": reference is zero, got max |grad| " << got_max;
}

// ---- separated cases ---------------------------------------------------------------------------

// One-hot embeddings: row (record n, region g, view v) = e_{n * regions + g}. Positives have
// similarity 1, every negative 0.
inline Case separated_case(int records, int regions) {
  Case c;
  c.d = records * regions + 3;
  c.tau = 0.1;
  for (int n = 0; n < records; ++n) {
    for (int g = 0; g < regions; ++g) {
      for (int v = 0; v < 2; ++v) {
        c.ids.insert(c.ids.end(), {n, g, v});
        std::vector<double> row(c.d, 0.0);
        row[n * regions + g] = 1.0;
        c.z.insert(c.z.end(), row.begin(), row.end());
      }
    }
  }
  c.M = records * regions * 2;
  return c;
}

// separated_case(5, 3) with two misses and one exact tie (CountsMissesAndTiesExactly): accuracy
// (M - 3) / M. Row (n, g, v) sits at index (n * 3 + g) * 2 + v, with embedding e_{3n + g}.
// Row 1 = (0, 0, 1) points away from its positive: rows 0 and 1 see their positive at similarity
// -1 below negatives at 0 (two misses).
// Row 13 = (2, 0, 1) becomes (e_6 + e_9) / sqrt(2): its positive (row 12, e_6) and a negative
// (row 18 = (3, 0, 0), e_9) tie bit for bit at 1 / sqrt(2), which counts as a miss; rows 12, 18
// and 19 still see their positive strictly first.
inline Case misses_and_ties_case() {
  Case c = separated_case(5, 3);
  c.z[1 * c.d + 0] = -1.0;
  c.z[13 * c.d + 6] = 1.0;
  c.z[13 * c.d + 9] = 1.0;
  return c;
}

}  // namespace acl::testing
