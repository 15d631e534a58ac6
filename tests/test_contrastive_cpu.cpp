// contrastive_loss (engine/ops_contrastive.h) on the CPU against the float64 reference. Random
// cases mix several regions, 2-3 views, duplicated (record, region, view) rows that must be
// excluded, and rows without positives; M is not a multiple of the kernels' tiles (64 rows, 512 /
// 64 columns) and d not a multiple of their dimension chunks (32 / 64 / 16). Also: float64
// central differences of the op, the exact self-similarity exclusion against the "subtract e"
// bug, SimCLR's NT-Xent as the one-region two-view special case, and CPU determinism.
#include "tests/contrastive_test_util.h"

namespace acl::testing {
namespace {

// ---- CPU against the reference -----------------------------------------------------------------

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

// ---- float64 central differences through the normalisation -------------------------------------

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

// ---- exact self-similarity exclusion and NT-Xent -----------------------------------------------

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

// ---- determinism -------------------------------------------------------------------------------

TEST(ContrastiveDeterminism, CpuBitIdentical) {
  const Case c = random_case(700, 50, 99u);
  const OpResult a = run_op(c, DType::f32, Device::CPU);
  const OpResult b = run_op(c, DType::f32, Device::CPU);
  EXPECT_EQ(a.loss.item(), b.loss.item());
  EXPECT_EQ(a.grad.to_vector<float>(), b.grad.to_vector<float>());
}

}  // namespace
}  // namespace acl::testing
