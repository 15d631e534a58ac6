// contrastive_loss (engine/ops_contrastive.h) and its kernels (kernels/contrastive.h).
//
// The reference is a naive float64 implementation that materialises the M x M similarity matrix
// and its mask and differentiates through the L2 normalisation by hand. Random cases mix several
// regions, 2-3 views, duplicated (record, region, view) rows that must be excluded, and rows
// without positives; M is not a multiple of the kernels' tiles (64 rows, 512 / 64 columns) and d
// not a multiple of their dimension chunks (32 / 64 / 16).
// Also: float64 central differences of the op, the exact self-similarity exclusion against the
// "subtract e" bug, SimCLR's NT-Xent as the one-region two-view special case, accuracy, error
// messages, guarded kernel outputs, CPU determinism, and CUDA vs CPU parity rows (skipped without
// a GPU).
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
namespace {

using kernels::testing::expect_throw_with;
using kernels::testing::Guarded;

// ---- the float64 reference ----------------------------------------------------------------------

struct Reference {
  double loss = 0.0;
  double accuracy = 0.0;
  int anchors = 0;
  std::vector<double> lse, spos;  // per row (lse -inf and spos 0 where undefined)
  std::vector<int> pos;
  std::vector<double> grad_z;  // d loss / d z (M, d), through the normalisation
};

enum Kind { kExcluded, kPositive, kNegative };

Kind kind(const std::vector<int32_t>& ids, int i, int j) {
  const bool rg = ids[3 * i] == ids[3 * j] && ids[3 * i + 1] == ids[3 * j + 1];
  if (rg && ids[3 * i + 2] == ids[3 * j + 2]) return kExcluded;  // j == i included
  return rg ? kPositive : kNegative;
}

std::vector<double> normalize_rows(const std::vector<double>& z, int M, int d,
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

Reference reference(const std::vector<double>& z, const std::vector<int32_t>& ids, int M, int d,
                    double tau) {
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

// ---- random cases -----------------------------------------------------------------------------

struct Case {
  int M = 0, d = 0;
  double tau = 0.1;
  std::vector<double> z;     // (M, d), values representable in f32
  std::vector<int32_t> ids;  // (M, 3)
  int duplicates = 0;        // rows sharing (record, region, view) with another row
};

uint64_t draw(std::mt19937_64& g, uint64_t n) {
  return g() % n;
}

// (record, region, view) rows enumerated record by record, then perturbed: some rows change view
// (creating duplicates or breaking pairs), some copy another row's ids (duplicates), some get a
// record of their own (no positive); rows are shuffled. Embeddings are a per-(record, region)
// prototype plus noise, so positives tend to be similar and the softmax is far from uniform.
Case random_case_once(int M, int d, uint64_t seed) {
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
Case random_case(int M, int d, uint64_t seed) {
  for (;; ++seed) {
    Case c = random_case_once(M, d, seed);
    bool anchor = false;
    for (int i = 0; i < M && !anchor; ++i) {
      for (int j = 0; j < M && !anchor; ++j) anchor = kind(c.ids, i, j) == kPositive;
    }
    if (anchor) return c;
  }
}

// ---- running the op ---------------------------------------------------------------------------

struct OpResult {
  Tensor loss;  // CPU copies
  double accuracy = 0.0;
  int64_t anchors = 0;
  Tensor grad;  // d loss / d z (M, d)
};

OpResult run_op(const Case& c, DType dt, Device dev) {
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

double loss_of(const Tensor& z, const std::vector<int32_t>& ids, double tau) {
  NoGradGuard ng;
  Tensor t = Tensor::from_vector(ids, Shape{z.size(0), 3});
  return contrastive_loss(z, t, tau).loss.item();
}

::testing::AssertionResult close(const std::string& what, double got, double ref, double rtol) {
  if (std::fabs(got - ref) <= rtol * std::max(1.0, std::fabs(ref))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << what << ": got " << got << " expected " << ref << " (|err| = " << std::fabs(got - ref)
         << ", rtol " << rtol << ")";
}

Tensor grad_tensor(const Reference& r, const Case& c) {
  return Tensor::from_vector(r.grad_z, Shape{c.M, c.d});
}

// ---- CPU against the reference ------------------------------------------------------------------

// f32 tolerance: s_ij = <zhat_i, zhat_j> / tau carries an absolute error of ~6e-8 sqrt(d) / tau
// (tau down to 0.05), which the softmax weights exp(s - lse) inherit relatively, on top of the f32
// normalisation; the worst gradient element of these cases is off by ~2e-6 of the gradient's
// scale. 2e-5 leaves a 10x margin.
constexpr double kF32Rtol = 2e-5;
constexpr double kF64Rtol = 1e-10;

// Gradients: tensors_close, except where the reference is exactly zero (M = 2: one pair and no
// negatives, so every row's softmax is 1 on its positive and the loss is 0).
::testing::AssertionResult grads_close(const std::string& what, const Tensor& got,
                                       const Tensor& ref, double rtol) {
  double ref_max = 0.0, got_max = 0.0;
  for (double v : ref.to_vector<double>()) ref_max = std::max(ref_max, std::fabs(v));
  for (double v : got.to_vector<double>()) got_max = std::max(got_max, std::fabs(v));
  if (ref_max > 0.0) return tensors_close(what, got, ref, rtol);
  if (got_max <= 1e-7) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": reference is zero, got max |grad| " << got_max;
}

using CpuParam = std::tuple<int, int, DType>;  // M, d, dtype

std::vector<CpuParam> cpu_params() {
  std::vector<CpuParam> ps;
  for (int M : {2, 3, 5, 17, 64, 65, 130, 513, 700}) {
    for (int d : {2, 7, 33, 129}) {
      for (DType dt : {DType::f32, DType::f64}) ps.emplace_back(M, d, dt);
    }
  }
  // larger M, one d each (the float64 reference is O(M^2 d))
  ps.emplace_back(1100, 67, DType::f32);
  ps.emplace_back(2048, 100, DType::f32);
  ps.emplace_back(2048, 100, DType::f64);
  return ps;
}

class ContrastiveCpu : public ::testing::TestWithParam<CpuParam> {};

TEST_P(ContrastiveCpu, MatchesFloat64Reference) {
  const auto [M, d, dt] = GetParam();
  const Case c = random_case(M, d, 1000u * static_cast<uint64_t>(M) + static_cast<uint64_t>(d));
  const Reference ref = reference(c.z, c.ids, M, d, c.tau);
  ASSERT_GT(ref.anchors, 0);
  if (M >= 64) {
    EXPECT_GT(c.duplicates, 0) << "the case should contain duplicated view rows";
    EXPECT_LT(ref.anchors, M) << "the case should contain rows without positives";
  }
  const OpResult got = run_op(c, dt, Device::CPU);
  const double rtol = dt == DType::f32 ? kF32Rtol : kF64Rtol;
  const std::string name = "M" + std::to_string(M) + "_d" + std::to_string(d) + "_tau" +
                           std::to_string(c.tau) + (dt == DType::f32 ? "_f32" : "_f64");
  EXPECT_TRUE(close(name + " loss", got.loss.item(), ref.loss, rtol));
  EXPECT_EQ(got.anchors, ref.anchors) << name;
  if (dt == DType::f32) {
    // f32 may flip a near-tie between the best positive and the best negative of one row
    EXPECT_NEAR(got.accuracy, ref.accuracy, 1.01 / ref.anchors) << name;
  } else {
    EXPECT_EQ(got.accuracy, static_cast<float>(ref.accuracy)) << name;  // an f32 scalar
  }
  EXPECT_TRUE(grads_close(name + " grad", got.grad, grad_tensor(ref, c), rtol));
}

INSTANTIATE_TEST_SUITE_P(Shapes, ContrastiveCpu, ::testing::ValuesIn(cpu_params()),
                         [](const ::testing::TestParamInfo<CpuParam>& info) {
                           return "M" + std::to_string(std::get<0>(info.param)) + "_d" +
                                  std::to_string(std::get<1>(info.param)) +
                                  (std::get<2>(info.param) == DType::f32 ? "_f32" : "_f64");
                         });

// ---- float64 central differences through the normalisation --------------------------------------

void gradcheck(const Case& c) {
  Tensor z = Tensor::from_vector(c.z, Shape{c.M, c.d});
  z.set_requires_grad(true);
  Tensor ids = Tensor::from_vector(c.ids, Shape{c.M, 3});
  contrastive_loss(z, ids, c.tau).loss.backward();
  const std::vector<double> analytic = z.grad().to_vector<double>();
  Tensor probe = Tensor::from_vector(c.z, Shape{c.M, c.d});
  double* x = probe.data<double>();
  double max_abs = 0.0;
  for (int64_t e = 0; e < probe.numel(); ++e) {
    const double x0 = x[e], h = 1e-6;
    x[e] = x0 + h;
    const double lp = loss_of(probe, c.ids, c.tau);
    x[e] = x0 - h;
    const double lm = loss_of(probe, c.ids, c.tau);
    x[e] = x0;
    const double numeric = (lp - lm) / (2 * h);
    max_abs = std::max(max_abs, std::fabs(numeric));
    EXPECT_NEAR(analytic[e], numeric, 1e-7 + 1e-5 * std::fabs(numeric)) << "element " << e;
  }
  EXPECT_GT(max_abs, 1e-3) << "the gradient should not vanish";
}

TEST(ContrastiveGradCheck, CentralDifferencesFloat64) {
  Case c;
  c.M = 10;
  c.d = 5;
  c.tau = 0.3;
  c.ids = {0, 0, 0, 0, 0, 1,           // a pair
           1, 0, 0, 1, 0, 1, 1, 0, 2,  // three views of one record and region
           1, 0, 1,                    // a duplicate of the row above's view 1: excluded
           0, 1, 0, 0, 1, 1,           // region 1 of record 0: negatives of the first pair
           2, 0, 0, 3, 0, 1};          // two rows without positive
  c.z = kernels::testing::random_vec(static_cast<size_t>(c.M) * c.d, 17u);
  gradcheck(c);
}

TEST(ContrastiveGradCheck, RandomCasesFloat64) {
  for (int M : {4, 13, 24}) {
    Case c = random_case(M, 6, 77u + static_cast<uint64_t>(M));
    SCOPED_TRACE("M = " + std::to_string(M) + ", tau = " + std::to_string(c.tau));
    if (reference(c.z, c.ids, c.M, c.d, c.tau).anchors == 0) continue;
    gradcheck(c);
  }
}

// ---- exact self-similarity exclusion and NT-Xent
// --------------------------------------------------

// Hand-written SimCLR NT-Xent over 2N rows z = [view a; view b]: the positive of row i is row
// i +- N, the denominator sums over every k != i. With `subtract_e`, the self term is removed by
// subtracting e = exp(1) from the full row sum instead of exp(s_ii) = exp(1/tau): the bug of a
// published ECG SimCLR implementation (it leaves exp(1/tau) - e of self-similarity in the
// denominator whenever tau != 1).
double nt_xent(const std::vector<double>& z, int N, int d, double tau, bool subtract_e) {
  const int M = 2 * N;
  const std::vector<double> zh = normalize_rows(z, M, d);
  double total = 0.0;
  for (int i = 0; i < M; ++i) {
    const int p = i < N ? i + N : i - N;
    double denom = 0.0, sp = 0.0;
    for (int k = 0; k < M; ++k) {
      double s = 0.0;
      for (int e = 0; e < d; ++e) s += zh[i * d + e] * zh[k * d + e];
      s /= tau;
      if (k == p) sp = s;
      if (k != i || subtract_e) denom += std::exp(s);
    }
    if (subtract_e) denom -= std::exp(1.0);
    total += -sp + std::log(denom);
  }
  return total / M;
}

// ids of the NT-Xent layout: record n, region 0, view 0 for rows < N and view 1 after.
std::vector<int32_t> nt_xent_ids(int N) {
  std::vector<int32_t> ids;
  for (int v = 0; v < 2; ++v) {
    for (int n = 0; n < N; ++n) ids.insert(ids.end(), {n, 0, v});
  }
  return ids;
}

TEST(ContrastiveSelfSimilarity, ExcludedExactlyNotBySubtractingE) {
  const int N = 8, d = 16;
  const std::vector<double> z = kernels::testing::random_vec(2 * N * d, 5u);
  Tensor zt = Tensor::from_vector(z, Shape{2 * N, d});
  for (double tau : {0.1, 0.5}) {
    const double ours = loss_of(zt, nt_xent_ids(N), tau);
    const double exact = nt_xent(z, N, d, tau, false);
    const double buggy = nt_xent(z, N, d, tau, true);
    EXPECT_NEAR(ours, exact, 1e-12 * std::fabs(exact)) << "tau = " << tau;
    // the leaked self term exp(1/tau) - e is large next to the 2N - 1 other terms
    EXPECT_GT(std::fabs(ours - buggy), 0.05)
        << "tau = " << tau << ": ours " << ours << ", buggy " << buggy;
  }
  // At tau = 1, e = exp(1/tau): the buggy form coincides with the exact one, which confirms that
  // the reimplemented bug differs from the exact loss only by the self term.
  EXPECT_NEAR(nt_xent(z, N, d, 1.0, true), loss_of(zt, nt_xent_ids(N), 1.0), 1e-12);
}

TEST(ContrastiveNtXent, OneRegionTwoViewsIsSimClrLoss) {
  const int N = 23, d = 40;
  const std::vector<double> z = kernels::testing::random_vec(2 * N * d, 11u);
  const double tau = 0.2;
  const double ref = nt_xent(z, N, d, tau, false);
  // the row order does not matter: permute rows (and their ids) together
  std::vector<int32_t> ids = nt_xent_ids(N);
  std::vector<double> zp(z.size());
  std::vector<int32_t> idp(ids.size());
  for (int i = 0; i < 2 * N; ++i) {
    const int src = (7 * i + 3) % (2 * N);  // 7 is coprime with 46: a permutation
    std::copy(z.begin() + src * d, z.begin() + (src + 1) * d, zp.begin() + i * d);
    std::copy(ids.begin() + 3 * src, ids.begin() + 3 * src + 3, idp.begin() + 3 * i);
  }
  Tensor zt = Tensor::from_vector(zp, Shape{2 * N, d});
  Tensor idt = Tensor::from_vector(idp, Shape{2 * N, 3});
  ContrastiveOutput o = contrastive_loss(zt, idt, tau);
  EXPECT_EQ(o.anchors, 2 * N);
  EXPECT_NEAR(o.loss.item(), ref, 1e-12 * ref);
  EXPECT_GT(ref, 0.0);
}

// ---- accuracy
// -------------------------------------------------------------------------------------

// One-hot embeddings: row (record n, region g, view v) = e_{n * regions + g}. Positives have
// similarity 1, every negative 0.
Case separated_case(int records, int regions) {
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

TEST(ContrastiveAccuracy, PerfectlySeparatedIsOne) {
  for (DType dt : {DType::f32, DType::f64}) {
    const Case c = separated_case(6, 4);
    const OpResult r = run_op(c, dt, Device::CPU);
    EXPECT_EQ(r.anchors, c.M);
    EXPECT_EQ(r.accuracy, 1.0);
  }
}

TEST(ContrastiveAccuracy, CountsMissesAndTiesExactly) {
  // Row (n, g, v) sits at index (n * 3 + g) * 2 + v, with embedding e_{3n + g}.
  // Row 1 = (0, 0, 1) points away from its positive: rows 0 and 1 see their positive at similarity
  // -1 below negatives at 0 (two misses).
  // Row 13 = (2, 0, 1) becomes (e_6 + e_9) / sqrt(2): its positive (row 12, e_6) and a negative
  // (row 18 = (3, 0, 0), e_9) tie bit for bit at 1 / sqrt(2), which counts as a miss; rows 12, 18
  // and 19 still see their positive strictly first.
  Case c = separated_case(5, 3);
  c.z[1 * c.d + 0] = -1.0;
  c.z[13 * c.d + 6] = 1.0;
  c.z[13 * c.d + 9] = 1.0;
  for (DType dt : {DType::f32, DType::f64}) {
    const OpResult r = run_op(c, dt, Device::CPU);
    EXPECT_EQ(r.anchors, c.M);
    // accuracy is an f32 scalar
    EXPECT_EQ(r.accuracy, static_cast<float>(static_cast<double>(c.M - 3) / c.M));
    EXPECT_EQ(r.accuracy, static_cast<float>(reference(c.z, c.ids, c.M, c.d, c.tau).accuracy));
  }
}

// ---- errors
// ---------------------------------------------------------------------------------------

TEST(ContrastiveErrors, NameTheArgument) {
  const Tensor z = Tensor::from_vector(kernels::testing::random_vec(12, 3u), Shape{4, 3});
  const Tensor ids =
      Tensor::from_vector(std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1}, Shape{4, 3});
  ASSERT_NO_THROW(contrastive_loss(z, ids, 0.1));
  expect_throw_with([&] { contrastive_loss(z.reshape(Shape{12}), ids, 0.1); },
                    {"contrastive_loss", "'z'", "rank"});
  expect_throw_with(
      [&] {
        contrastive_loss(Tensor::zeros(Shape{4, 3}, DType::i32), ids, 0.1);
      },
      {"contrastive_loss", "'z'", "f32 or f64"});
  expect_throw_with([&] { contrastive_loss(z, ids.to(DType::f32), 0.1); },
                    {"contrastive_loss", "'ids'", "i32"});
  expect_throw_with(
      [&] {
        contrastive_loss(z, Tensor::zeros(Shape{4, 2}, DType::i32), 0.1);
      },
      {"contrastive_loss", "'ids'", "[4, 2]", "(4, 3)"});
  expect_throw_with(
      [&] {
        contrastive_loss(z, Tensor::zeros(Shape{5, 3}, DType::i32), 0.1);
      },
      {"contrastive_loss", "'ids'", "(4, 3)"});
  expect_throw_with(
      [&] {
        contrastive_loss(Tensor::zeros(Shape{4, 0}), ids, 0.1);
      },
      {"contrastive_loss", "'z'"});
  for (double tau : {0.0, -0.5, static_cast<double>(NAN), static_cast<double>(INFINITY), 1e-320}) {
    expect_throw_with([&] { contrastive_loss(z, ids, tau); }, {"contrastive_loss", "'tau'"});
  }
  // distinct records everywhere: no positives
  expect_throw_with(
      [&] {
        contrastive_loss(z,
                         Tensor::from_vector(
                             std::vector<int32_t>{0, 0, 0, 1, 0, 1, 2, 0, 0, 3, 0, 1}, Shape{4, 3}),
                         0.1);
      },
      {"contrastive_loss", "no anchor", "'ids'"});
  // same record and region but the same view: duplicates, excluded, still no positive
  expect_throw_with(
      [&] {
        contrastive_loss(z, Tensor::zeros(Shape{4, 3}, DType::i32), 0.1);
      },
      {"contrastive_loss", "no anchor", "'ids'"});
  expect_throw_with(
      [&] {
        contrastive_loss(z.reshape(Shape{1, 12}), Tensor::zeros(Shape{1, 3}, DType::i32), 0.1);
      },
      {"contrastive_loss", "no anchor", "M = 1"});
}

TEST(ContrastiveErrors, KernelArguments) {
  std::vector<double> v(8, 0.0);
  std::vector<int32_t> iv(8, 0);
  double loss = 0.0;
  float acc = 0.0f;
  int32_t anchors = 0;
  expect_throw_with(
      [&] {
        kernels::contrastive_forward_cpu<double>(&loss, &acc, &anchors, v.data(), iv.data(),
                                                 v.data(), iv.data(), v.data(), iv.data(), -1, 2,
                                                 10.0);
      },
      {"contrastive_forward_cpu", "M = -1"});
  expect_throw_with(
      [&] {
        kernels::contrastive_forward_cpu<double>(&loss, &acc, &anchors, v.data(), iv.data(),
                                                 v.data(), iv.data(), v.data(), iv.data(), 2, 2,
                                                 0.0);
      },
      {"contrastive_forward_cpu", "inv_tau"});
  expect_throw_with(
      [&] {
        kernels::contrastive_backward_cpu<double>(v.data(), &loss, v.data(), iv.data(), v.data(),
                                                  iv.data(), 0, 2, 2, 10.0);
      },
      {"contrastive_backward_cpu", "anchors = 0"});
}

// ---- kernel outputs: guards, written (=) semantics
// --------------------------------------------------

template <typename T>
void check_kernels_guarded() {
  const Case c = random_case(150, 21, 4242u);
  const Reference ref = reference(c.z, c.ids, c.M, c.d, c.tau);
  ASSERT_GT(ref.anchors, 0);
  for (double l : ref.lse) ASSERT_TRUE(std::isfinite(l)) << "every row needs a valid column here";
  const int M = c.M, d = c.d;
  const std::vector<double> zh = normalize_rows(c.z, M, d);
  const std::vector<T> zt = kernels::testing::cast_vec<T>(zh);
  Guarded<T> loss(1), lse(M), spos(M);
  Guarded<float> acc(1);
  Guarded<int32_t> anchors(1), pos(M), hit(M);
  kernels::contrastive_forward_cpu<T>(loss.data(), acc.data(), anchors.data(), lse.data(),
                                      pos.data(), spos.data(), hit.data(), zt.data(), c.ids.data(),
                                      M, d, 1.0 / c.tau);
  for (auto* g : {&loss, &lse, &spos}) EXPECT_TRUE(g->intact("forward output"));
  EXPECT_TRUE(acc.intact("accuracy"));
  for (auto* g : {&anchors, &pos, &hit}) EXPECT_TRUE(g->intact("forward i32 output"));
  const double rtol = sizeof(T) == 4 ? kF32Rtol : kF64Rtol;
  EXPECT_EQ(anchors.values()[0], ref.anchors);
  EXPECT_TRUE(close("loss", loss.values()[0], ref.loss, rtol));
  const std::vector<double> lv = lse.values(), sv = spos.values(), pv = pos.values();
  for (int i = 0; i < M; ++i) {
    EXPECT_EQ(pv[i], ref.pos[i]) << "row " << i;
    EXPECT_TRUE(close("row_lse " + std::to_string(i), lv[i], ref.lse[i], rtol));
    EXPECT_TRUE(close("row_spos " + std::to_string(i), sv[i], ref.spos[i], rtol));
  }

  // backward: the poisoned (NaN) output proves it is written, not accumulated; the upstream
  // gradient 2.5 scales the reference's d loss / d zhat
  Guarded<T> grad(static_cast<size_t>(M) * d);
  const T g = T(2.5);
  std::vector<T> lse_t(lv.begin(), lv.end());
  std::vector<int32_t> pos_t(pv.begin(), pv.end());
  kernels::contrastive_backward_cpu<T>(grad.data(), &g, zt.data(), c.ids.data(), lse_t.data(),
                                       pos_t.data(), ref.anchors, M, d, 1.0 / c.tau);
  EXPECT_TRUE(grad.intact("grad_zhat"));
  // the tangential part of d loss / d zhat is what reaches z: compare the projections
  const std::vector<double> gv = grad.values();
  std::vector<double> got_z(gv.size());
  std::vector<double> norms;
  normalize_rows(c.z, M, d, &norms);
  for (int i = 0; i < M; ++i) {
    double dot = 0.0;
    for (int k = 0; k < d; ++k) dot += zh[i * d + k] * gv[i * d + k];
    for (int k = 0; k < d; ++k) {
      got_z[i * d + k] = (gv[i * d + k] - zh[i * d + k] * dot) / norms[i] / 2.5;
    }
  }
  EXPECT_TRUE(tensors_close("grad through normalisation", Tensor::from_vector(got_z, Shape{M, d}),
                            grad_tensor(ref, c), rtol));
}

TEST(ContrastiveKernels, GuardedOutputsFloat) {
  check_kernels_guarded<float>();
}
TEST(ContrastiveKernels, GuardedOutputsDouble) {
  check_kernels_guarded<double>();
}

// ---- determinism
// ----------------------------------------------------------------------------------

TEST(ContrastiveDeterminism, CpuBitIdentical) {
  const Case c = random_case(700, 50, 99u);
  const OpResult a = run_op(c, DType::f32, Device::CPU);
  const OpResult b = run_op(c, DType::f32, Device::CPU);
  EXPECT_EQ(a.loss.item(), b.loss.item());
  EXPECT_EQ(a.grad.to_vector<float>(), b.grad.to_vector<float>());
}

// ---- CUDA against the CPU
// ---------------------------------------------------------------------------

// CUDA f32 against the CPU f64 op (the CPU f32 op for the largest M, where an f64 run would be
// slow, so both sides carry f32 error there): the error analysis of kF32Rtol applies, and the
// device sums each row's up to 65,536 terms in a different order (sequentially per thread over
// the column tiles, then a shuffle tree), so the bound is 5x the CPU f32 one.
constexpr double kCudaRtol = 1e-4;

class ContrastiveCuda : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(ContrastiveCuda, MatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  const auto [M, d] = GetParam();
  const Case c = random_case(M, d, 31337u + static_cast<uint64_t>(M));
  const DType ref_dt = M > 5000 ? DType::f32 : DType::f64;
  const OpResult ref = run_op(c, ref_dt, Device::CPU);
  const OpResult got = run_op(c, DType::f32, Device::CUDA);
  const std::string name = "cuda M" + std::to_string(M) + "_d" + std::to_string(d);
  EXPECT_EQ(got.anchors, ref.anchors) << name;
  EXPECT_TRUE(close(name + " loss", got.loss.item(), ref.loss.item(), kCudaRtol));
  EXPECT_NEAR(got.accuracy, ref.accuracy, 2.01 / ref.anchors) << name;  // near-ties may flip
  EXPECT_TRUE(grads_close(name + " grad", got.grad, ref.grad, kCudaRtol));
  // the device kernels use no atomics: a second run gives the same bits
  const OpResult again = run_op(c, DType::f32, Device::CUDA);
  EXPECT_EQ(again.loss.item(), got.loss.item()) << name;
  EXPECT_EQ(again.grad.to_vector<float>(), got.grad.to_vector<float>()) << name;
}

TEST_P(ContrastiveCuda, Float64MatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  const auto [M, d] = GetParam();
  if (M > 5000) GTEST_SKIP() << "f64 parity runs for M <= 5000 only (CPU reference time)";
  const Case c = random_case(M, d, 4711u + static_cast<uint64_t>(M));
  const OpResult ref = run_op(c, DType::f64, Device::CPU);
  const OpResult got = run_op(c, DType::f64, Device::CUDA);
  const std::string name = "cuda f64 M" + std::to_string(M) + "_d" + std::to_string(d);
  EXPECT_EQ(got.anchors, ref.anchors) << name;
  EXPECT_TRUE(close(name + " loss", got.loss.item(), ref.loss.item(), 1e-10));
  EXPECT_EQ(got.accuracy, ref.accuracy) << name;
  EXPECT_TRUE(grads_close(name + " grad", got.grad, ref.grad, 1e-9));
}

// The exact-tie and miss accounting of CountsMissesAndTiesExactly on the device.
TEST(ContrastiveCudaAccuracy, CountsMissesAndTiesExactly) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  Case c = separated_case(5, 3);
  c.z[1 * c.d + 0] = -1.0;
  c.z[13 * c.d + 6] = 1.0;
  c.z[13 * c.d + 9] = 1.0;
  for (DType dt : {DType::f32, DType::f64}) {
    const OpResult r = run_op(c, dt, Device::CUDA);
    EXPECT_EQ(r.anchors, c.M);
    EXPECT_EQ(r.accuracy, static_cast<float>(static_cast<double>(c.M - 3) / c.M));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ContrastiveCuda,
                         ::testing::Values(std::tuple{2, 5}, std::tuple{37, 33},
                                           std::tuple{1000, 100}, std::tuple{4097, 128},
                                           std::tuple{65536, 128}),
                         [](const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
                           return "M" + std::to_string(std::get<0>(info.param)) + "_d" +
                                  std::to_string(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace acl::testing
