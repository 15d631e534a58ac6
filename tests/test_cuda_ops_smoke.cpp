// Ops at sizes the small cases of test_backend_ops do not reach: rows longer than a warp, sums
// longer than a block, grids of many blocks, the encoders' convolution shapes (lead-grouped and
// ResNet), repeated gather indices. Each case runs forward + backward of sum(out * W) on every
// backend and is compared with the CPU float64 result; the CPU f32 rows also run where there is no
// GPU (and check the cases themselves), the CUDA rows skip. Plus what only CUDA can get wrong:
// the dropout mask bit for bit equal to the CPU's, bit-reproducible gradient sums, index errors
// raised from the device, i32 copies, the stream and cuBLAS-handle registry.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "engine/device_select.h"
#include "engine/host_memory.h"
#include "engine/ops.h"
#include "engine/rng.h"
#include "engine/storage.h"
#include "kernels/runtime/host_sync.h"
#include "tests/backend_compare.h"
#include "tests/kernel_test_util.h"
#include "tests/test_util.h"

#ifdef ACL_HAVE_CUDA
#include "kernels/runtime/stream.h"
#endif

namespace acl::testing {
namespace {

using Inputs = std::vector<Tensor>;
using acl::kernels::testing::expect_throw_with;

struct Backend {
  const char* name;
  Device device;
};
const Backend kBackends[] = {{"cpu_f32", Device::CPU}, {"cuda_f32", Device::CUDA}};

bool skip_backend(Device d) {
  return d == Device::CUDA && !cuda_available();
}

struct Input {
  Shape shape;
  enum Kind { normal, positive, index } kind = normal;
  int range = 0;  // index: values in [0, range)
};

struct BigCase {
  std::string name;
  std::vector<Input> inputs;
  std::function<Tensor(const Inputs&)> fn;
  // f32 bound: sums here run over up to ~10^5 terms; a tree/serial f32 sum of n O(1) terms is
  // within ~n * 2^-24 relative of its magnitude, and the floor of tensors_close is max|ref|.
  double rtol = 1e-4;
};

// Inputs drawn in f64 with a seed per (case, operand), rounded to f32, then converted.
Inputs make(const BigCase& c, DType dt, Device dev, bool grad) {
  Inputs out;
  uint64_t seed = 0;
  for (char ch : c.name) seed = seed * 131 + static_cast<unsigned char>(ch);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const Input& in = c.inputs[i];
    Rng rng(seed, i);
    Tensor t;
    if (in.kind == Input::index) {
      std::vector<int32_t> idx(static_cast<size_t>(in.shape.numel()));
      for (auto& v : idx) v = static_cast<int32_t>(rng.uniform() * in.range) % in.range;
      t = Tensor::from_vector(idx, in.shape);
    } else {
      Tensor d = in.kind == Input::normal ? Tensor::normal(in.shape, 0, 1, rng, DType::f64)
                                          : Tensor::uniform(in.shape, 0.5, 1.5, rng, DType::f64);
      t = d.to(DType::f32).to(dt);
    }
    if (dev != Device::CPU) t = t.to(dev);
    if (grad && in.kind == Input::normal) t.set_requires_grad(true);
    out.push_back(t);
  }
  return out;
}

OpRun run(const BigCase& c, DType dt, Device dev) {
  return run_op(c.fn, make(c, dt, dev, true), dt, dev, 4242, 1);
}

Conv1dOptions conv_opts(int stride, int pad, int dil, int groups) {
  Conv1dOptions o;
  o.stride = stride;
  o.padding = pad;
  o.dilation = dil;
  o.groups = groups;
  return o;
}

std::vector<BigCase> build() {
  std::vector<BigCase> cs;
  auto add = [&](std::string name, std::vector<Input> in, std::function<Tensor(const Inputs&)> fn,
                 double rtol = 1e-4) {
    cs.push_back(BigCase{std::move(name), std::move(in), std::move(fn), rtol});
  };
  // reductions: full (block tree), inner < 32 with long n (block tree), inner >= 32 (columns)
  add(
      "sum_all_100003", {{Shape{100003}}}, [](const Inputs& in) { return sum(in[0]); }, 2e-4);
  add("mean_dim1_7x2000x3", {{Shape{7, 2000, 3}}}, [](const Inputs& in) { return mean(in[0], 1); });
  add("sum_dim0_300x65", {{Shape{300, 65}}}, [](const Inputs& in) { return sum(in[0], 0); });
  // rows longer than a warp
  add("log_softmax_37x1000", {{Shape{37, 1000}}},
      [](const Inputs& in) { return log_softmax(in[0]); });
  add("cross_entropy_700x71", {{Shape{700, 71}}, {Shape{700}, Input::index, 71}},
      [](const Inputs& in) { return cross_entropy(in[0], in[1]); });
  add("bce_with_logits_64x71", {{Shape{64, 71}}, {Shape{64, 71}, Input::positive}},
      [](const Inputs& in) { return bce_with_logits(in[0], scale(in[1], 0.5)); });
  add("l2_normalize_100x515", {{Shape{100, 515}}},
      [](const Inputs& in) { return l2_normalize(in[0]); });
  // batch norm: channels longer than a block, 2-D with many rows
  add("batchnorm1d_train_16x7x300", {{Shape{16, 7, 300}}, {Shape{7}}, {Shape{7}}},
      [](const Inputs& in) {
        Tensor rm = Tensor::zeros(Shape{7}, in[0].dtype(), in[0].device());
        Tensor rv = Tensor::ones(Shape{7}, in[0].dtype(), in[0].device());
        return batchnorm1d(in[0], in[1], in[2], rm, rv, true, 0.1, 1e-5);
      });
  add("batchnorm1d_train_600x3", {{Shape{600, 3}}, {Shape{3}}, {Shape{3}}}, [](const Inputs& in) {
    return batchnorm1d(in[0], in[1], in[2], Tensor(), Tensor(), true, 0.1, 1e-5);
  });
  add("batchnorm1d_eval_8x33x40",
      {{Shape{8, 33, 40}},
       {Shape{33}},
       {Shape{33}},
       {Shape{33}, Input::positive},
       {Shape{33}, Input::positive}},
      [](const Inputs& in) {
        return batchnorm1d(in[0], in[1], in[2], in[3], in[4], false, 0.1, 1e-5);
      });
  // fused batch norm + ReLU: channels longer than a block, and eval
  add("batchnorm1d_relu_train_16x7x300", {{Shape{16, 7, 300}}, {Shape{7}}, {Shape{7}}},
      [](const Inputs& in) {
        Tensor rm = Tensor::zeros(Shape{7}, in[0].dtype(), in[0].device());
        Tensor rv = Tensor::ones(Shape{7}, in[0].dtype(), in[0].device());
        return batchnorm1d_relu(in[0], in[1], in[2], rm, rv, true, 0.1, 1e-5);
      });
  add("batchnorm1d_relu_eval_8x33x40",
      {{Shape{8, 33, 40}},
       {Shape{33}},
       {Shape{33}},
       {Shape{33}, Input::positive},
       {Shape{33}, Input::positive}},
      [](const Inputs& in) {
        return batchnorm1d_relu(in[0], in[1], in[2], in[3], in[4], false, 0.1, 1e-5);
      });
  // convolutions of the encoders: lead-wise stem (12 groups, K=15, stride 2), grouped VGG block,
  // ResNet stage (K=7), a strided 1x1 downsample
  add("conv1d_leadwise_B3_12x24_L250_K15_s2_p7_g12",
      {{Shape{3, 12, 250}}, {Shape{24, 1, 15}}, {Shape{24}}},
      [](const Inputs& in) { return conv1d(in[0], in[1], in[2], conv_opts(2, 7, 1, 12)); });
  add("conv1d_grouped_B2_96x128_L63_K3_p1_g8",
      {{Shape{2, 96, 63}}, {Shape{128, 12, 3}}, {Shape{128}}},
      [](const Inputs& in) { return conv1d(in[0], in[1], in[2], conv_opts(1, 1, 1, 8)); });
  add("conv1d_resnet_B2_64x64_L63_K7_p3", {{Shape{2, 64, 63}}, {Shape{64, 64, 7}}},
      [](const Inputs& in) { return conv1d(in[0], in[1], Tensor(), conv_opts(1, 3, 1, 1)); });
  add("conv1d_downsample_B4_64x128_L125_K1_s2", {{Shape{4, 64, 125}}, {Shape{128, 64, 1}}},
      [](const Inputs& in) { return conv1d(in[0], in[1], Tensor(), conv_opts(2, 0, 1, 1)); });
  add("conv1d_dilated_B2_8x8_L300_K7_p6_d2", {{Shape{2, 8, 300}}, {Shape{8, 8, 7}}, {Shape{8}}},
      [](const Inputs& in) { return conv1d(in[0], in[1], in[2], conv_opts(1, 6, 2, 1)); });
  // pooling over long rows
  add("max_pool1d_4x16x1000_K3_s2_p1", {{Shape{4, 16, 1000}}},
      [](const Inputs& in) { return max_pool1d(in[0], 3, 2, 1); });
  add("avg_pool1d_4x16x999_K4_s3_p2", {{Shape{4, 16, 999}}},
      [](const Inputs& in) { return avg_pool1d(in[0], 4, 3, 2); });
  add("global_avg_pool1d_4x64x1250", {{Shape{4, 64, 1250}}},
      [](const Inputs& in) { return global_avg_pool1d(in[0]); });
  // GEMMs with sizes that are not multiples of any tile
  add("matmul_130x257x65", {{Shape{130, 257}}, {Shape{257, 65}}},
      [](const Inputs& in) { return matmul(in[0], in[1]); });
  add("linear_300x129_to_33", {{Shape{300, 129}}, {Shape{33, 129}}, {Shape{33}}},
      [](const Inputs& in) { return linear(in[0], in[1], in[2]); });
  // gathers with repeated rows (backward sums several grad rows into one)
  add("gather_rows_N50_M300_row70", {{Shape{50, 7, 10}}, {Shape{300}, Input::index, 50}},
      [](const Inputs& in) { return gather_rows(in[0], in[1]); });
  add("concat_slice_gelu", {{Shape{5, 40, 33}}, {Shape{5, 17, 33}}}, [](const Inputs& in) {
    return gelu(slice(concat({in[0], in[1]}, 1), 1, 3, 50));
  });
  add("dropout_p0.25_3000", {{Shape{3000}}}, [](const Inputs& in) {
    Rng rng(77, 3);
    return dropout(relu(in[0]), 0.25, true, rng);
  });
  return cs;
}

const std::vector<BigCase>& cases() {
  static const std::vector<BigCase> cs = build();
  return cs;
}

class CudaOpsSmoke : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(CudaOpsSmoke, MatchesCpuFloat64) {
  const BigCase& c = cases()[std::get<0>(GetParam())];
  const Backend& b = kBackends[std::get<1>(GetParam())];
  if (skip_backend(b.device)) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  expect_backend_matches_f64_cpu(
      c.name, b.name, DType::f32, b.device, [&](DType dt, Device dev) { return run(c, dt, dev); },
      c.rtol);
}

INSTANTIATE_TEST_SUITE_P(Big, CudaOpsSmoke,
                         ::testing::Combine(::testing::Range<size_t>(0, cases().size()),
                                            ::testing::Range<size_t>(0, std::size(kBackends))),
                         [](const ::testing::TestParamInfo<std::tuple<size_t, size_t>>& info) {
                           return sanitize_test_name(cases()[std::get<0>(info.param)].name) + "_" +
                                  kBackends[std::get<1>(info.param)].name;
                         });

class CudaOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  }
};

// The mask is a pure function of (seed, stream, offset): bit-identical on both devices.
TEST_F(CudaOnly, DropoutMaskIsBitIdenticalToCpu) {
  Rng data(5, 0);
  Tensor x = Tensor::normal(Shape{4097}, 0, 1, data);
  Rng a(1234, 9), b(1234, 9);
  std::vector<float> cpu = dropout(x, 0.4, true, a).to_vector<float>();
  std::vector<float> gpu = dropout(x.to(Device::CUDA), 0.4, true, b).to_vector<float>();
  ASSERT_EQ(cpu.size(), gpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) ASSERT_EQ(cpu[i], gpu[i]) << "element " << i;
  EXPECT_EQ(a.counter(), b.counter());
}

// Gradient sums use fixed reduction trees (no atomics): two runs agree bit for bit.
TEST_F(CudaOnly, GradientsAreBitReproducible) {
  auto grads = [] {
    Rng rng(8, 1);
    Tensor x = Tensor::normal(Shape{4, 12, 250}, 0, 1, rng).to(Device::CUDA);
    Tensor w = Tensor::normal(Shape{24, 1, 15}, 0, 1, rng).to(Device::CUDA);
    Tensor bias = Tensor::normal(Shape{24}, 0, 1, rng).to(Device::CUDA);
    Tensor gamma = Tensor::ones(Shape{24}, DType::f32, Device::CUDA);
    Tensor beta = Tensor::zeros(Shape{24}, DType::f32, Device::CUDA);
    for (Tensor* t : {&w, &bias, &gamma, &beta}) t->set_requires_grad(true);
    Tensor y = conv1d(x, w, bias, conv_opts(2, 7, 1, 12));
    y = batchnorm1d(y, gamma, beta, Tensor(), Tensor(), true);
    Tensor loss = mean(global_avg_pool1d(max_pool1d(relu(y), 3, 2, 1)));
    loss.backward();
    std::vector<std::vector<float>> out;
    for (Tensor* t : {&w, &bias, &gamma, &beta}) out.push_back(t->grad().to_vector<float>());
    out.push_back(loss.to_vector<float>());
    return out;
  };
  auto first = grads(), second = grads();
  ASSERT_EQ(first.size(), second.size());
  for (size_t k = 0; k < first.size(); ++k) {
    ASSERT_EQ(first[k].size(), second[k].size());
    for (size_t i = 0; i < first[k].size(); ++i) {
      ASSERT_EQ(first[k][i], second[k][i]) << "tensor " << k << " element " << i;
    }
  }
}

// Index arguments are checked on the device and reported with their position and value.
TEST_F(CudaOnly, BadIndicesThrowFromTheDevice) {
  Tensor logits = Tensor::zeros(Shape{5, 4}, DType::f32, Device::CUDA);
  Tensor targets = Tensor::from_vector(std::vector<int32_t>{0, 1, 2, 7, 9}, Shape{5});
  expect_throw_with([&] { cross_entropy(logits, targets.to(Device::CUDA)); },
                    {"targets[3] = 7 is outside [0, 4)"});
  Tensor x = Tensor::zeros(Shape{3, 2}, DType::f32, Device::CUDA);
  Tensor index = Tensor::from_vector(std::vector<int32_t>{2, -1, 0}, Shape{3});
  expect_throw_with([&] { gather_rows(x, index.to(Device::CUDA)); },
                    {"index[1] = -1 is outside [0, 3)"});
  // The stream is still usable afterwards.
  EXPECT_EQ(sum(Tensor::ones(Shape{10}, DType::f32, Device::CUDA)).item(), 10.0);
}

// The CUDA kernels are compiled for f32 only: an op on an f64 device tensor throws, naming the op;
// an optimizer step does too. Copies of f64 tensors between devices still work.
TEST_F(CudaOnly, Float64IsRefusedOnDevice) {
  Tensor x = Tensor::from_vector(std::vector<double>{1, -2, 3}, Shape{3}).to(Device::CUDA);
  EXPECT_EQ(x.to(Device::CPU).to_vector<double>(), (std::vector<double>{1, -2, 3}));
  auto expect_refused = [](const std::function<void()>& f, const std::string& op) {
    expect_throw_with(f, {op + ": the CUDA kernels take f32 tensors, got f64"});
  };
  expect_refused([&] { relu(x); }, "relu");
  expect_refused([&] { sum(x); }, "sum");
  expect_refused([&] { slice(x, 0, 0, 2); }, "slice");
  expect_refused([&] { add(x, x); }, "add");
}

// Index tensors move through concat/slice/gather on the device.
TEST_F(CudaOnly, Int32CopiesOnDevice) {
  Tensor a = Tensor::from_vector(std::vector<int32_t>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor b = Tensor::from_vector(std::vector<int32_t>{7, 8}, Shape{2, 1});
  Tensor c = concat({a.to(Device::CUDA), b.to(Device::CUDA)}, 1);  // (2, 4)
  EXPECT_EQ(c.device(), Device::CUDA);
  EXPECT_EQ(c.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 7, 4, 5, 6, 8}));
  Tensor s = slice(c, 1, 1, 3);
  EXPECT_EQ(s.to_vector<int32_t>(), (std::vector<int32_t>{2, 3, 5, 6}));
  Tensor idx = Tensor::from_vector(std::vector<int32_t>{1, 1, 0}, Shape{3}).to(Device::CUDA);
  EXPECT_EQ(gather_rows(s, idx).to_vector<int32_t>(), (std::vector<int32_t>{5, 6, 5, 6, 2, 3}));
}

// Copies to or from the host wait and are counted; uploads on the copy stream do not wait, and
// the compute stream sees their data through the event of finish().
TEST_F(CudaOnly, HostWaitsAreCountedAndUploadsDoNotWait) {
  std::vector<float> v(100000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
  const Tensor host = Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
  uint64_t before = host_sync_count();
  Tensor dev = host.to(Device::CUDA);
  EXPECT_EQ(host_sync_count() - before, 1u);
  before = host_sync_count();
  EXPECT_EQ(dev.to_vector<float>(), v);
  EXPECT_EQ(host_sync_count() - before, 1u);

  HostBuffer pinned(v.size() * sizeof(float), true);
  std::memcpy(pinned.data(), v.data(), v.size() * sizeof(float));
  Tensor up = Tensor::empty(host.shape(), DType::f32, Device::CUDA);
  before = host_sync_count();
  AsyncUpload upload(Device::CUDA);
  upload.copy(up.raw_data(), pinned.data(), up.nbytes());
  CopyFence fence = upload.finish();
  Tensor doubled = scale(up, 2.0);  // on the compute stream, after the upload
  EXPECT_EQ(host_sync_count() - before, 0u);
  EXPECT_TRUE(fence.pending());
  fence.wait();
  EXPECT_FALSE(fence.pending());
  EXPECT_EQ(host_sync_count() - before, 1u);
  const std::vector<float> got = doubled.to_vector<float>();
  for (size_t i = 0; i < v.size(); i += 997) EXPECT_EQ(got[i], 2.0f * v[i]) << i;
}

#ifdef ACL_HAVE_CUDA
TEST_F(CudaOnly, StreamsAndHandlesAreCreatedOnce) {
  cudaStream_t s = compute_stream();
  EXPECT_NE(s, nullptr);
  EXPECT_EQ(compute_stream(), s);
  EXPECT_NE(copy_stream(), s);
  unsigned flags = 0;
  ASSERT_EQ(cudaStreamGetFlags(s, &flags), cudaSuccess);
  EXPECT_EQ(flags & cudaStreamNonBlocking, cudaStreamNonBlocking);
  EXPECT_EQ(cublas_handle(s), cublas_handle(s));
  EXPECT_NE(cublas_handle(s), cublas_handle(copy_stream()));
  CudaEvent start(true), stop(true);
  start.record(s);
  stop.record(s);
  stop.synchronize();
  EXPECT_GE(stop.elapsed_ms_since(start), 0.0f);
}
#endif

}  // namespace
}  // namespace acl::testing
