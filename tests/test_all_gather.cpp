// Global-batch contrastive gradients and synchronised batch-norm across ranks, against one process
// computing the same global batch. Run directly (one rank) and by ctest under mpirun at np = 2, 3.
//
// The all-gather's gradient has three known ways to go wrong (gathered rows cut from the graph, the
// gathered gradient not summed over the ranks' losses, the world size divided out twice); each one
// makes a rank's row gradients differ from the single-process gradient of the same rows, which is
// what these tests compare.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/comm/all_gather.h"
#include "engine/comm/sync_batchnorm.h"
#include "engine/comm/tensor_comm.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "tests/comm_test_util.h"

namespace acl {
namespace {

using testing::world;

// |got - want| <= 1e-10 + 1e-9 |want| (float64 throughout; the reductions differ only in order).
void expect_close(const std::vector<double>& got, const std::vector<double>& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double ref_max = 0;
  for (double w : want) ref_max = std::max(ref_max, std::abs(w));
  ASSERT_GT(ref_max, 0) << what << ": the reference is all zeros";
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-10 + 1e-9 * std::abs(want[i]))
        << what << " element " << i << " (rank " << world().rank() << " of " << world().size()
        << ")";
}

double global_sum(double v) {
  world().allreduce(&v, &v, 1, comm::CommType::f64, comm::ReduceOp::kSum);
  return v;
}

struct Case {
  int regions;
  int views;
};

// Rows in the single-process layout of the objective: row (v * B + b) * R + r has ids (b, r, v).
Tensor ids_of(int64_t B, int R, int V) {
  std::vector<int32_t> v;
  for (int view = 0; view < V; ++view)
    for (int64_t b = 0; b < B; ++b)
      for (int r = 0; r < R; ++r) v.insert(v.end(), {static_cast<int32_t>(b), r, view});
  return Tensor::from_vector(v, Shape{V * B * R, 3});
}

TEST(AllGather, ContrastiveGradientOfOwnRowsEqualsSingleProcess) {
  comm::Communicator& c = world();
  const int size = c.size(), rank = c.rank();
  for (Case k : {Case{1, 2}, Case{4, 2}, Case{3, 3}}) {
    const int R = k.regions, V = k.views;
    const int64_t Bl = 2, B = Bl * size, d = 5;
    const std::string what =
        "R=" + std::to_string(R) + " V=" + std::to_string(V) + " np=" + std::to_string(size);
    // The global batch, drawn identically on every rank.
    Rng rng(1234 + R, 7);
    Tensor full = Tensor::normal(Shape{V * B * R, d}, 0.0, 1.0, rng, DType::f64);
    full.set_requires_grad();
    ContrastiveOutput ref = contrastive_loss(full, ids_of(B, R, V), 0.2);
    ref.loss.backward();
    const std::vector<double> zf = full.detach().to_vector<double>();
    const std::vector<double> gf = full.grad().to_vector<double>();

    // This rank's records b = rank * Bl + j, in the objective's local layout.
    std::vector<double> zl, gwant;
    for (int v = 0; v < V; ++v)
      for (int64_t j = 0; j < Bl; ++j)
        for (int r = 0; r < R; ++r) {
          const int64_t row = (v * B + rank * Bl + j) * R + r;
          zl.insert(zl.end(), zf.begin() + row * d, zf.begin() + (row + 1) * d);
          gwant.insert(gwant.end(), gf.begin() + row * d, gf.begin() + (row + 1) * d);
        }
    Tensor local = Tensor::from_vector(zl, Shape{V * Bl * R, d});
    local.set_requires_grad();
    ContrastiveOutput share = comm::contrastive_loss_share(c, local, ids_of(Bl, R, V), 0.2);
    share.loss.backward();
    expect_close(local.grad().to_vector<double>(), gwant, "d loss / d own rows, " + what);
    EXPECT_NEAR(global_sum(share.loss.item()), ref.loss.item(), 1e-12 * std::abs(ref.loss.item()))
        << what;
    EXPECT_NEAR(global_sum(share.accuracy.item()), ref.accuracy.item(), 1e-6) << what;
    EXPECT_EQ(static_cast<int64_t>(global_sum(static_cast<double>(share.anchors))), ref.anchors)
        << what;
  }
}

TEST(AllGather, ForwardRowsAndBackwardSumOverRanks) {
  comm::Communicator& c = world();
  const int size = c.size(), rank = c.rank();
  Tensor x = Tensor::from_vector(std::vector<double>{1.0 + rank, -2.0 * rank, 0.5}, Shape{1, 3});
  x.set_requires_grad();
  Tensor all = comm::all_gather(c, x);
  ASSERT_EQ(all.shape(), (Shape{size, 3}));
  for (int r = 0; r < size; ++r)
    EXPECT_EQ(all.to_vector<double>()[static_cast<size_t>(3 * r)], 1.0 + r);
  // Rank q's loss weights row r by (q + 1) * (r + 2): d(sum_q loss_q)/d x_r = (r + 2) * sum_q
  // (q+1).
  std::vector<double> w;
  for (int r = 0; r < size; ++r) w.insert(w.end(), 3, (rank + 1.0) * (r + 2.0));
  sum(mul(all, Tensor::from_vector(w, Shape{size, 3}))).backward();
  const double want = (rank + 2.0) * size * (size + 1) / 2.0;
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{want, want, want}));
}

// Synchronised batch-norm over the ranks' slices equals batchnorm1d over the whole batch: outputs,
// input / gamma / beta gradients and running statistics; and the same for batchnorm1d_relu (the
// whole batch through the fused kernels, the ranks through the synchronised batch norm + relu).
TEST(SyncBatchNorm, RanksEqualTheWholeBatch) {
  comm::Communicator& c = world();
  const int size = c.size(), rank = c.rank();
  for (auto [L, fused] :
       {std::pair{1, false}, std::pair{5, false}, std::pair{1, true}, std::pair{5, true}}) {
    const int64_t Bl = 3, B = Bl * size, C = 4;
    const std::string what = "L=" + std::to_string(L) + " np=" + std::to_string(size) +
                             (fused ? " batchnorm1d_relu" : " batchnorm1d");
    const Shape full_shape = L == 1 ? Shape{B, C} : Shape{B, C, L};
    const Shape local_shape = L == 1 ? Shape{Bl, C} : Shape{Bl, C, L};
    Rng rng(99 + L, 3);
    Tensor xf = Tensor::normal(full_shape, 0.7, 2.0, rng, DType::f64);
    Tensor wf = Tensor::normal(full_shape, 0.0, 1.0, rng, DType::f64);  // loss = sum(out * w)
    Tensor gamma0 = Tensor::uniform(Shape{C}, 0.5, 1.5, rng, DType::f64);
    Tensor beta0 = Tensor::uniform(Shape{C}, -0.2, 0.2, rng, DType::f64);

    auto run = [&](const Tensor& x_in, const Tensor& w, bool sync) {
      Tensor x = x_in.clone().set_requires_grad();
      Tensor g = gamma0.clone().set_requires_grad(), b = beta0.clone().set_requires_grad();
      Tensor rm = Tensor::zeros(Shape{C}, DType::f64), rv = Tensor::ones(Shape{C}, DType::f64);
      comm::SyncBatchNormScope scope(sync ? &c : nullptr);
      Tensor out = fused ? batchnorm1d_relu(x, g, b, rm, rv, true, 0.1, 1e-5)
                         : batchnorm1d(x, g, b, rm, rv, true, 0.1, 1e-5);
      sum(mul(out, w)).backward();
      struct R {
        std::vector<double> out, gx, gg, gb, rm, rv;
      };
      return R{out.to_vector<double>(),      x.grad().to_vector<double>(),
               g.grad().to_vector<double>(), b.grad().to_vector<double>(),
               rm.to_vector<double>(),       rv.to_vector<double>()};
    };
    const auto ref = run(xf, wf, false);
    const int64_t per_row = C * L;
    auto rows = [&](const Tensor& t) {
      std::vector<double> v = t.to_vector<double>();
      return std::vector<double>(v.begin() + rank * Bl * per_row,
                                 v.begin() + (rank + 1) * Bl * per_row);
    };
    auto own = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + rank * Bl * per_row,
                                 v.begin() + (rank + 1) * Bl * per_row);
    };
    const auto got = run(Tensor::from_vector(rows(xf), local_shape),
                         Tensor::from_vector(rows(wf), local_shape), true);
    expect_close(got.out, own(ref.out), "out, " + what);
    expect_close(got.gx, own(ref.gx), "d/dx, " + what);
    expect_close(got.rm, ref.rm, "running_mean, " + what);
    expect_close(got.rv, ref.rv, "running_var, " + what);
    // gamma / beta gradients: each rank holds its own part; their sum is the whole batch's.
    Tensor gg = Tensor::from_vector(got.gg, Shape{C}), gb = Tensor::from_vector(got.gb, Shape{C});
    comm::allreduce(c, gg, comm::ReduceOp::kSum);
    comm::allreduce(c, gb, comm::ReduceOp::kSum);
    expect_close(gg.to_vector<double>(), ref.gg, "d/dgamma, " + what);
    expect_close(gb.to_vector<double>(), ref.gb, "d/dbeta, " + what);
  }
}

// The gradient-ready hook fires once per leaf, after its last contribution, with the final value.
TEST(GradReadyHook, FiresOnceWhenTheLeafIsFinal) {
  Tensor a = Tensor::from_vector(std::vector<double>{1, 2}, Shape{2}).set_requires_grad();
  Tensor b = Tensor::from_vector(std::vector<double>{3, 4}, Shape{2}).set_requires_grad();
  Tensor unused = Tensor::from_vector(std::vector<double>{5}, Shape{1}).set_requires_grad();
  std::vector<std::pair<const TensorImpl*, std::vector<double>>> seen;
  {
    GradReadyHook hook([&](const Tensor& leaf) {
      seen.push_back({&leaf.impl(), leaf.grad().to_vector<double>()});
    });
    // a feeds three nodes (two of them late in backward), b one.
    Tensor y = add(mul(a, b), scale(a, 3.0));
    sum(add(y, mul(a, a))).backward();
  }
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& [impl, g] : seen) {
    if (impl == &a.impl()) {
      EXPECT_EQ(g, (std::vector<double>{3 + 3 + 2, 4 + 3 + 4}));
    } else {
      EXPECT_EQ(impl, &b.impl());
      EXPECT_EQ(g, (std::vector<double>{1, 2}));
    }
  }
  EXPECT_FALSE(unused.grad().defined());
}

}  // namespace
}  // namespace acl
