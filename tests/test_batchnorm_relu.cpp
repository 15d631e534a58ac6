// The fused batch norm + ReLU (batchnorm1d_relu, BatchNorm1d::forward_relu) against relu of the
// plain batch norm, through autograd: outputs, input / gamma / beta gradients and running
// statistics bit for bit, in f32 and f64, training and eval; the module's state (running
// statistics, num_batches_tracked) over several steps; the op's argument errors.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "models/layers.h"
#include "tests/test_util.h"

namespace acl {
namespace {

using testing::same_bytes;

struct Result {
  Tensor out, gx, gg, gb, rm, rv;
};

// loss = sum(f(x, gamma, beta) * w); training or eval with running statistics (rm0, rv0).
Result run(bool fused, bool training, const Tensor& x0, const Tensor& g0, const Tensor& b0,
           const Tensor& rm0, const Tensor& rv0, const Tensor& w) {
  Tensor x = x0.clone().set_requires_grad(), g = g0.clone().set_requires_grad(),
         b = b0.clone().set_requires_grad();
  Tensor rm = rm0.clone(), rv = rv0.clone();
  Tensor out = fused ? batchnorm1d_relu(x, g, b, rm, rv, training, 0.1, 1e-5)
                     : relu(batchnorm1d(x, g, b, rm, rv, training, 0.1, 1e-5));
  sum(mul(out, w)).backward();
  return {out, x.grad(), g.grad(), b.grad(), rm, rv};
}

TEST(BatchNormRelu, OpEqualsReluOfBatchNormBitForBit) {
  for (DType dt : {DType::f32, DType::f64}) {
    for (Shape s : {Shape{4, 3, 37}, Shape{16, 5}, Shape{2, 12, 250}, Shape{2, 2, 1}}) {
      for (bool training : {true, false}) {
        const std::string what = std::string(dt == DType::f32 ? "f32 " : "f64 ") + s.str() +
                                 (training ? " train" : " eval");
        SCOPED_TRACE(what);
        const int64_t C = s[1];
        Rng rng(7, static_cast<uint64_t>(s.numel()));
        Tensor x = Tensor::normal(s, 0.3, 1.7, rng, DType::f64).to(DType::f32).to(dt);
        Tensor w = Tensor::normal(s, 0, 1, rng, DType::f64).to(DType::f32).to(dt);
        // gamma of both signs: the ReLU keeps the low side of some channels.
        Tensor g = Tensor::uniform(Shape{C}, -1.5, 1.5, rng, DType::f64).to(DType::f32).to(dt);
        Tensor b = Tensor::normal(Shape{C}, 0, 0.5, rng, DType::f64).to(DType::f32).to(dt);
        Tensor rm = Tensor::normal(Shape{C}, 0.3, 0.5, rng, DType::f64).to(DType::f32).to(dt);
        Tensor rv = Tensor::uniform(Shape{C}, 0.5, 3.0, rng, DType::f64).to(DType::f32).to(dt);
        const Result want = run(false, training, x, g, b, rm, rv, w);
        const Result got = run(true, training, x, g, b, rm, rv, w);
        EXPECT_TRUE(same_bytes(got.out, want.out)) << what << " out";
        EXPECT_TRUE(same_bytes(got.gx, want.gx)) << what << " d/dx";
        EXPECT_TRUE(same_bytes(got.gg, want.gg)) << what << " d/dgamma";
        EXPECT_TRUE(same_bytes(got.gb, want.gb)) << what << " d/dbeta";
        EXPECT_TRUE(same_bytes(got.rm, want.rm)) << what << " running_mean";
        EXPECT_TRUE(same_bytes(got.rv, want.rv)) << what << " running_var";
        // The ReLU did something: some outputs zeroed, some kept.
        int64_t zeros = 0;
        for (double v : got.out.to_vector<double>()) zeros += v == 0.0;
        EXPECT_GT(zeros, 0);
        EXPECT_LT(zeros, s.numel());
      }
    }
  }
}

// Two identically initialised modules, one through forward_relu and one through relu(forward),
// trained three steps (same inputs, plain SGD on both) and then evaluated: every step's output
// and gradients and the final state equal bit for bit.
TEST(BatchNormRelu, ModuleForwardReluEqualsReluOfForward) {
  const int C = 6;
  models::BatchNorm1d fused(C), plain(C);
  Rng rng(11, 2);
  for (int step = 0; step < 4; ++step) {
    const bool training = step < 3;
    fused.train(training);
    plain.train(training);
    const std::string what = "step " + std::to_string(step);
    Tensor x = Tensor::normal(Shape{5, C, 9}, 0.5, 2.0, rng);
    Tensor w = Tensor::normal(Shape{5, C, 9}, 0, 1, rng);
    Tensor xf = x.clone().set_requires_grad(), xp = x.clone().set_requires_grad();
    Tensor yf = fused.forward_relu(xf), yp = relu(plain.forward(xp));
    EXPECT_TRUE(same_bytes(yf, yp)) << what;
    sum(mul(yf, w)).backward();
    sum(mul(yp, w)).backward();
    EXPECT_TRUE(same_bytes(xf.grad(), xp.grad())) << what;
    const auto pf = fused.named_parameters(), pp = plain.named_parameters();
    ASSERT_EQ(pf.size(), pp.size());
    for (size_t i = 0; i < pf.size(); ++i) {
      EXPECT_TRUE(same_bytes(pf[i].second.grad(), pp[i].second.grad())) << what << pf[i].first;
      NoGradGuard ng;
      for (Tensor p : {pf[i].second, pp[i].second}) p.copy_from(sub(p, scale(p.grad(), 0.5)));
    }
    fused.zero_grad();
    plain.zero_grad();
  }
  const auto sf = fused.state_dict(), sp = plain.state_dict();
  ASSERT_EQ(sf.size(), sp.size());
  for (size_t i = 0; i < sf.size(); ++i) {
    EXPECT_EQ(sf[i].first, sp[i].first);
    EXPECT_TRUE(same_bytes(sf[i].second, sp[i].second)) << sf[i].first;
  }
  EXPECT_EQ(fused.num_batches_tracked().to_vector<int32_t>(), std::vector<int32_t>{3});
}

TEST(BatchNormRelu, ErrorsNameTheFusedOp) {
  Tensor x = Tensor::zeros(Shape{4, 3, 5});
  try {
    batchnorm1d_relu(x, Tensor::ones(Shape{4}), Tensor(), Tensor(), Tensor(), true);
    FAIL() << "gamma of the wrong size was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batchnorm1d_relu"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gamma"), std::string::npos) << e.what();
  }
  try {
    batchnorm1d_relu(x, Tensor(), Tensor(), Tensor(), Tensor(), false);
    FAIL() << "eval without running statistics was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batchnorm1d_relu"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("running_mean"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace acl
