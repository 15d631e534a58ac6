// contrastive_loss (engine/ops_contrastive.h) and its kernels (kernels/contrastive.h): accuracy
// on separated cases (misses and exact ties), error messages of the op and of the kernels, and
// guarded kernel outputs (written, not accumulated).
#include "tests/contrastive_test_util.h"

namespace acl::testing {
namespace {

using kernels::testing::expect_throw_with;
using kernels::testing::Guarded;

// ---- accuracy ----------------------------------------------------------------------------------

TEST(ContrastiveAccuracy, PerfectlySeparatedIsOne) {
  for (DType dt : {DType::f32, DType::f64}) {
    const Case c = separated_case(6, 4);
    const OpResult r = run_op(c, dt, Device::CPU);
    EXPECT_EQ(r.anchors, c.M);
    EXPECT_EQ(r.accuracy, 1.0);
  }
}

TEST(ContrastiveAccuracy, CountsMissesAndTiesExactly) {
  const Case c = misses_and_ties_case();
  for (DType dt : {DType::f32, DType::f64}) {
    const OpResult r = run_op(c, dt, Device::CPU);
    EXPECT_EQ(r.anchors, c.M);
    // accuracy is an f32 scalar
    EXPECT_EQ(r.accuracy, static_cast<float>(static_cast<double>(c.M - 3) / c.M));
    EXPECT_EQ(r.accuracy, static_cast<float>(reference(c.z, c.ids, c.M, c.d, c.tau).accuracy));
  }
}

// ---- errors ------------------------------------------------------------------------------------

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

// ---- kernel outputs: guards, written (=) semantics ---------------------------------------------

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

}  // namespace
}  // namespace acl::testing
