// The encoders (models/leadwise.h, models/resnet1d.h) and their config (models/config.h): shapes,
// parameter counts from the architecture, PyTorch names, lead grouping, train/eval behaviour,
// gradient flow, and JSON errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "models/encoder.h"
#include "models/leadwise.h"
#include "models/resnet1d.h"
#include "tests/test_files.h"
#include "tests/test_util.h"

namespace acl::models {
namespace {

using nlohmann::json;

using acl::testing::names_of;

std::unique_ptr<Encoder> build(const json& j, uint64_t seed = 1) {
  Rng rng(seed);
  return make_encoder(EncoderConfig::from_json(j), rng);
}

Tensor input(int B, int L, uint64_t seed) {
  Rng rng(seed, 99);
  return Tensor::normal(Shape{B, kNumStandardLeads, L}, 0.0, 1.0, rng);
}

using acl::testing::error_of;

// ---- config ------------------------------------------------------------------------------------

TEST(EncoderConfig, DefaultsAreTheDesignDefaults) {
  EncoderConfig c;
  EXPECT_EQ(c.type, EncoderType::kLeadwise);
  EXPECT_EQ(c.leads, (std::vector<int>{1, 2, 6, 7, 8, 9, 10, 11}));  // II, III, V1-V6
  EXPECT_EQ(c.leadwise.channels, (std::vector<int>{8, 16, 32, 64, 64}));
  EXPECT_EQ(c.leadwise.kernel_size, 3);
  EXPECT_FALSE(c.leadwise.shared_weights);
  EXPECT_EQ(EncoderConfig::from_json(json::object()), c);
  EncoderConfig r = EncoderConfig::from_json({{"type", "resnet1d"}});
  EXPECT_EQ(r, EncoderConfig::resnet1d18());
  EXPECT_EQ(r.leads.size(), 12u);
  EXPECT_EQ(r.resnet.blocks, (std::vector<int>{2, 2, 2, 2}));
  EXPECT_EQ(r.resnet.widths, (std::vector<int>{64, 128, 256, 512}));
  EXPECT_EQ(r.resnet.kernel_size, 7);
  EXPECT_EQ(r.resnet.stem_kernel_size, 15);
}

TEST(EncoderConfig, ReadsEveryKeyAndRoundTrips) {
  json j = {
      {"type", "leadwise"},
      {"leads", {"v6", "I", "aVF"}},
      {"bn_momentum", 0.2},
      {"bn_eps", 1e-3},
      {"leadwise",
       {{"channels", {4, 6}}, {"kernel_size", 5}, {"pool_size", 3}, {"shared_weights", true}}},
      {"resnet",
       {{"blocks", {1, 1}},
        {"widths", {8, 16}},
        {"kernel_size", 3},
        {"stem_width", 4},
        {"stem_kernel_size", 5},
        {"stem_stride", 1},
        {"stem_pool", false}}}};
  EncoderConfig c = EncoderConfig::from_json(j);
  EXPECT_EQ(c.leads, (std::vector<int>{11, 0, 5}));
  EXPECT_DOUBLE_EQ(c.bn_momentum, 0.2);
  EXPECT_EQ(c.leadwise.channels, (std::vector<int>{4, 6}));
  EXPECT_EQ(c.leadwise.pool_size, 3);
  EXPECT_TRUE(c.leadwise.shared_weights);
  EXPECT_EQ(c.resnet.widths, (std::vector<int>{8, 16}));
  EXPECT_FALSE(c.resnet.stem_pool);
  EXPECT_EQ(c.to_json()["leads"], (json{"V6", "I", "aVF"}));
  EXPECT_EQ(EncoderConfig::from_json(json::parse(c.to_json().dump())), c);
  EXPECT_NE(EncoderConfig::from_json({{"leads", "all"}}), c);
}

TEST(EncoderConfig, UnknownKeyNamesItAndSuggestsTheClosest) {
  std::string e = error_of([] { EncoderConfig::from_json({{"leadwise", {{"chanels", {8}}}}}); });
  EXPECT_NE(e.find("encoder.leadwise.chanels"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'channels'"), std::string::npos) << e;
  e = error_of([] { EncoderConfig::from_json({{"lead", "all"}}); });
  EXPECT_NE(e.find("encoder.lead:"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'leads'"), std::string::npos) << e;
  e = error_of([] { EncoderConfig::from_json({{"resnet", {{"stem_strde", 1}}}}); });
  EXPECT_NE(e.find("did you mean 'stem_stride'"), std::string::npos) << e;
}

TEST(EncoderConfig, MistypedValueNamesKeyAndExpectedType) {
  struct Case {
    json j;
    std::string key, expected;
  };
  std::vector<Case> cases{
      {{{"leadwise", {{"kernel_size", "3"}}}}, "encoder.leadwise.kernel_size", "integer"},
      {{{"leadwise", {{"kernel_size", 3.5}}}}, "encoder.leadwise.kernel_size", "integer"},
      {{{"leadwise", {{"shared_weights", 1}}}}, "encoder.leadwise.shared_weights", "boolean"},
      {{{"leadwise", {{"channels", {8, "16"}}}}}, "encoder.leadwise.channels", "array of integers"},
      {{{"resnet", {{"widths", 64}}}}, "encoder.resnet.widths", "array of integers"},
      {{{"bn_eps", "small"}}, "encoder.bn_eps", "number"},
      {{{"type", 3}}, "encoder.type", "string"},
      {{{"type", "vgg"}}, "encoder.type", "\"leadwise\" or \"resnet1d\""},
      {{{"leads", {"II", "X1"}}}, "encoder.leads[1]", "unknown lead 'X1'"},
      {{{"leads", "some"}}, "encoder.leads", "\"independent\", \"all\""},
      {{{"leadwise", 5}}, "encoder.leadwise", "an object"},
      {{{"leadwise", {{"kernel_size", 4}}}}, "encoder.leadwise.kernel_size", "odd"},
      {{{"leads", {"II", "ii"}}}, "encoder.leads", "appears twice"},
      {{{"resnet", {{"widths", {8, 16, 32}}}}}, "encoder.resnet.widths", "stages"},
      {{{"leadwise", {{"channels", {8, 0}}}}}, "encoder.leadwise.channels", ">= 1"},
  };
  for (const Case& c : cases) {
    std::string e = error_of([&] { EncoderConfig::from_json(c.j); });
    EXPECT_NE(e.find(c.key), std::string::npos) << c.j.dump() << " -> " << e;
    EXPECT_NE(e.find(c.expected), std::string::npos) << c.j.dump() << " -> " << e;
  }
}

// ---- shapes ------------------------------------------------------------------------------------

struct ShapeCase {
  std::string name;
  json config;
  int length;
  int64_t embedding_dim;
  int64_t leads;  // lead embeddings (B, leads, F); 0 without
};

class EncoderShapes : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(EncoderShapes, ForwardGivesTheDeclaredShapes) {
  const ShapeCase& c = GetParam();
  std::unique_ptr<Encoder> enc = build(c.config);
  EXPECT_EQ(enc->embedding_dim(), c.embedding_dim);
  const int B = 3;
  Tensor x = input(B, c.length, 7);
  for (bool training : {true, false}) {
    enc->train(training);
    EncoderOutput out = enc->encode(x);
    ASSERT_EQ(out.embedding.shape(), (Shape{B, c.embedding_dim})) << "training " << training;
    std::vector<float> e = out.embedding.to_vector<float>();
    double max_abs = 0;
    for (float v : e) {
      ASSERT_TRUE(std::isfinite(v));
      max_abs = std::max(max_abs, std::fabs(static_cast<double>(v)));
    }
    EXPECT_GT(max_abs, 0.0);
    if (c.leads == 0) {
      EXPECT_FALSE(enc->has_lead_embeddings());
      EXPECT_FALSE(out.lead_embeddings.defined());
      continue;
    }
    EXPECT_TRUE(enc->has_lead_embeddings());
    const int64_t F = enc->lead_embedding_dim();
    ASSERT_EQ(out.lead_embeddings.shape(), (Shape{B, c.leads, F}));
    EXPECT_EQ(c.leads * F, c.embedding_dim);
    EXPECT_EQ(out.lead_embeddings.to_vector<float>(), e);  // the concatenation, lead-major
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, EncoderShapes,
    ::testing::Values(
        ShapeCase{"leadwise_8_per_lead", json::object(), 64, 8 * 64, 8},
        ShapeCase{"leadwise_12_per_lead", {{"leads", "all"}}, 64, 12 * 64, 12},
        ShapeCase{"leadwise_8_shared", {{"leadwise", {{"shared_weights", true}}}}, 64, 8 * 64, 8},
        ShapeCase{"leadwise_12_shared",
                  {{"leads", "all"}, {"leadwise", {{"shared_weights", true}}}},
                  100,
                  12 * 64,
                  12},
        ShapeCase{"leadwise_custom",
                  {{"leads", {"I", "V6", "aVF"}},
                   {"leadwise", {{"channels", {5, 7}}, {"kernel_size", 5}, {"pool_size", 3}}}},
                  50,
                  3 * 7,
                  3},
        ShapeCase{"resnet1d18_12", {{"type", "resnet1d"}}, 256, 512, 0},
        ShapeCase{"resnet_small_8",
                  {{"type", "resnet1d"},
                   {"leads", "independent"},
                   {"resnet",
                    {{"blocks", {1, 1, 1}},
                     {"widths", {8, 16, 24}},
                     {"kernel_size", 3},
                     {"stem_width", 8},
                     {"stem_kernel_size", 5}}}},
                  100,
                  24,
                  0},
        ShapeCase{"resnet_no_stem_pool",
                  {{"type", "resnet1d"},
                   {"resnet",
                    {{"blocks", {2}},
                     {"widths", {6}},
                     {"stem_width", 4},
                     {"stem_stride", 1},
                     {"stem_pool", false}}}},
                  20,
                  6,
                  0}),
    [](const ::testing::TestParamInfo<ShapeCase>& info) { return info.param.name; });

TEST(Encoder, FactoryBuildsTheConfiguredType) {
  EXPECT_NE(dynamic_cast<LeadwiseEncoder*>(build(json::object()).get()), nullptr);
  EXPECT_NE(dynamic_cast<ResNet1d*>(build({{"type", "resnet1d18"}}).get()), nullptr);
  EncoderConfig bad;
  bad.leads = {1, 1};
  Rng rng(1);
  EXPECT_THROW(make_encoder(bad, rng), std::invalid_argument);
}

TEST(Encoder, RejectsWrongInputs) {
  std::unique_ptr<Encoder> enc = build(json::object());
  Rng rng(2);
  std::string e = error_of([&] { enc->forward(Tensor::normal(Shape{2, 8, 64}, 0, 1, rng)); });
  EXPECT_NE(e.find("12 standard leads"), std::string::npos) << e;
  e = error_of([&] { enc->forward(input(2, 16, 1)); });
  EXPECT_NE(e.find("32 samples"), std::string::npos) << e;  // five max-pools of 2
}

// ---- parameter counts --------------------------------------------------------------------------

int64_t conv_params(int64_t cout, int64_t cin, int64_t k) {
  return cout * cin * k;
}
int64_t bn_params(int64_t c) {
  return 2 * c;
}

TEST(Encoder, Resnet1d18ParameterCountMatchesTheArchitecture) {
  // Stem, then four stages of two basic blocks (kernel 7); stride 2 and a 1x1 downsample at the
  // first block of stages 2-4; no classifier.
  int64_t expected = conv_params(64, 12, 15) + bn_params(64);
  const int64_t widths[] = {64, 128, 256, 512};
  int64_t in = 64;
  for (int s = 0; s < 4; ++s) {
    for (int b = 0; b < 2; ++b) {
      const int64_t w = widths[s];
      expected += conv_params(w, in, 7) + bn_params(w) + conv_params(w, w, 7) + bn_params(w);
      if (s > 0 && b == 0) expected += conv_params(w, in, 1) + bn_params(w);
      in = w;
    }
  }
  EXPECT_EQ(expected, 8737408);  // as torch_parity.py's ResNet1d counts it
  std::unique_ptr<Encoder> enc = build({{"type", "resnet1d"}});
  EXPECT_EQ(enc->num_parameters(), expected);
  // 8 input leads change only the stem.
  std::unique_ptr<Encoder> enc8 = build({{"type", "resnet1d"}, {"leads", "independent"}});
  EXPECT_EQ(enc8->num_parameters(), expected - conv_params(64, 4, 15));
}

TEST(Encoder, LeadwiseParametersAreLeadsTimesOneBranch) {
  const std::vector<int64_t> ch{8, 16, 32, 64, 64};
  int64_t branch = 0, prev = 1;
  for (int64_t c : ch) {
    branch += conv_params(c, prev, 3) + bn_params(c);
    prev = c;
  }
  EXPECT_EQ(branch, 20744);
  EXPECT_EQ(build(json::object())->num_parameters(), 8 * branch);
  EXPECT_EQ(build({{"leads", "all"}})->num_parameters(), 12 * branch);
  // Shared weights: one branch whatever the number of leads.
  EXPECT_EQ(build({{"leadwise", {{"shared_weights", true}}}})->num_parameters(), branch);
  EXPECT_EQ(build({{"leads", "all"}, {"leadwise", {{"shared_weights", true}}}})->num_parameters(),
            branch);
}

// ---- names -------------------------------------------------------------------------------------

void add_bn(std::vector<std::string>& v, const std::string& p) {
  for (const char* s : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"})
    v.push_back(p + "." + s);
}

TEST(Encoder, Resnet1d18StateDictHasTorchvisionNames) {
  std::vector<std::string> expected{"conv1.weight"};
  add_bn(expected, "bn1");
  for (int s = 1; s <= 4; ++s) {
    for (int b = 0; b < 2; ++b) {
      const std::string p = "layer" + std::to_string(s) + "." + std::to_string(b) + ".";
      expected.push_back(p + "conv1.weight");
      add_bn(expected, p + "bn1");
      expected.push_back(p + "conv2.weight");
      add_bn(expected, p + "bn2");
      if (s > 1 && b == 0) {
        expected.push_back(p + "downsample.0.weight");
        add_bn(expected, p + "downsample.1");
      }
    }
  }
  std::unique_ptr<Encoder> enc = build({{"type", "resnet1d"}});
  NamedTensors sd = enc->state_dict();
  EXPECT_EQ(names_of(sd), expected);
  const std::vector<std::string> head{
      "conv1.weight",          "bn1.weight",         "bn1.bias",
      "bn1.running_mean",      "bn1.running_var",    "bn1.num_batches_tracked",
      "layer1.0.conv1.weight", "layer1.0.bn1.weight"};
  EXPECT_EQ(std::vector<std::string>(expected.begin(), expected.begin() + 8), head);
  std::map<std::string, Tensor> by_name(sd.begin(), sd.end());
  EXPECT_EQ(by_name.at("conv1.weight").shape(), (Shape{64, 12, 15}));
  EXPECT_EQ(by_name.at("layer2.0.conv1.weight").shape(), (Shape{128, 64, 7}));
  EXPECT_EQ(by_name.at("layer2.0.downsample.0.weight").shape(), (Shape{128, 64, 1}));
  EXPECT_EQ(by_name.at("layer4.1.bn2.running_var").shape(), (Shape{512}));
  EXPECT_EQ(by_name.at("layer4.1.bn2.num_batches_tracked").dtype(), DType::i32);
  EXPECT_EQ(by_name.at("layer4.1.bn2.num_batches_tracked").rank(), 0);
}

TEST(Encoder, LeadwiseStateDictNamesAndShapes) {
  std::unique_ptr<Encoder> enc = build({{"leadwise", {{"channels", {4, 6}}}}});
  NamedTensors sd = enc->state_dict();
  EXPECT_EQ(names_of(sd), (std::vector<std::string>{
                              "blocks.0.conv.weight", "blocks.0.bn.weight", "blocks.0.bn.bias",
                              "blocks.0.bn.running_mean", "blocks.0.bn.running_var",
                              "blocks.0.bn.num_batches_tracked", "blocks.1.conv.weight",
                              "blocks.1.bn.weight", "blocks.1.bn.bias", "blocks.1.bn.running_mean",
                              "blocks.1.bn.running_var", "blocks.1.bn.num_batches_tracked"}));
  EXPECT_EQ(sd[0].second.shape(), (Shape{8 * 4, 1, 3}));  // groups = 8 leads
  EXPECT_EQ(sd[6].second.shape(), (Shape{8 * 6, 4, 3}));
  EXPECT_EQ(sd[7].second.shape(), (Shape{8 * 6}));
  std::unique_ptr<Encoder> shared =
      build({{"leadwise", {{"channels", {4, 6}}, {"shared_weights", true}}}});
  EXPECT_EQ(names_of(shared->state_dict()), names_of(sd));
  EXPECT_EQ(shared->state_dict()[6].second.shape(), (Shape{6, 4, 3}));
}

// ---- lead grouping -----------------------------------------------------------------------------

// Eval mode: changing one input lead changes only that lead's embedding; an unselected lead
// changes nothing.
TEST(Encoder, LeadwiseLeadsAreIndependentBranches) {
  for (bool shared : {false, true}) {
    std::unique_ptr<Encoder> enc =
        build({{"leadwise", {{"channels", {4, 6}}, {"shared_weights", shared}}}});
    enc->eval();
    NoGradGuard no_grad;
    Tensor x = input(2, 40, 3);
    std::vector<float> base = enc->encode(x).lead_embeddings.to_vector<float>();
    auto perturbed = [&](int lead) {
      std::vector<float> v = x.to_vector<float>();
      for (int b = 0; b < 2; ++b)
        for (int l = 0; l < 40; ++l) v[(static_cast<size_t>(b) * 12 + lead) * 40 + l] += 1.5f;
      return enc->encode(Tensor::from_vector(v, x.shape())).lead_embeddings.to_vector<float>();
    };
    const int F = 6;
    std::vector<float> changed = perturbed(6);  // V1, position 2 of II, III, V1, ..., V6
    for (int b = 0; b < 2; ++b)
      for (int n = 0; n < 8; ++n) {
        bool differs = false;
        for (int f = 0; f < F; ++f) {
          size_t i = (static_cast<size_t>(b) * 8 + n) * F + f;
          differs = differs || changed[i] != base[i];
        }
        EXPECT_EQ(differs, n == 2) << "shared " << shared << " sample " << b << " lead " << n;
      }
    EXPECT_EQ(perturbed(0), base) << "lead I is not selected";
  }
}

// Per-lead weights: group n of the grouped convolutions is lead n's own branch. Copying lead
// V1's slices into a one-lead encoder reproduces its embedding.
TEST(Encoder, LeadwiseGroupSliceIsThatLeadsBranch) {
  std::unique_ptr<Encoder> multi =
      build({{"leads", {"II", "V1"}}, {"leadwise", {{"channels", {4, 6}}}}}, 5);
  std::unique_ptr<Encoder> single =
      build({{"leads", {"V1"}}, {"leadwise", {{"channels", {4, 6}}}}}, 6);
  NoGradGuard no_grad;
  Rng rng(9);
  // Non-trivial BN parameters and statistics in the two-lead model.
  for (auto& [name, t] : multi->state_dict()) {
    if (name.find("num_batches") != std::string::npos) continue;
    const bool var = name.find("running_var") != std::string::npos;
    t.copy_from(Tensor::uniform(t.shape(), var ? 0.5 : -0.5, var ? 1.5 : 0.5, rng));
  }
  NamedTensors src = multi->state_dict(), dst = single->state_dict();
  ASSERT_EQ(names_of(src), names_of(dst));
  for (size_t i = 0; i < src.size(); ++i) {
    const Tensor& s = src[i].second;
    if (s.dtype() == DType::i32) continue;
    const int64_t half = s.size(0) / 2;  // lead 1's rows: [half, 2 * half)
    dst[i].second.copy_from(slice(s, 0, half, 2 * half));
  }
  multi->eval();
  single->eval();
  Tensor x = input(3, 30, 4);
  Tensor want = slice(multi->encode(x).lead_embeddings, 1, 1, 2).reshape(Shape{3, 6});
  EXPECT_TRUE(testing::tensors_close("lead V1", single->forward(x), want, 1e-5));
}

// ---- train / eval ------------------------------------------------------------------------------

TEST(Encoder, TrainAndEvalChangeBatchNormBehaviour) {
  for (const json& j : {json{{"leadwise", {{"channels", {4, 6}}}}},
                        json{{"type", "resnet1d"},
                             {"resnet", {{"blocks", {1}}, {"widths", {8}}, {"stem_width", 8}}}}}) {
    std::unique_ptr<Encoder> enc = build(j);
    NoGradGuard no_grad;
    Tensor x = input(4, 48, 11);
    NamedTensors buffers = enc->named_buffers();
    std::vector<float> rm0 = buffers[0].second.to_vector<float>();

    enc->eval();
    std::vector<float> eval_out = enc->forward(x).to_vector<float>();
    EXPECT_EQ(buffers[0].second.to_vector<float>(), rm0) << "eval must not update " << j.dump();
    // Eval: a sample's embedding does not depend on the rest of the batch.
    std::vector<float> alone = enc->forward(slice(x, 0, 0, 1)).to_vector<float>();
    for (size_t i = 0; i < alone.size(); ++i) EXPECT_NEAR(alone[i], eval_out[i], 1e-5) << i;

    enc->train();
    std::vector<float> train_out = enc->forward(x).to_vector<float>();
    EXPECT_NE(buffers[0].second.to_vector<float>(), rm0) << "train must update " << j.dump();
    double diff = 0;
    for (size_t i = 0; i < train_out.size(); ++i)
      diff = std::max(diff, std::fabs(static_cast<double>(train_out[i]) - eval_out[i]));
    EXPECT_GT(diff, 1e-3) << j.dump();
    // Train: batch statistics make a sample's embedding depend on the batch.
    std::vector<float> alone_train = enc->forward(slice(x, 0, 2, 4)).to_vector<float>();
    const size_t D = alone_train.size() / 2;  // samples 2 and 3 of the batch
    double dep = 0;
    for (size_t i = 0; i < alone_train.size(); ++i)
      dep = std::max(dep, std::fabs(static_cast<double>(alone_train[i]) - train_out[2 * D + i]));
    EXPECT_GT(dep, 1e-4) << j.dump();
  }
}

// ---- gradients ---------------------------------------------------------------------------------

class EncoderGradients : public ::testing::TestWithParam<std::pair<std::string, json>> {};

TEST_P(EncoderGradients, ReachEveryParameter) {
  std::unique_ptr<Encoder> enc = build(GetParam().second, 21);
  Tensor x = input(3, 64, 22);
  Tensor e = enc->forward(x);
  Rng rng(23);
  sum(mul(e, Tensor::normal(e.shape(), 0, 1, rng))).backward();
  for (const auto& [name, p] : enc->named_parameters()) {
    Tensor g = p.grad();
    ASSERT_TRUE(g.defined()) << name;
    ASSERT_EQ(g.shape(), p.shape()) << name;
    std::vector<float> gv = g.to_vector<float>();
    // Every output-channel row (for grouped convs: every lead's kernels) gets gradient.
    const int64_t rows = p.size(0), row = p.numel() / rows;
    for (int64_t r = 0; r < rows; ++r) {
      double m = 0;
      for (int64_t i = 0; i < row; ++i)
        m = std::max(m, std::fabs(static_cast<double>(gv[r * row + i])));
      EXPECT_GT(m, 0.0) << name << " row " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, EncoderGradients,
    ::testing::Values(std::make_pair(std::string("leadwise_per_lead"),
                                     json{{"leadwise", {{"channels", {4, 6, 8}}}}}),
                      std::make_pair(std::string("leadwise_shared"),
                                     json{{"leads", "all"},
                                          {"leadwise",
                                           {{"channels", {4, 6}}, {"shared_weights", true}}}}),
                      std::make_pair(std::string("resnet_small"), json{{"type", "resnet1d"},
                                                                       {"resnet",
                                                                        {{"blocks", {1, 2}},
                                                                         {"widths", {8, 12}},
                                                                         {"kernel_size", 5},
                                                                         {"stem_width", 6}}}})),
    [](const auto& info) { return info.param.first; });

}  // namespace
}  // namespace acl::models
