// Module system and layers (models/module.h, models/layers.h): PyTorch names and order,
// train/eval propagation, initialisation bounds, BatchNorm running statistics, parameter groups.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/device_select.h"
#include "engine/ops.h"
#include "kernels/counter.h"
#include "kernels/runtime/host_sync.h"
#include "models/layers.h"
#include "models/module.h"

namespace acl::models {
namespace {

std::vector<std::string> names_of(const NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& kv : named) out.push_back(kv.first);
  return out;
}

// A two-level tree: own parameter and buffer, then children conv, bn, head (Sequential).
class Tree : public Module {
 public:
  explicit Tree(Rng& rng) {
    scale = register_parameter("scale", Tensor::ones(Shape{3}).set_requires_grad(true));
    register_buffer("counter", Tensor::zeros(Shape{1}));
    conv = register_module("conv", std::make_unique<Conv1d>(2, 3, 3, Conv1dOptions{}, true, rng));
    bn = register_module("bn", std::make_unique<BatchNorm1d>(3));
    head = register_module("head", std::make_unique<Sequential>());
    head->append(std::make_unique<Linear>(3, 4, false, rng));
    head->append(std::make_unique<BatchNorm1d>(4));
  }
  void add_param(const std::string& name) {
    register_parameter(name, Tensor::ones(Shape{1}).set_requires_grad(true));
  }
  Tensor scale;
  Conv1d* conv;
  BatchNorm1d* bn;
  Sequential* head;
};

TEST(Module, NamesFollowPyTorchOrder) {
  Rng rng(1);
  Tree t(rng);
  EXPECT_EQ(names_of(t.named_parameters()),
            (std::vector<std::string>{"scale", "conv.weight", "conv.bias", "bn.weight", "bn.bias",
                                      "head.0.weight", "head.1.weight", "head.1.bias"}));
  EXPECT_EQ(names_of(t.named_buffers()),
            (std::vector<std::string>{"counter", "bn.running_mean", "bn.running_var",
                                      "bn.num_batches_tracked", "head.1.running_mean",
                                      "head.1.running_var", "head.1.num_batches_tracked"}));
  // torch.nn.Module.state_dict: per module its parameters, then its buffers, then the children.
  EXPECT_EQ(names_of(t.state_dict()),
            (std::vector<std::string>{"scale", "counter", "conv.weight", "conv.bias", "bn.weight",
                                      "bn.bias", "bn.running_mean", "bn.running_var",
                                      "bn.num_batches_tracked", "head.0.weight", "head.1.weight",
                                      "head.1.bias", "head.1.running_mean", "head.1.running_var",
                                      "head.1.num_batches_tracked"}));
  EXPECT_EQ(t.num_parameters(), 3 + (3 * 2 * 3 + 3) + 2 * 3 + 4 * 3 + 2 * 4);
  std::vector<std::string> modules;
  for (const auto& kv : t.named_modules()) modules.push_back(kv.first);
  EXPECT_EQ(modules, (std::vector<std::string>{"", "conv", "bn", "head", "head.0", "head.1"}));
}

TEST(Module, StateDictAliasesTheModelTensors) {
  Rng rng(2);
  Tree t(rng);
  for (auto& [name, tensor] : t.state_dict()) {
    if (name == "conv.weight") tensor.fill_(0.25);
  }
  for (float v : t.conv->weight().to_vector<float>()) EXPECT_EQ(v, 0.25f);
  std::vector<Tensor> params = t.parameters();
  NamedTensors named = t.named_parameters();
  ASSERT_EQ(params.size(), named.size());
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_EQ(params[i].impl_ptr(), named[i].second.impl_ptr());
}

TEST(Module, RejectsBadOrDuplicateNames) {
  Rng rng(3);
  Tree t(rng);
  EXPECT_THROW(t.add_param("scale"), std::invalid_argument);
  EXPECT_THROW(t.add_param("conv"), std::invalid_argument);  // a child's name
  EXPECT_THROW(t.add_param("a.b"), std::invalid_argument);
  EXPECT_THROW(t.add_param(""), std::invalid_argument);
  EXPECT_NO_THROW(t.add_param("extra"));
}

TEST(Module, TrainAndEvalPropagateToEveryDescendant) {
  Rng rng(4);
  Tree t(rng);
  for (const auto& kv : t.named_modules()) EXPECT_TRUE(kv.second->is_training()) << kv.first;
  t.eval();
  for (const auto& kv : t.named_modules()) EXPECT_FALSE(kv.second->is_training()) << kv.first;
  t.head->train();
  EXPECT_FALSE(t.is_training());
  EXPECT_TRUE(t.head->at(1)->is_training());
  t.train(true);
  for (const auto& kv : t.named_modules()) EXPECT_TRUE(kv.second->is_training()) << kv.first;
}

// Values uniform in (-b, b] with b = 1/sqrt(fan_in), spread over the range (not constant).
void expect_fan_in_uniform(const Tensor& t, int64_t fan_in) {
  const double b = 1.0 / std::sqrt(static_cast<double>(fan_in));
  std::vector<float> v = t.to_vector<float>();
  float lo = v[0], hi = v[0];
  for (float x : v) {
    EXPECT_GT(x, -b);
    EXPECT_LE(x, b);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_GT(hi - lo, b);  // many draws cover more than half the range
}

TEST(ModuleLayers, Conv1dShapesAndInit) {
  Rng rng(5);
  Conv1dOptions opt;
  opt.groups = 4;
  opt.padding = 2;
  Conv1d conv(8, 12, 5, opt, true, rng);
  EXPECT_EQ(conv.weight().shape(), (Shape{12, 2, 5}));
  EXPECT_EQ(conv.bias().shape(), (Shape{12}));
  expect_fan_in_uniform(conv.weight(), 2 * 5);
  expect_fan_in_uniform(conv.bias(), 2 * 5);
  EXPECT_EQ(conv.forward(Tensor::normal(Shape{2, 8, 9}, 0, 1, rng)).shape(), (Shape{2, 12, 9}));
  Conv1d no_bias(3, 4, 1, Conv1dOptions{}, false, rng);
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(names_of(no_bias.named_parameters()), std::vector<std::string>{"weight"});
  EXPECT_THROW(Conv1d(6, 4, 3, opt, false, rng), std::invalid_argument);  // 4 groups, Cin 6
}

TEST(ModuleLayers, LinearShapesAndInit) {
  Rng rng(6);
  Linear fc(40, 7, true, rng);
  EXPECT_EQ(fc.weight().shape(), (Shape{7, 40}));
  expect_fan_in_uniform(fc.weight(), 40);
  expect_fan_in_uniform(fc.bias(), 40);
  EXPECT_EQ(fc.forward(Tensor::normal(Shape{3, 40}, 0, 1, rng)).shape(), (Shape{3, 7}));
}

// Per-channel mean and (biased) variance of x (B, C, L) in double.
void channel_stats(const std::vector<float>& x, int B, int C, int L, int c, double* mean,
                   double* var) {
  double s = 0, s2 = 0;
  for (int b = 0; b < B; ++b)
    for (int l = 0; l < L; ++l) s += x[(static_cast<size_t>(b) * C + c) * L + l];
  const double n = static_cast<double>(B) * L, m = s / n;
  for (int b = 0; b < B; ++b)
    for (int l = 0; l < L; ++l) {
      double d = x[(static_cast<size_t>(b) * C + c) * L + l] - m;
      s2 += d * d;
    }
  *mean = m;
  *var = s2 / n;
}

TEST(ModuleLayers, BatchNormTrainingUsesBatchStatsAndUpdatesRunningStats) {
  Rng rng(7);
  const int B = 4, C = 3, L = 10;
  BatchNorm1d bn(C);
  EXPECT_EQ(bn.num_batches_tracked().dtype(), DType::i32);
  EXPECT_EQ(bn.num_batches_tracked().rank(), 0);
  Tensor x = Tensor::normal(Shape{B, C, L}, 1.5, 2.0, rng);
  std::vector<float> xv = x.to_vector<float>();
  std::vector<float> y = bn.forward(x).to_vector<float>();
  std::vector<float> rm = bn.running_mean().to_vector<float>();
  std::vector<float> rv = bn.running_var().to_vector<float>();
  for (int c = 0; c < C; ++c) {
    double m, v, ym, yv;
    channel_stats(xv, B, C, L, c, &m, &v);
    channel_stats(y, B, C, L, c, &ym, &yv);
    EXPECT_NEAR(ym, 0.0, 1e-5) << "channel " << c;
    EXPECT_NEAR(yv, v / (v + 1e-5), 1e-4) << "channel " << c;
    const double n = B * L;
    EXPECT_NEAR(rm[c], 0.1 * m, 1e-5);
    EXPECT_NEAR(rv[c], 0.9 + 0.1 * v * n / (n - 1), 1e-5);  // unbiased variance, as PyTorch
  }
  EXPECT_EQ(bn.num_batches_tracked().item(), 1);
  bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked().item(), 2);
}

TEST(ModuleLayers, CounterKernelAddsInPlace) {
  int32_t c = 41;
  kernels::add_counter_cpu(&c, 1);
  EXPECT_EQ(c, 42);
  kernels::add_counter_cpu(&c, -2);
  EXPECT_EQ(c, 40);
  EXPECT_THROW(kernels::add_counter_cpu(nullptr, 1), std::invalid_argument);
}

// On CUDA the forward counts its batch on the device: no host wait, and the state dict (a copy to
// the host) holds the count; CPU and CUDA layers agree on every buffer.
TEST(ModuleLayers, BatchNormCountsBatchesOnTheDeviceWithoutHostWaits) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  Rng rng(9);
  Tensor x = Tensor::normal(Shape{4, 3, 10}, 0.5, 2.0, rng);
  BatchNorm1d cpu(3), gpu(3);
  gpu.to(Device::CUDA);
  Tensor xd = x.to(Device::CUDA);
  cpu.forward(x);
  gpu.forward(xd);  // warm-up: kernels loaded, memory cached
  const uint64_t before = host_sync_count();
  for (int i = 0; i < 3; ++i) {
    cpu.forward(x);
    gpu.forward(xd);
  }
  EXPECT_EQ(host_sync_count() - before, 0u);
  EXPECT_EQ(gpu.num_batches_tracked().item(), 4);
  const NamedTensors state = gpu.state_dict();
  for (const auto& [name, t] : state) {
    if (name == "num_batches_tracked") {
      EXPECT_EQ(t.to(Device::CPU).item(), 4);
    }
  }
  const std::vector<float> rm_cpu = cpu.running_mean().to_vector<float>();
  const std::vector<float> rm_gpu = gpu.running_mean().to_vector<float>();
  for (size_t c = 0; c < rm_cpu.size(); ++c) EXPECT_NEAR(rm_gpu[c], rm_cpu[c], 1e-5) << c;
}

TEST(ModuleLayers, BatchNormEvalUsesRunningStatsAndLeavesThem) {
  Rng rng(8);
  const int B = 3, C = 2, L = 5;
  BatchNorm1d bn(C);
  bn.running_mean().copy_from(Tensor::from_vector(std::vector<float>{0.5f, -1.0f}, Shape{C}));
  bn.running_var().copy_from(Tensor::from_vector(std::vector<float>{4.0f, 0.25f}, Shape{C}));
  bn.weight().copy_from(Tensor::from_vector(std::vector<float>{2.0f, 0.5f}, Shape{C}));
  bn.bias().copy_from(Tensor::from_vector(std::vector<float>{0.1f, -0.3f}, Shape{C}));
  bn.eval();
  Tensor x = Tensor::normal(Shape{B, C, L}, 0, 3, rng);
  std::vector<float> xv = x.to_vector<float>(), y = bn.forward(x).to_vector<float>();
  const double rm[] = {0.5, -1.0}, rv[] = {4.0, 0.25}, g[] = {2.0, 0.5}, be[] = {0.1, -0.3};
  for (int b = 0; b < B; ++b)
    for (int c = 0; c < C; ++c)
      for (int l = 0; l < L; ++l) {
        size_t i = (static_cast<size_t>(b) * C + c) * L + l;
        double want = (xv[i] - rm[c]) / std::sqrt(rv[c] + 1e-5) * g[c] + be[c];
        EXPECT_NEAR(y[i], want, 1e-5);
      }
  EXPECT_EQ(bn.running_mean().to_vector<float>(), (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(bn.num_batches_tracked().item(), 0);
  // Eval output of a sample does not depend on the rest of the batch.
  Tensor first = slice(x, 0, 0, 1);
  std::vector<float> alone = bn.forward(first).to_vector<float>();
  for (size_t i = 0; i < alone.size(); ++i) EXPECT_EQ(alone[i], y[i]);
}

TEST(ModuleLayers, BatchNormWithoutRunningStatsUsesBatchStatsInEval) {
  Rng rng(9);
  BatchNormOptions opt;
  opt.track_running_stats = false;
  opt.affine = false;
  BatchNorm1d bn(2, opt);
  EXPECT_TRUE(bn.state_dict().empty());
  bn.eval();
  Tensor x = Tensor::normal(Shape{4, 2}, 3, 2, rng);
  std::vector<float> xv = x.to_vector<float>(), y = bn.forward(x).to_vector<float>();
  double m, v;
  channel_stats(y, 4, 2, 1, 0, &m, &v);
  EXPECT_NEAR(m, 0.0, 1e-5);
  EXPECT_NEAR(v, 1.0, 1e-3);
}

TEST(ModuleLayers, SequentialAppliesInOrder) {
  Rng rng(10);
  Sequential seq;
  Linear* a = seq.append(std::make_unique<Linear>(5, 4, true, rng));
  Linear* b = seq.append(std::make_unique<Linear>(4, 3, true, rng));
  Tensor x = Tensor::normal(Shape{2, 5}, 0, 1, rng);
  std::vector<float> want = b->forward(a->forward(x)).to_vector<float>();
  EXPECT_EQ(seq.forward(x).to_vector<float>(), want);
  EXPECT_EQ(names_of(seq.named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"}));
}

TEST(Module, ZeroGradDropsEveryGradient) {
  Rng rng(11);
  Tree t(rng);
  Tensor h = t.bn->forward(t.conv->forward(Tensor::normal(Shape{2, 2, 6}, 0, 1, rng)));
  sum(mul(h, Tensor::normal(h.shape(), 0, 1, rng))).backward();
  EXPECT_TRUE(t.conv->weight().grad().defined());
  t.zero_grad();
  for (const auto& kv : t.named_parameters()) EXPECT_FALSE(kv.second.grad().defined()) << kv.first;
}

TEST(Module, DecayGroupsExcludeBiasesAndNormParameters) {
  Rng rng(12);
  Tree t(rng);
  std::vector<ParamGroup> groups = decay_param_groups(t);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_FALSE(groups[0].exclude_from_decay_and_adaptation);
  EXPECT_TRUE(groups[1].exclude_from_decay_and_adaptation);
  ASSERT_EQ(groups[0].params.size(), 2u);  // conv.weight, head.0.weight
  EXPECT_EQ(groups[0].params[0].impl_ptr(), t.conv->weight().impl_ptr());
  EXPECT_EQ(groups[1].params.size(), 6u);  // scale, conv.bias, bn.{w,b}, head.1.{w,b}
}

}  // namespace
}  // namespace acl::models
