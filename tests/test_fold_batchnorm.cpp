// Conv1d + BatchNorm1d folding for inference (models/fold_batchnorm.h): the folded weights are the
// double-precision formula rounded once; every encoder's folded form gives the unfolded embeddings
// up to float rounding, with random non-trivial running statistics; folding leaves the source's
// state dict unchanged; a BatchNorm1d that cannot fold is left alone and runs as before.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/device_select.h"
#include "engine/ops.h"
#include "models/encoder.h"
#include "models/fold_batchnorm.h"
#include "models/layers.h"
#include "tests/test_util.h"

namespace acl::models {
namespace {

using acl::testing::same_bytes;
using acl::testing::tensors_close;
using nlohmann::json;

// Random values into an existing f32 CPU tensor (the handle aliases the module's member).
void fill_uniform(const Tensor& t, double lo, double hi, Rng& rng) {
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(lo + (hi - lo) * rng.uniform());
}

// Every BatchNorm1d below `m`: running statistics from one training-mode batch of `x` (momentum 1:
// the statistics of real activations, so the scale stays realistic through depth), then perturbed
// per channel: mean shifted by up to half a standard deviation, variance scaled by 0.5-2, gamma of
// magnitude 0.5-1.5 and either sign, beta in [-0.5, 0.5]. None is left at the default 0/1.
void randomize_bn(Encoder& enc, const Tensor& x, uint64_t seed) {
  {
    NoGradGuard no_grad;
    enc.train();
    enc.forward(x);
    enc.eval();
  }
  Rng rng(seed, 7);
  for (const auto& [name, m] : enc.named_modules()) {
    const auto* bn = dynamic_cast<const BatchNorm1d*>(m);
    if (!bn) continue;
    float* mean = bn->running_mean().data<float>();
    float* var = bn->running_var().data<float>();
    float* gamma = bn->weight().data<float>();
    const int64_t c = bn->running_mean().numel();
    for (int64_t i = 0; i < c; ++i) {
      mean[i] += static_cast<float>((rng.uniform() - 0.5) * std::sqrt(var[i]));
      var[i] *= static_cast<float>(0.5 + 1.5 * rng.uniform());
      gamma[i] = static_cast<float>((0.5 + rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1));
    }
    fill_uniform(bn->bias(), -0.5, 0.5, rng);
    int defaults = 0;
    for (int64_t i = 0; i < c; ++i) defaults += mean[i] == 0.0f || var[i] == 1.0f;
    ASSERT_EQ(defaults, 0) << name << " kept default running statistics";
  }
}

Tensor input(int B, int L, uint64_t seed) {
  Rng rng(seed, 99);
  // Not zero-mean: the running means are then far from 0 in the first layer as well.
  return add(Tensor::normal(Shape{B, kNumStandardLeads, L}, 0.0, 1.0, rng),
             Tensor::full(Shape{B, kNumStandardLeads, L}, 0.7));
}

NamedTensors snapshot(const Module& m) {
  NamedTensors out;
  for (const auto& [name, t] : m.state_dict()) out.emplace_back(name, t.clone());
  return out;
}

void expect_same_state(const Module& m, const NamedTensors& before) {
  const NamedTensors now = m.state_dict();
  ASSERT_EQ(now.size(), before.size());
  for (size_t i = 0; i < now.size(); ++i) {
    EXPECT_EQ(now[i].first, before[i].first);
    EXPECT_TRUE(same_bytes(now[i].second, before[i].second)) << now[i].first << " changed";
  }
}

// ---- one conv + BN pair ----------------------------------------------------------------------

TEST(FoldConvBatchnorm, WeightsAreTheDoubleFormulaRoundedOnce) {
  Rng rng(3);
  Conv1dOptions opt;
  opt.padding = 2;
  opt.groups = 3;
  Conv1d conv(6, 9, 5, opt, /*bias=*/true, rng);
  BatchNormOptions bo;
  bo.eps = 1e-3;
  BatchNorm1d bn(9, bo);
  fill_uniform(bn.running_mean(), -2, 2, rng);
  fill_uniform(bn.running_var(), 0.01, 3, rng);
  fill_uniform(bn.weight(), -1.5, 1.5, rng);
  fill_uniform(bn.bias(), -1, 1, rng);
  bn.eval();
  ASSERT_EQ(fold_blocker(conv, bn), "");
  const FoldedConv f = fold_conv_batchnorm(conv, bn);
  EXPECT_EQ(f.options.groups, 3);
  EXPECT_EQ(f.options.padding, 2);
  ASSERT_EQ(f.weight.shape(), conv.weight().shape());
  ASSERT_EQ(f.weight.dtype(), DType::f32);
  const auto w = conv.weight().to_vector<float>(), b = conv.bias().to_vector<float>();
  const auto mean = bn.running_mean().to_vector<float>(), var = bn.running_var().to_vector<float>();
  const auto g = bn.weight().to_vector<float>(), beta = bn.bias().to_vector<float>();
  const auto fw = f.weight.to_vector<float>(), fb = f.bias.to_vector<float>();
  const size_t per = w.size() / 9;
  for (size_t co = 0; co < 9; ++co) {
    const double s = double(g[co]) / std::sqrt(double(var[co]) + 1e-3);
    for (size_t i = 0; i < per; ++i) {
      EXPECT_EQ(fw[co * per + i], static_cast<float>(s * w[co * per + i])) << co << "," << i;
    }
    EXPECT_EQ(fb[co], static_cast<float>(s * (double(b[co]) - mean[co]) + beta[co])) << co;
  }
}

TEST(FoldConvBatchnorm, ConvWithoutBiasAndBnWithoutAffine) {
  Rng rng(4);
  Conv1d conv(4, 4, 3, Conv1dOptions{}, /*bias=*/false, rng);
  BatchNormOptions bo;
  bo.affine = false;
  BatchNorm1d bn(4, bo);
  fill_uniform(bn.running_mean(), -1, 1, rng);
  fill_uniform(bn.running_var(), 0.5, 2, rng);
  bn.eval();
  const FoldedConv f = fold_conv_batchnorm(conv, bn);
  const auto mean = bn.running_mean().to_vector<float>(), var = bn.running_var().to_vector<float>();
  const auto fb = f.bias.to_vector<float>();
  for (size_t c = 0; c < 4; ++c) {
    EXPECT_EQ(fb[c], static_cast<float>(-double(mean[c]) / std::sqrt(double(var[c]) + 1e-5)));
  }
  const Tensor x = Tensor::normal(Shape{3, 4, 17}, 0.5, 1.0, rng);
  NoGradGuard no_grad;
  EXPECT_TRUE(tensors_close("conv without bias", conv1d(x, f.weight, f.bias, f.options),
                            bn.forward(conv.forward(x)), 1e-6));
}

TEST(FoldConvBatchnorm, BlockersAreNamed) {
  Rng rng(5);
  Conv1d conv(2, 4, 3, Conv1dOptions{}, false, rng);
  BatchNormOptions no_stats;
  no_stats.track_running_stats = false;
  BatchNorm1d batch_stats(4, no_stats), training(4), other_width(5);
  batch_stats.eval();
  other_width.eval();
  EXPECT_NE(fold_blocker(conv, batch_stats).find("track_running_stats = false"), std::string::npos);
  EXPECT_NE(fold_blocker(conv, training).find("training mode"), std::string::npos);
  EXPECT_NE(fold_blocker(conv, other_width).find("5 channels"), std::string::npos);
  try {
    fold_conv_batchnorm(conv, training);
    FAIL() << "folded a training-mode BatchNorm1d";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("training mode"), std::string::npos) << e.what();
  }
}

// ---- Sequential: what folds and what is left alone ---------------------------------------------

class Relu : public Layer {
 public:
  Tensor forward(const Tensor& x) override { return relu(x); }
};

TEST(FoldedSequential, FoldsAdjacentPairsAndLeavesTheRest) {
  Rng rng(6);
  Sequential seq;
  Conv1dOptions opt;
  opt.padding = 1;
  seq.append(std::make_unique<Conv1d>(3, 5, 3, opt, true, rng));   // 0: folds with 1
  seq.append(std::make_unique<BatchNorm1d>(5));                    // 1
  seq.append(std::make_unique<Conv1d>(5, 5, 3, opt, false, rng));  // 2: relu in between
  seq.append(std::make_unique<Relu>());                            // 3
  seq.append(std::make_unique<BatchNorm1d>(5));                    // 4: left alone
  BatchNormOptions no_stats;
  no_stats.track_running_stats = false;
  seq.append(std::make_unique<Conv1d>(5, 4, 1, Conv1dOptions{}, true, rng));  // 5
  seq.append(std::make_unique<BatchNorm1d>(4, no_stats));                     // 6: left alone
  seq.append(std::make_unique<Conv1d>(4, 4, 1, Conv1dOptions{}, true, rng));  // 7: no BN after
  for (const auto& [name, m] : seq.named_modules()) {
    if (const auto* bn = dynamic_cast<const BatchNorm1d*>(m); bn && bn->running_mean().defined()) {
      fill_uniform(bn->running_mean(), -1, 1, rng);
      fill_uniform(bn->running_var(), 0.5, 2, rng);
      fill_uniform(bn->weight(), 0.5, 1.5, rng);
      fill_uniform(bn->bias(), -0.5, 0.5, rng);
    }
  }
  seq.eval();
  const NamedTensors before = snapshot(seq);
  FoldedSequential folded(seq, "head");
  EXPECT_EQ(folded.summary().folded, std::vector<std::string>{"head.1"});
  ASSERT_EQ(folded.summary().left.size(), 2u);
  EXPECT_EQ(folded.summary().left[0], "head.4: not directly after a Conv1d");
  EXPECT_NE(folded.summary().left[1].find("head.6: no running statistics"), std::string::npos)
      << folded.summary().left[1];
  EXPECT_EQ(folded.summary().convs, 4);

  const Tensor x = Tensor::normal(Shape{4, 3, 23}, 0.3, 1.0, rng);
  NoGradGuard no_grad;
  // Only the first pair is folded: float32 rounding differs there (K * Cin = 9 terms, a few ulps).
  EXPECT_TRUE(tensors_close("sequential", folded.forward(x), seq.forward(x), 2e-6));
  expect_same_state(seq, before);

  // With nothing foldable the folded form runs the very same modules: bit for bit.
  Sequential plain;
  plain.append(std::make_unique<Conv1d>(3, 5, 3, opt, false, rng));
  plain.append(std::make_unique<Relu>());
  plain.append(std::make_unique<BatchNorm1d>(5));
  fill_uniform(dynamic_cast<BatchNorm1d*>(plain.at(2))->running_mean(), -1, 1, rng);
  plain.eval();
  FoldedSequential unfolded(plain);
  EXPECT_TRUE(unfolded.summary().folded.empty());
  EXPECT_EQ(unfolded.summary().left, std::vector<std::string>{"2: not directly after a Conv1d"});
  EXPECT_TRUE(same_bytes(unfolded.forward(x), plain.forward(x)));
}

// ---- every encoder
// -------------------------------------------------------------------------------

struct EncoderCase {
  std::string name;
  json config;
  int length;
  int folded_bns;
};

class FoldedEncoderTest : public ::testing::TestWithParam<EncoderCase> {};

TEST_P(FoldedEncoderTest, MatchesTheUnfoldedEncoder) {
  const EncoderCase& c = GetParam();
  json cfg = c.config;
  Rng rng(11);
  std::unique_ptr<Encoder> enc = make_encoder(EncoderConfig::from_json(cfg), rng);
  randomize_bn(*enc, input(16, c.length, 21), 31);
  enc->eval();
  const NamedTensors before = snapshot(*enc);

  std::unique_ptr<FoldedEncoder> folded = fold_batchnorm(*enc);
  EXPECT_EQ(static_cast<int>(folded->summary().folded.size()), c.folded_bns);
  EXPECT_TRUE(folded->summary().left.empty());
  EXPECT_EQ(folded->embedding_dim(), enc->embedding_dim());
  EXPECT_EQ(folded->state_dict().size(), 0u);  // derived: nothing to save or load

  for (uint64_t seed : {41, 42}) {
    const Tensor x = input(5, c.length + static_cast<int>(seed) - 41, seed);
    EncoderOutput want, got;
    {
      NoGradGuard no_grad;
      want = enc->encode(x);
    }
    got = folded->encode(x);
    EXPECT_FALSE(got.embedding.requires_grad());
    // Float32 rounding: the folded conv sums s*W (rounded once) where the unfolded path rounds
    // the conv sum and then the affine map; per layer the difference is a few ulps of the
    // activation scale, and it compounds over up to 17 convs (resnet1d18). Worst seen: |err|
    // 6e-7 on a resnet1d18 embedding of 1.6 (scale 4), 0.07 of this bound; eps32 = 1.2e-7.
    const double rtol = 2e-6;
    EXPECT_TRUE(tensors_close(c.name + " embedding", got.embedding, want.embedding, rtol));
    ASSERT_EQ(got.lead_embeddings.defined(), want.lead_embeddings.defined());
    if (want.lead_embeddings.defined()) {
      EXPECT_TRUE(tensors_close(c.name + " lead embeddings", got.lead_embeddings,
                                want.lead_embeddings, rtol));
    }
  }
  expect_same_state(*enc, before);
  EXPECT_FALSE(enc->is_training());
}

TEST(FoldedEncoder, NeedsEvalMode) {
  Rng rng(12);
  std::unique_ptr<Encoder> enc = make_encoder(EncoderConfig::leadwise_default(), rng);
  try {
    fold_batchnorm(*enc);
    FAIL() << "folded an encoder in training mode";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("training mode"), std::string::npos) << e.what();
  }
}

json resnet_small() {
  return {{"type", "resnet1d"},
          {"leads", {"I", "II", "V2"}},
          {"resnet",
           {{"blocks", {1, 2}},
            {"widths", {6, 10}},
            {"kernel_size", 5},
            {"stem_width", 6},
            {"stem_kernel_size", 7},
            {"stem_stride", 1},
            {"stem_pool", false}}}};
}

// On a GPU: the folded form of an encoder moved to CUDA (folded on the host, moved once; ReLU in
// place by the CUDA kernel) against the CPU modules.
TEST(FoldedEncoder, CudaMatchesTheCpuModules) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  for (const json& cfg : {json{{"leadwise", {{"channels", {8, 16, 32, 32}}}}}, resnet_small()}) {
    Rng rng(13);
    std::unique_ptr<Encoder> enc = make_encoder(EncoderConfig::from_json(cfg), rng);
    randomize_bn(*enc, input(16, 200, 22), 32);
    const Tensor x = input(5, 200, 43);
    EncoderOutput want;
    {
      NoGradGuard no_grad;
      want = enc->encode(x);
    }
    enc->to(Device::CUDA);
    std::unique_ptr<FoldedEncoder> folded = fold_batchnorm(*enc);
    const EncoderOutput got = folded->encode(x.to(Device::CUDA));
    ASSERT_EQ(got.embedding.device(), Device::CUDA);
    // The CUDA convs sum in another order than the CPU's on top of the fold's rounding: five
    // times the CPU bound above.
    EXPECT_TRUE(tensors_close(cfg.dump(), got.embedding.to(Device::CPU), want.embedding, 1e-5));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Encoders, FoldedEncoderTest,
    ::testing::Values(EncoderCase{"leadwise_default", json::object(), 300, 5},
                      EncoderCase{"leadwise_quickstart",
                                  {{"leadwise", {{"channels", {8, 16, 32, 32}}}}, {"bn_eps", 1e-3}},
                                  250,
                                  4},
                      EncoderCase{"leadwise_shared",
                                  {{"leads", "all"},
                                   {"leadwise",
                                    {{"channels", {4, 6}},
                                     {"kernel_size", 5},
                                     {"pool_size", 3},
                                     {"shared_weights", true}}}},
                                  101,
                                  2},
                      EncoderCase{"resnet1d18", {{"type", "resnet1d"}}, 260, 20},
                      EncoderCase{"resnet_small", resnet_small(), 61, 8}),
    [](const ::testing::TestParamInfo<EncoderCase>& info) { return info.param.name; });

}  // namespace
}  // namespace acl::models
