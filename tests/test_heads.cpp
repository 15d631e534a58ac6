// Heads (models/heads.h) and their config: projection MLP, region projection heads (pooling,
// per-region and shared heads, region resolution), linear classifier.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "models/config.h"
#include "models/heads.h"
#include "tests/test_files.h"
#include "tests/test_util.h"

namespace acl::models {
namespace {

using nlohmann::json;

using acl::testing::names_of;

using acl::testing::error_of;

TEST(ProjectionHead, MlpShapesAndNames) {
  Rng rng(1);
  ProjectionHead head(512, ProjectionHeadConfig{256, 128}, rng);
  EXPECT_EQ(names_of(head.state_dict()),
            (std::vector<std::string>{"fc1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                      "bn1.running_var", "bn1.num_batches_tracked", "fc2.weight",
                                      "fc2.bias"}));
  EXPECT_EQ(head.num_parameters(), 512 * 256 + 2 * 256 + 256 * 128 + 128);
  Tensor y = head.forward(Tensor::normal(Shape{6, 512}, 0, 1, rng));
  EXPECT_EQ(y.shape(), (Shape{6, 128}));
  ProjectionHead linear(64, ProjectionHeadConfig{0, 32}, rng);
  EXPECT_EQ(names_of(linear.state_dict()), (std::vector<std::string>{"fc.weight", "fc.bias"}));
  EXPECT_EQ(linear.forward(Tensor::normal(Shape{2, 64}, 0, 1, rng)).shape(), (Shape{2, 32}));
}

TEST(ProjectionHead, MatchesLinearBnReluLinearComputedByHand) {
  Rng rng(2);
  ProjectionHead head(5, ProjectionHeadConfig{4, 3}, rng);
  head.eval();
  NamedTensors p = head.named_parameters();  // fc1.weight, bn1.weight, bn1.bias, fc2.w, fc2.b
  Tensor x = Tensor::normal(Shape{3, 5}, 0, 1, rng);
  Tensor h = relu(linear(x, p[0].second, Tensor()));  // BN in eval with fresh stats: ~identity
  Tensor want = linear(scale(h, 1.0 / std::sqrt(1.0 + 1e-5)), p[3].second, p[4].second);
  NoGradGuard no_grad;
  EXPECT_TRUE(testing::tensors_close("projection", head.forward(x), want, 1e-6));
}

TEST(HeadsConfig, DefaultRegionsFollowTheDesign) {
  auto names = [](const std::vector<Region>& rs) {
    std::vector<std::string> out;
    for (const Region& r : rs) {
      std::string s = r.name + ":";
      for (const std::string& l : r.leads) s += " " + l;
      out.push_back(s);
    }
    return out;
  };
  EXPECT_EQ(names(default_regions(all_leads())),
            (std::vector<std::string>{"inferior: II III aVF", "septal: V1 V2", "anterior: V3 V4",
                                      "lateral: I aVL V5 V6"}));
  EXPECT_EQ(names(default_regions(independent_leads())),
            (std::vector<std::string>{"inferior: II III", "septal: V1 V2", "anterior: V3 V4",
                                      "lateral: V5 V6"}));
  RegionHeadConfig c;
  // Positions within the encoder's lead order (II, III, V1, ..., V6).
  EXPECT_EQ(c.resolve(independent_leads()),
            (std::vector<std::vector<int>>{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  EXPECT_EQ(c.resolve(all_leads()),
            (std::vector<std::vector<int>>{{1, 2, 5}, {6, 7}, {8, 9}, {0, 4, 10, 11}}));
}

TEST(HeadsConfig, JsonRoundTripAndErrors) {
  json j = {{"projection", {{"hidden_dim", 64}, {"out_dim", 32}}},
            {"region",
             {{"regions", {{{"name", "a"}, {"leads", {"ii", "V1"}}}, {{"leads", {"V6"}}}}},
              {"pooling", "concat"},
              {"shared", false},
              {"hidden_dim", 0},
              {"out_dim", 16}}}};
  HeadsConfig c = HeadsConfig::from_json(j);
  EXPECT_EQ(c.projection.hidden_dim, 64);
  ASSERT_EQ(c.region.regions.size(), 2u);
  EXPECT_EQ(c.region.regions[0].leads, (std::vector<std::string>{"II", "V1"}));
  EXPECT_EQ(c.region.regions[1].name, "region1");
  EXPECT_EQ(c.region.pooling, RegionPooling::kConcat);
  EXPECT_EQ(HeadsConfig::from_json(c.to_json()).to_json(), c.to_json());
  EXPECT_EQ(HeadsConfig::from_json(json::object()).to_json()["region"]["regions"], "default");

  std::string e = error_of([] { HeadsConfig::from_json({{"region", {{"poling", "mean"}}}}); });
  EXPECT_NE(e.find("heads.region.poling"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'pooling'"), std::string::npos) << e;
  e = error_of([] { HeadsConfig::from_json({{"projection", {{"out_dim", "128"}}}}); });
  EXPECT_NE(e.find("heads.projection.out_dim: expected an integer"), std::string::npos) << e;
  e = error_of([] { HeadsConfig::from_json({{"region", {{"pooling", "max"}}}}); });
  EXPECT_NE(e.find("\"mean\" or \"concat\""), std::string::npos) << e;

  // A region lead the encoder does not have.
  RegionHeadConfig r;
  r.regions = {{"lateral", {"I", "V5"}}};
  e = error_of([&] { r.resolve(independent_leads()); });
  EXPECT_NE(e.find("heads.region.regions[0] (lateral)"), std::string::npos) << e;
  EXPECT_NE(e.find("lead I is not among"), std::string::npos) << e;
  // A shared head with concat pooling needs equal region sizes.
  RegionHeadConfig s;
  s.shared = true;
  s.pooling = RegionPooling::kConcat;
  e = error_of([&] { s.resolve(all_leads()); });
  EXPECT_NE(e.find("equal size"), std::string::npos) << e;
  EXPECT_NO_THROW(s.resolve(independent_leads()));  // all regions have two leads
}

struct RegionCase {
  std::string name;
  RegionPooling pooling;
  bool shared;
  int hidden;
};

class RegionHeads : public ::testing::TestWithParam<RegionCase> {};

// Region r's output is its head applied to its pooled leads, computed here independently.
TEST_P(RegionHeads, ProjectEachPooledRegion) {
  const RegionCase& c = GetParam();
  RegionHeadConfig cfg;
  cfg.pooling = c.pooling;
  cfg.shared = c.shared;
  cfg.hidden_dim = c.hidden;
  cfg.out_dim = 5;
  const std::vector<std::vector<int>> regions = cfg.resolve(independent_leads());
  const int B = 3, N = 8, F = 4, R = 4;
  Rng rng(3);
  RegionProjectionHeads heads(regions, F, cfg, rng);
  EXPECT_EQ(heads.num_regions(), R);
  heads.eval();  // BN on running statistics: rows are independent, so per-region calls compare
  Tensor z = Tensor::normal(Shape{B, N, F}, 0, 1, rng).set_requires_grad(true);
  Tensor y = heads.forward(z);
  ASSERT_EQ(y.shape(), (Shape{B, R, 5}));

  std::vector<float> zv = z.to_vector<float>(), yv = y.to_vector<float>();
  const auto& children = heads.children();
  ASSERT_EQ(children.size(), c.shared ? 1u : 4u);
  EXPECT_EQ(children[0].first, c.shared ? "shared" : "0");
  for (int r = 0; r < R; ++r) {
    const std::vector<int>& leads = regions[r];
    const int in = c.pooling == RegionPooling::kMean ? F : F * static_cast<int>(leads.size());
    std::vector<float> pooled(static_cast<size_t>(B) * in, 0.f);
    for (int b = 0; b < B; ++b)
      for (size_t k = 0; k < leads.size(); ++k)
        for (int f = 0; f < F; ++f) {
          float v = zv[(static_cast<size_t>(b) * N + leads[k]) * F + f];
          if (c.pooling == RegionPooling::kMean) {
            pooled[static_cast<size_t>(b) * in + f] += v / static_cast<float>(leads.size());
          } else {
            pooled[static_cast<size_t>(b) * in + k * F + f] = v;
          }
        }
    auto* head = dynamic_cast<ProjectionHead*>(children[c.shared ? 0 : r].second);
    ASSERT_NE(head, nullptr);
    NoGradGuard no_grad;
    std::vector<float> want =
        head->forward(Tensor::from_vector(pooled, Shape{B, in})).to_vector<float>();
    for (int b = 0; b < B; ++b)
      for (int d = 0; d < 5; ++d)
        EXPECT_NEAR(yv[(static_cast<size_t>(b) * R + r) * 5 + d], want[b * 5 + d], 1e-5)
            << "region " << r << " sample " << b;
  }

  // Gradients reach every head parameter and every lead embedding used by a region.
  heads.train();
  Tensor yt = heads.forward(z);
  sum(mul(yt, Tensor::normal(yt.shape(), 0, 1, rng))).backward();
  for (const auto& [name, p] : heads.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    double m = 0;
    for (float g : p.grad().to_vector<float>()) m = std::max(m, std::fabs(static_cast<double>(g)));
    EXPECT_GT(m, 0.0) << name;
  }
  std::vector<float> gz = z.grad().to_vector<float>();
  for (int n = 0; n < N; ++n) {
    double m = 0;
    for (int f = 0; f < F; ++f) m = std::max(m, std::fabs(static_cast<double>(gz[n * F + f])));
    EXPECT_GT(m, 0.0) << "lead " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, RegionHeads,
    ::testing::Values(RegionCase{"mean_per_region", RegionPooling::kMean, false, 6},
                      RegionCase{"concat_per_region", RegionPooling::kConcat, false, 6},
                      RegionCase{"mean_shared", RegionPooling::kMean, true, 6},
                      RegionCase{"concat_shared_linear", RegionPooling::kConcat, true, 0}),
    [](const auto& info) { return info.param.name; });

TEST(RegionHeads, TwelveLeadRegionsOfDifferentSizes) {
  RegionHeadConfig cfg;
  cfg.pooling = RegionPooling::kConcat;
  Rng rng(4);
  RegionProjectionHeads heads(cfg.resolve(all_leads()), 64, cfg, rng);
  // Per-region heads take |r| * 64 inputs: 3, 2, 2 and 4 leads.
  std::vector<int64_t> in;
  for (const auto& [name, t] : heads.named_parameters())
    if (name.find("fc1.weight") != std::string::npos) in.push_back(t.size(1));
  EXPECT_EQ(in, (std::vector<int64_t>{192, 128, 128, 256}));
  Tensor y = heads.forward(Tensor::normal(Shape{2, 12, 64}, 0, 1, rng));
  EXPECT_EQ(y.shape(), (Shape{2, 4, 128}));
  std::string e = error_of([&] { heads.forward(Tensor::normal(Shape{2, 12, 32}, 0, 1, rng)); });
  EXPECT_NE(e.find("expected (B, leads, 64)"), std::string::npos) << e;
}

TEST(HeadsLinearClassifier, ShapesNamesAndInit) {
  Rng rng(5);
  LinearClassifier probe(512, 5, rng);
  EXPECT_EQ(names_of(probe.state_dict()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(probe.weight().shape(), (Shape{5, 512}));
  Tensor logits = probe.forward(Tensor::normal(Shape{7, 512}, 0, 1, rng));
  EXPECT_EQ(logits.shape(), (Shape{7, 5}));
  Tensor loss = cross_entropy(
      logits, Tensor::from_vector(std::vector<int32_t>{0, 1, 2, 3, 4, 0, 1}, Shape{7}));
  loss.backward();
  EXPECT_TRUE(probe.weight().grad().defined());
  EXPECT_TRUE(probe.bias().grad().defined());
}

}  // namespace
}  // namespace acl::models
