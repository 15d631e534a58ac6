// Every op on every backend, compared with the CPU float64 result: forward output and the
// gradients of sum(out * W) with respect to every differentiable input. A backend that is not
// present on this machine skips with a message. Tolerances: each case's f32 bound (tests/op_cases).
#include <gtest/gtest.h>

#include <tuple>

#include "engine/device_select.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "tests/op_cases.h"
#include "tests/test_util.h"

namespace acl::testing {
namespace {

struct Backend {
  const char* name;
  Device device;
  DType dtype;
};
const Backend kBackends[] = {{"cpu_f32", Device::CPU, DType::f32},
                             {"cuda_f32", Device::CUDA, DType::f32}};

struct Result {
  Tensor out;
  std::vector<Tensor> grads;  // undefined where the input is not differentiated
};

Result run(const OpCase& c, DType dt, Device dev) {
  std::vector<Tensor> in = make_inputs(c, dt, dev);
  Result r;
  r.out = c.fn(in);
  Rng rng(99, 7);
  Tensor w = Tensor::normal(r.out.shape(), 0, 1, rng, DType::f64).to(DType::f32).to(dt).to(dev);
  sum(mul(r.out, w)).backward();
  for (const Tensor& t : in) r.grads.push_back(t.requires_grad() ? t.grad() : Tensor());
  return r;
}

class BackendOps : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(BackendOps, MatchesCpuFloat64) {
  const OpCase& c = op_cases()[std::get<0>(GetParam())];
  const Backend& b = kBackends[std::get<1>(GetParam())];
  if (b.device == Device::CUDA && !cuda_available()) {
    GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  }
  Result ref = run(c, DType::f64, Device::CPU);
  Result got = run(c, b.dtype, b.device);
  EXPECT_EQ(got.out.device(), b.device);
  EXPECT_TRUE(tensors_close(c.name + " forward on " + b.name, got.out, ref.out, c.f32_rtol));
  for (size_t k = 0; k < ref.grads.size(); ++k) {
    if (!ref.grads[k].defined()) continue;
    ASSERT_TRUE(got.grads[k].defined()) << c.name << ": no gradient for input " << k;
    EXPECT_TRUE(tensors_close(c.name + " grad of input " + std::to_string(k) + " on " + b.name,
                              got.grads[k], ref.grads[k], c.f32_rtol));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, BackendOps,
                         ::testing::Combine(::testing::Range<size_t>(0, op_cases().size()),
                                            ::testing::Range<size_t>(0, std::size(kBackends))),
                         [](const ::testing::TestParamInfo<std::tuple<size_t, size_t>>& info) {
                           return sanitize_test_name(op_cases()[std::get<0>(info.param)].name) +
                                  "_" + kBackends[std::get<1>(info.param)].name;
                         });

}  // namespace
}  // namespace acl::testing
