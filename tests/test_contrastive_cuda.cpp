// contrastive_loss (engine/ops_contrastive.h) on CUDA against the CPU: parity rows, the f64
// refusal and the accuracy accounting on the device (skipped without a GPU).
#include "tests/contrastive_test_util.h"

namespace acl::testing {
namespace {

// ---- CUDA against the CPU ----------------------------------------------------------------------

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

// The CUDA kernels are compiled for f32 only: an f64 tensor on the device is refused by name.
TEST(ContrastiveCudaFloat64, IsRefused) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  const Case c = random_case(8, 4, 4711u);
  try {
    run_op(c, DType::f64, Device::CUDA);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the CUDA kernels take f32 tensors"), std::string::npos)
        << e.what();
  }
}

// The exact-tie and miss accounting of CountsMissesAndTiesExactly on the device.
TEST(ContrastiveCudaAccuracy, CountsMissesAndTiesExactly) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  const Case c = misses_and_ties_case();
  const OpResult r = run_op(c, DType::f32, Device::CUDA);
  EXPECT_EQ(r.anchors, c.M);
  EXPECT_EQ(r.accuracy, static_cast<float>(static_cast<double>(c.M - 3) / c.M));
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
