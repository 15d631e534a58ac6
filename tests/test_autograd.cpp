// The autograd tape: shared subexpressions, a tensor used twice, no-grad, accumulation over two
// backward calls, leaves vs non-leaves, and error cases. Expected gradients are worked by hand.
#include <gtest/gtest.h>

#include "engine/autograd.h"
#include "engine/ops.h"

namespace acl {
namespace {

Tensor param(std::vector<double> v) {
  Tensor t = Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
  t.set_requires_grad(true);
  return t;
}

TEST(Autograd, TensorUsedTwice) {
  Tensor x = param({1.0, -2.0, 3.0});
  sum(mul(x, x)).backward();  // d/dx sum(x^2) = 2x
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2.0, -4.0, 6.0}));
}

TEST(Autograd, SharedSubexpression) {
  // y = x * 3; z = y * y + y  ->  dz/dx = (2y + 1) * 3
  Tensor x = param({1.0, 2.0});
  Tensor y = scale(x, 3.0);
  sum(add(mul(y, y), y)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(),
            (std::vector<double>{(2 * 3 + 1) * 3.0, (2 * 6 + 1) * 3.0}));
}

TEST(Autograd, DiamondThroughReshapeAndSlice) {
  Tensor x = param({1, 2, 3, 4, 5, 6});
  Tensor m = reshape(x, Shape{2, 3});
  Tensor a = slice(m, 1, 0, 2);  // columns 0,1
  Tensor b = slice(m, 1, 1, 3);  // columns 1,2
  sum(mul(a, b)).backward();     // sum_r m[r,0]m[r,1] + m[r,1]m[r,2]
  // d/dm[r,0] = m[r,1]; d/dm[r,1] = m[r,0] + m[r,2]; d/dm[r,2] = m[r,1]
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 1 + 3, 2, 5, 4 + 6, 5}));
}

TEST(Autograd, AccumulatesOverTwoBackwardCalls) {
  Tensor x = param({1.0, 2.0});
  sum(scale(x, 2.0)).backward();
  sum(mul(x, x)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2.0 + 2.0, 2.0 + 4.0}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  Tensor loss = sum(scale(x, 5.0));
  loss.backward();
  loss.backward();  // the graph stays alive with its root: a second pass accumulates again
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{10.0, 10.0}));
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = param({1.0});
  {
    NoGradGuard ng;
    Tensor y = mul(x, x);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    EXPECT_THROW(y.backward(), std::invalid_argument);
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_TRUE(mul(x, x).requires_grad());
}

TEST(Autograd, ConstantsGetNoGradient) {
  Tensor x = param({1.0, 2.0});
  Tensor c = Tensor::from_vector(std::vector<double>{3.0, 4.0}, Shape{2});
  sum(mul(x, c)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3.0, 4.0}));
  EXPECT_FALSE(c.grad().defined());
}

TEST(Autograd, DetachCutsTheGraph) {
  Tensor x = param({2.0});
  Tensor y = mul(x, x.detach());  // d/dx = x (only the first factor)
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2.0}));
}

TEST(Autograd, ExplicitSeedForNonScalar) {
  Tensor x = param({1.0, 2.0});
  Tensor y = scale(x, 3.0);
  EXPECT_THROW(y.backward(), std::invalid_argument);  // needs a seed
  y.backward(Tensor::from_vector(std::vector<double>{1.0, -1.0}, Shape{2}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3.0, -3.0}));
}

TEST(Autograd, OnlyLeavesCanBeMarked) {
  Tensor x = param({1.0});
  Tensor y = scale(x, 2.0);
  EXPECT_THROW(y.set_requires_grad(true), std::invalid_argument);
  EXPECT_THROW(Tensor::zeros(Shape{1}, DType::i32).set_requires_grad(true), std::invalid_argument);
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
  Tensor x = param({1.0});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = scale(y, 1.0);
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1.0}));
}

}  // namespace
}  // namespace acl
