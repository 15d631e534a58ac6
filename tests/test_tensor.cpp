// Tensor: creation, shapes, dtypes (bf16 rounding), views, conversions and error messages.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops.h"
#include "engine/rng.h"
#include "engine/tensor.h"

namespace acl {
namespace {

TEST(Tensor, CreationAndMetadata) {
  Tensor t = Tensor::zeros(Shape{2, 3, 4});
  EXPECT_EQ(t.rank(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.device(), Device::CPU);
  EXPECT_EQ(t.str(), "f32[2, 3, 4] cpu");
  EXPECT_EQ(Tensor::full(Shape{3}, 2.5, DType::f64).to_vector<double>(),
            (std::vector<double>{2.5, 2.5, 2.5}));
  EXPECT_EQ(Tensor::scalar(7.0).rank(), 0);
  EXPECT_DOUBLE_EQ(Tensor::scalar(7.0).item(), 7.0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
}

TEST(Tensor, RankAboveFourThrows) {
  EXPECT_THROW(Shape({1, 2, 3, 4, 5}), std::invalid_argument);
}

TEST(Tensor, FromVectorChecksCount) {
  try {
    Tensor::from_vector(std::vector<float>{1, 2, 3}, Shape{2, 2});
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 2]"), std::string::npos) << e.what();
  }
}

TEST(Tensor, ReshapeSharesStorage) {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor b = a.reshape(Shape{3, 2});
  EXPECT_EQ(a.raw_data(), b.raw_data());
  b.data<float>()[5] = 42;
  EXPECT_EQ(a.to_vector<float>()[5], 42);
  EXPECT_THROW(a.reshape(Shape{4, 2}), std::invalid_argument);
}

TEST(Tensor, DtypeConversionsRoundTrip) {
  Tensor a = Tensor::from_vector(std::vector<double>{1.5, -2.25, 3.0e9}, Shape{3});
  EXPECT_EQ(a.to(DType::f32).to_vector<double>(), (std::vector<double>{1.5, -2.25, 3.0e9}));
  Tensor i = Tensor::from_vector(std::vector<int32_t>{-3, 0, 9}, Shape{3});
  EXPECT_EQ(i.to(DType::f64).to_vector<double>(), (std::vector<double>{-3, 0, 9}));
}

TEST(Tensor, Bf16RoundsToNearestEven) {
  // 1 + 2^-8 lies exactly between bf16 neighbours 1 and 1 + 2^-7: ties go to the even mantissa (1).
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f + 1.0f / 256)), 1.0f);
  // 1 + 3 * 2^-8 lies between 1 + 2^-7 and 1 + 2^-6: ties to even gives 1 + 2^-6.
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f + 3.0f / 256)), 1.0f + 1.0f / 64);
  EXPECT_EQ(bf16_to_float(float_to_bf16(-2.0f)), -2.0f);
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(NAN))));
  EXPECT_TRUE(std::isinf(bf16_to_float(float_to_bf16(INFINITY))));
  Rng rng(3);
  Tensor x = Tensor::normal(Shape{1000}, 0, 1, rng);
  std::vector<float> back = x.to(DType::bf16).to_vector<float>(), orig = x.to_vector<float>();
  for (size_t k = 0; k < orig.size(); ++k) {
    EXPECT_LE(std::fabs(back[k] - orig[k]), std::fabs(orig[k]) * (1.0f / 256)) << k;
  }
}

TEST(Tensor, OpsRejectBf16WithHint) {
  Tensor a = Tensor::ones(Shape{2}, DType::bf16);
  try {
    relu(a);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("relu"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bf16"), std::string::npos);
  }
}

TEST(Tensor, DataAccessChecksDtype) {
  Tensor a = Tensor::zeros(Shape{2});
  EXPECT_THROW(a.data<double>(), std::invalid_argument);
  EXPECT_THROW(Tensor().shape(), std::logic_error);
}

TEST(Tensor, ShapeMismatchNamesOpAndShapes) {
  Tensor a = Tensor::zeros(Shape{2, 3}), b = Tensor::zeros(Shape{3, 2});
  try {
    add(a, b);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("add"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
  }
  try {
    matmul(a, a);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("matmul"), std::string::npos) << e.what();
  }
  Tensor x = Tensor::zeros(Shape{1, 4, 10}), w = Tensor::zeros(Shape{6, 3, 3});
  try {
    conv1d(x, w, Tensor(), {1, 0, 1, 2});
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("conv1d"), std::string::npos) << m;
    EXPECT_NE(m.find("[6, 3, 3]"), std::string::npos) << m;
  }
  EXPECT_THROW(add(a, Tensor::zeros(Shape{2, 3}, DType::f64)), std::invalid_argument);
  EXPECT_THROW(cross_entropy(a, Tensor::from_vector(std::vector<int32_t>{0, 3}, Shape{2})),
               std::invalid_argument);  // target 3 outside [0, 3)
  EXPECT_THROW(gather_rows(a, Tensor::from_vector(std::vector<int32_t>{2}, Shape{1})),
               std::invalid_argument);
  EXPECT_THROW(slice(a, 1, 2, 2), std::invalid_argument);
  EXPECT_THROW(sum(a, 2), std::invalid_argument);
}

TEST(Tensor, CudaTensorWithoutCudaBuildOrDeviceFailsClearly) {
#ifndef ACL_HAVE_CUDA
  try {
    Tensor::zeros(Shape{2}, DType::f32, Device::CUDA);
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
  }
#else
  GTEST_SKIP() << "built with CUDA: device tensors are covered by test_backend_ops";
#endif
}

}  // namespace
}  // namespace acl
