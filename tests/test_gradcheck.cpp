// Finite-difference gradient check in float64 for every differentiable op of tests/op_cases.cpp.
//
// For a case f and inputs x, the analytic gradient of L = sum(f(x) * W) (W a fixed random
// projection, so every output element matters) is compared with central differences of L.
// Points where the function is not differentiable at the probe scale (ReLU near 0, max-pool
// near-ties) are detected by disagreement between two step sizes and skipped, not by loosening
// the tolerance; at most 5 % of the probed points may be skipped.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "tests/op_cases.h"
#include "tests/test_util.h"

namespace acl::testing {
namespace {

class GradCheck : public ::testing::TestWithParam<size_t> {};

double projected(const OpCase& c, const std::vector<Tensor>& in, const std::vector<double>& w) {
  NoGradGuard ng;
  std::vector<double> out = c.fn(in).to_vector<double>();
  double s = 0.0;
  for (size_t i = 0; i < out.size(); ++i) s += out[i] * w[i];
  return s;
}

TEST_P(GradCheck, MatchesCentralDifferences) {
  const OpCase& c = op_cases()[GetParam()];
  std::vector<Tensor> in = make_inputs(c, DType::f64, Device::CPU);
  Tensor out = c.fn(in);
  ASSERT_TRUE(out.requires_grad()) << c.name << " recorded no gradient";
  Rng rng(99, 7);
  Tensor w = Tensor::normal(out.shape(), 0, 1, rng, DType::f64);
  sum(mul(out, w)).backward();
  std::vector<double> wv = w.to_vector<double>();

  const double h_small = 1e-6, h_large = 1e-4, atol = 1e-6, rtol = 1e-5;
  int probed = 0, skipped = 0, checked_inputs = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    if (!in[k].requires_grad()) continue;
    ++checked_inputs;
    Tensor grad = in[k].grad();
    ASSERT_TRUE(grad.defined()) << c.name << ": input " << k << " got no gradient";
    std::vector<double> analytic = grad.to_vector<double>();
    double* x = in[k].data<double>();
    double max_abs = 0.0;
    for (int64_t j = 0; j < in[k].numel(); ++j) {
      double x0 = x[j];
      auto diff = [&](double h) {
        x[j] = x0 + h;
        double lp = projected(c, in, wv);
        x[j] = x0 - h;
        double lm = projected(c, in, wv);
        x[j] = x0;
        return (lp - lm) / (2 * h);
      };
      double fine = diff(h_small), coarse = diff(h_large);
      ++probed;
      if (std::fabs(fine - coarse) > 1e-3 * (1 + std::fabs(fine))) {
        ++skipped;  // a kink within h_large of the point
        continue;
      }
      max_abs = std::max(max_abs, std::fabs(analytic[j]));
      EXPECT_NEAR(analytic[j], fine, atol + rtol * std::fabs(fine))
          << c.name << ": input " << k << " element " << j;
    }
    EXPECT_GT(max_abs, 0.0) << c.name << ": gradient of input " << k << " is identically zero";
  }
  EXPECT_GT(checked_inputs, 0) << c.name;
  EXPECT_LE(skipped, probed / 20) << c.name << ": too many non-differentiable probe points";
}

INSTANTIATE_TEST_SUITE_P(Ops, GradCheck, ::testing::Range<size_t>(0, op_cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return sanitize_test_name(op_cases()[info.param].name);
                         });

}  // namespace
}  // namespace acl::testing
