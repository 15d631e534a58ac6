// Model state dicts through the checkpoint API (engine/io/checkpoint.h): a save -> load round trip
// restores every parameter and buffer bit for bit under PyTorch names, num_batches_tracked is
// stored as I64 like PyTorch's, and a file that does not match the model is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/autograd.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "models/encoder.h"
#include "tests/test_files.h"
#include "tests/test_util.h"

namespace acl::models {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using acl::testing::error_of;
using acl::testing::same_bytes;
using acl::testing::TempDir;

// Moves the model away from its initial state: a few training-mode forwards (running statistics,
// num_batches_tracked) and random BN affine parameters.
void perturb(Encoder& enc, uint64_t seed) {
  NoGradGuard no_grad;
  Rng rng(seed, 5);
  enc.train();
  for (int i = 0; i < 3; ++i)
    enc.forward(Tensor::normal(Shape{3, kNumStandardLeads, 64}, 0.3, 1.5, rng));
  for (auto& [name, t] : enc.named_parameters()) {
    if (t.rank() == 1) t.copy_from(Tensor::uniform(t.shape(), 0.5, 1.5, rng));
  }
}

const json kConfigs[] = {
    {{"leadwise", {{"channels", {4, 8, 8}}}}},
    {{"leads", "all"}, {"leadwise", {{"channels", {4, 6}}, {"shared_weights", true}}}},
    {{"type", "resnet1d"},
     {"resnet", {{"blocks", {1, 1}}, {"widths", {8, 16}}, {"kernel_size", 5}, {"stem_width", 8}}}},
};

TEST(ModelCheckpoint, SaveLoadRoundTripIsExact) {
  TempDir dir;
  for (const json& j : kConfigs) {
    const EncoderConfig cfg = EncoderConfig::from_json(j);
    Rng rng_a(1), rng_b(2);
    std::unique_ptr<Encoder> a = make_encoder(cfg, rng_a);
    std::unique_ptr<Encoder> b = make_encoder(cfg, rng_b);  // other initial values
    perturb(*a, 3);
    const std::string path = dir.file("model.safetensors");
    save_state_dict(path, a->state_dict(), {{"config", cfg.to_json().dump()}});

    // The file: every name, PyTorch dtypes (num_batches_tracked I64, rank 0), the config.
    SafetensorsFile file = read_safetensors(path);
    NamedTensors sd = a->state_dict();
    ASSERT_EQ(file.tensors.size(), sd.size()) << j.dump();
    for (const auto& [name, t] : sd) {
      ASSERT_EQ(file.tensors.count(name), 1u) << name;
      const SafetensorsEntry& e = file.tensors.at(name);
      EXPECT_EQ(e.shape, t.shape().to_vector()) << name;
      if (name.find("num_batches_tracked") != std::string::npos) {
        EXPECT_EQ(e.dtype, "I64") << name;
        EXPECT_TRUE(e.shape.empty()) << name;
        EXPECT_EQ(e.to_i64(), std::vector<int64_t>{3}) << name;
      } else {
        EXPECT_EQ(e.dtype, "F32") << name;
      }
    }
    EXPECT_EQ(EncoderConfig::from_json(json::parse(file.metadata.at("config"))), cfg);

    // Loading into the other model makes it identical, bit for bit.
    bool any_differs = false;
    NamedTensors sb = b->state_dict();
    for (size_t i = 0; i < sd.size(); ++i)
      any_differs = any_differs || !same_bytes(sd[i].second, sb[i].second);
    ASSERT_TRUE(any_differs) << "the two models start equal: the round trip would prove nothing";
    StringMap meta = load_state_dict(path, b->state_dict());
    EXPECT_EQ(meta.at("format"), kStateDictFormat);
    sb = b->state_dict();
    ASSERT_EQ(sb.size(), sd.size());
    for (size_t i = 0; i < sd.size(); ++i) {
      EXPECT_EQ(sb[i].first, sd[i].first);
      EXPECT_TRUE(same_bytes(sb[i].second, sd[i].second)) << sd[i].first;
    }
    // And computes the same embeddings.
    a->eval();
    b->eval();
    NoGradGuard no_grad;
    Rng xr(4);
    Tensor x = Tensor::normal(Shape{2, kNumStandardLeads, 48}, 0, 1, xr);
    EXPECT_TRUE(same_bytes(a->forward(x), b->forward(x))) << j.dump();
  }
}

TEST(ModelCheckpoint, MismatchedModelIsRefusedWithTheNames) {
  TempDir dir;
  Rng rng(1);
  std::unique_ptr<Encoder> small = make_encoder(EncoderConfig::from_json(kConfigs[0]), rng);
  const std::string path = dir.file("model.safetensors");
  save_state_dict(path, small->state_dict());

  // Other widths: same names, other shapes.
  std::unique_ptr<Encoder> wider =
      make_encoder(EncoderConfig::from_json({{"leadwise", {{"channels", {4, 8, 12}}}}}), rng);
  const std::string wider_error =
      error_of<std::runtime_error>([&] { load_state_dict(path, wider->state_dict()); });
  EXPECT_NE(wider_error.find("mismatched: blocks.2.conv.weight"), std::string::npos)
      << "loading into other widths must throw: " << wider_error;
  // Another architecture: missing and unexpected names.
  std::unique_ptr<Encoder> resnet = make_encoder(EncoderConfig::from_json(kConfigs[2]), rng);
  const std::string resnet_error =
      error_of<std::runtime_error>([&] { load_state_dict(path, resnet->state_dict()); });
  EXPECT_NE(resnet_error.find("missing:    conv1.weight"), std::string::npos)
      << "loading into a resnet must throw: " << resnet_error;
  EXPECT_NE(resnet_error.find("unexpected: blocks.0.conv.weight"), std::string::npos)
      << resnet_error;
}

}  // namespace
}  // namespace acl::models
