// Every op on every backend, compared with the CPU float64 result: forward output and the
// gradients of sum(out * W) with respect to every differentiable input. A backend that is not
// present on this machine skips with a message. Tolerances: each case's f32 bound (tests/op_cases).
#include <gtest/gtest.h>

#include <tuple>

#include "engine/device_select.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "tests/backend_compare.h"
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

OpRun run(const OpCase& c, DType dt, Device dev) {
  return run_op(c.fn, make_inputs(c, dt, dev), dt, dev, 99, 7);
}

class BackendOps : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(BackendOps, MatchesCpuFloat64) {
  const OpCase& c = op_cases()[std::get<0>(GetParam())];
  const Backend& b = kBackends[std::get<1>(GetParam())];
  if (b.device == Device::CUDA && !cuda_available()) {
    GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  }
  expect_backend_matches_f64_cpu(
      c.name, b.name, b.dtype, b.device, [&](DType dt, Device dev) { return run(c, dt, dev); },
      c.f32_rtol);
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
