// Running an op on one backend and judging it against the f64 CPU reference, shared by the
// backend comparison (test_backend_ops) and the CUDA smoke test (test_cuda_ops_smoke).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "engine/rng.h"
#include "engine/tensor.h"
#include "tests/test_util.h"

namespace acl::testing {

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// An op's output and the gradient of each input (undefined where an input is not differentiated).
struct OpRun {
  Tensor out;
  std::vector<Tensor> grads;
};

// fn(in) and its input gradients under the loss sum(out * w), w ~ N(0, 1) from Rng(seed, stream),
// drawn in f64 and rounded to f32 so that every dtype and device weighs the output alike.
inline OpRun run_op(const OpFn& fn, const std::vector<Tensor>& in, DType dt, Device dev,
                    uint64_t seed, uint64_t stream) {
  OpRun r;
  r.out = fn(in);
  Rng rng(seed, stream);
  Tensor w = Tensor::normal(r.out.shape(), 0, 1, rng, DType::f64).to(DType::f32).to(dt).to(dev);
  sum(mul(r.out, w)).backward();
  for (const Tensor& t : in) r.grads.push_back(t.requires_grad() ? t.grad() : Tensor());
  return r;
}

// Case `name` run by run(dtype, device) in `dt` on `dev` (backend `on`) against its f64 CPU run:
// the output stays on `dev`, and the output and the gradient of every input the reference
// differentiates agree within rtol (tensors_close).
template <typename Run>
void expect_backend_matches_f64_cpu(const std::string& name, const std::string& on, DType dt,
                                    Device dev, Run run, double rtol) {
  OpRun ref = run(DType::f64, Device::CPU);
  OpRun got = run(dt, dev);
  EXPECT_EQ(got.out.device(), dev);
  EXPECT_TRUE(tensors_close(name + " forward on " + on, got.out, ref.out, rtol));
  for (size_t k = 0; k < ref.grads.size(); ++k) {
    if (!ref.grads[k].defined()) continue;
    ASSERT_TRUE(got.grads[k].defined()) << name << ": no gradient for input " << k;
    EXPECT_TRUE(tensors_close(name + " grad of input " + std::to_string(k) + " on " + on,
                              got.grads[k], ref.grads[k], rtol));
  }
}

}  // namespace acl::testing
