// Checkpoint helpers: state-dict round trips (all dtypes, i32 stored as I64), load errors listing
// every missing / unexpected / mismatched name, files written by other tools, and the training
// state (optimizer, step, RNGs, data position, config) round-tripping bit for bit, including a
// resume through the file that reproduces an uninterrupted run exactly.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/ops.h"
#include "engine/optim/adamw.h"
#include "engine/optim/lars.h"
#include "tests/test_files.h"
#include "tests/test_util.h"

namespace acl {
namespace {

using acl::testing::temp_path;

using acl::testing::same_bytes;

NamedTensors example_state(uint64_t seed) {
  Rng rng(seed, 0);
  Tensor w = Tensor::normal(Shape{4, 3, 5}, 0.0, 1.0, rng);
  Tensor b = Tensor::normal(Shape{4}, 0.0, 1.0, rng, DType::f64);
  Tensor half = Tensor::normal(Shape{2, 2}, 0.0, 1.0, rng).to(DType::bf16);
  Tensor nbt = Tensor::from_vector(std::vector<int32_t>{static_cast<int32_t>(seed) + 7}, Shape{});
  return {{"encoder.conv1.weight", w},
          {"encoder.bn1.bias", b},
          {"head.fc.weight", half},
          {"encoder.bn1.num_batches_tracked", nbt}};
}

NamedTensors zeros_like(const NamedTensors& named) {
  NamedTensors out;
  for (const auto& [n, t] : named) out.emplace_back(n, Tensor::zeros(t.shape(), t.dtype()));
  return out;
}

// ---- state dicts --------------------------------------------------------------------------------

TEST(Checkpoint, StateDictRoundTrip) {
  const std::string path = temp_path("state_dict");
  NamedTensors saved = example_state(1);
  save_state_dict(path, saved, {{"config", "{\"width\": 64}"}});
  NamedTensors loaded = zeros_like(saved);
  StringMap meta = load_state_dict(path, loaded);
  for (size_t i = 0; i < saved.size(); ++i)
    EXPECT_TRUE(same_bytes(loaded[i].second, saved[i].second)) << saved[i].first;
  EXPECT_EQ(meta.at("config"), "{\"width\": 64}");
  EXPECT_EQ(meta.at("format"), kStateDictFormat);
  EXPECT_EQ(meta.at("format_version"), "1");

  // On disk: PyTorch's dtypes (num_batches_tracked as I64).
  SafetensorsFile f = read_safetensors(path);
  EXPECT_EQ(f.tensors.at("encoder.bn1.num_batches_tracked").dtype, "I64");
  EXPECT_EQ(f.tensors.at("encoder.bn1.num_batches_tracked").to_i64(), (std::vector<int64_t>{8}));
  EXPECT_EQ(f.tensors.at("encoder.conv1.weight").dtype, "F32");
  EXPECT_EQ(f.tensors.at("encoder.bn1.bias").dtype, "F64");
  EXPECT_EQ(f.tensors.at("head.fc.weight").dtype, "BF16");
}

TEST(Checkpoint, StateDictRejectsBadInput) {
  const std::string path = temp_path("bad_input");
  NamedTensors s = example_state(2);
  EXPECT_THROW(save_state_dict(path, s, {{"format", "x"}}), std::invalid_argument);
  NamedTensors dup = {s[0], s[0]};
  EXPECT_THROW(save_state_dict(path, dup), std::invalid_argument);
  NamedTensors undefined = {{"x", Tensor()}};
  EXPECT_THROW(save_state_dict(path, undefined), std::invalid_argument);
}

TEST(Checkpoint, LoadErrorListsMissingUnexpectedAndMismatched) {
  const std::string path = temp_path("mismatch");
  save_state_dict(path, {{"a", Tensor::ones(Shape{2, 3})},
                         {"b", Tensor::ones(Shape{4})},
                         {"c", Tensor::ones(Shape{5})},
                         {"same", Tensor::ones(Shape{1})}});
  NamedTensors model = {{"a", Tensor::zeros(Shape{3, 2})},
                        {"b", Tensor::zeros(Shape{4}, DType::f64)},
                        {"d", Tensor::zeros(Shape{7})},
                        {"e", Tensor::zeros(Shape{1})},
                        {"same", Tensor::zeros(Shape{1})}};
  try {
    load_state_dict(path, model);
    FAIL() << "a mismatched state dict loaded";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    for (const char* needle :
         {"2 missing, 1 unexpected, 2 mismatched", "missing:    d f32[7]", "missing:    e f32[1]",
          "unexpected: c F32[5]", "mismatched: a: file F32[2, 3], model f32[3, 2]",
          "mismatched: b: file F32[4], model f64[4]"}) {
      EXPECT_NE(msg.find(needle), std::string::npos) << "no '" << needle << "' in:\n" << msg;
    }
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_EQ(msg.find("same"), std::string::npos) << msg;
  }
  // Nothing was copied.
  EXPECT_EQ(model[4].second.item(), 0.0);
}

TEST(Checkpoint, AllowUnexpectedIgnoresExtraNames) {
  const std::string path = temp_path("extra");
  save_state_dict(
      path, {{"encoder.w", Tensor::full(Shape{2}, 3.0)}, {"projector.w", Tensor::ones(Shape{3})}});
  NamedTensors encoder = {{"encoder.w", Tensor::zeros(Shape{2})}};
  EXPECT_THROW(load_state_dict(path, encoder), std::runtime_error);
  load_state_dict(path, encoder, LoadStateDictOptions{true});
  EXPECT_EQ(encoder[0].second.to_vector<float>(), (std::vector<float>{3.0f, 3.0f}));
}

// A file as PyTorch's safetensors.torch.save_file would write it: no metadata, I64 counters.
TEST(Checkpoint, LoadsForeignFileWithI64Buffers) {
  const std::string path = temp_path("foreign");
  SafetensorsFile f;
  f.tensors["bn.num_batches_tracked"] = SafetensorsEntry::from_i64({123}, {});
  f.tensors["bn.running_mean"] =
      SafetensorsEntry::from_tensor(Tensor::from_vector(std::vector<float>{0.5f, -1.f}, Shape{2}));
  write_safetensors(path, f);
  NamedTensors model = {{"bn.num_batches_tracked", Tensor::zeros(Shape{}, DType::i32)},
                        {"bn.running_mean", Tensor::zeros(Shape{2})}};
  StringMap meta = load_state_dict(path, model);
  EXPECT_TRUE(meta.empty());
  EXPECT_EQ(model[0].second.to_vector<int32_t>(), (std::vector<int32_t>{123}));
  EXPECT_EQ(model[1].second.to_vector<float>(), (std::vector<float>{0.5f, -1.f}));

  f.tensors["bn.num_batches_tracked"] = SafetensorsEntry::from_i64({int64_t{1} << 33}, {});
  write_safetensors(path, f);
  try {
    load_state_dict(path, model);
    FAIL() << "an I64 beyond int32 loaded into i32";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bn.num_batches_tracked"), std::string::npos) << e.what();
  }
  EXPECT_EQ(model[0].second.to_vector<int32_t>(), (std::vector<int32_t>{123}));
}

// ---- training state -----------------------------------------------------------------------------

TEST(CheckpointTrainState, RoundTripIsExact) {
  const std::string path = temp_path("train_state");
  const uint64_t big = std::numeric_limits<uint64_t>::max();
  Tensor p = Tensor::from_vector(std::vector<float>{0.1f, -0.2f, 0.3f}, Shape{3});
  p.set_requires_grad(true);
  Tensor q = Tensor::from_vector(std::vector<double>{1.0, 2.0}, Shape{2});
  q.set_requires_grad(true);
  AdamW opt({p, q}, AdamWOptions{});
  p.impl().grad = Tensor::from_vector(std::vector<float>{0.5f, 0.25f, -1.f}, Shape{3}).impl_ptr();
  opt.step();
  opt.step();

  Rng augment(big, 17);
  augment.set_counter(big - 1);
  Rng dropout(12345, 2);
  dropout.uniform();

  TrainState s;
  s.step = big;
  s.optimizer = opt.state();
  s.rngs["augment"] = rng_state(augment);
  s.rngs["model.dropout"] = rng_state(dropout);
  s.data = {9007199254740993ull, 123456789};  // 2^53 + 1: not representable as a double
  s.config_json = "{\"model\": {\"width\": 64},\n \"name\": \"r\\u00e9sum\\u00e9\"}";
  s.extra["git"] = "abc123";
  save_train_state(path, s);

  TrainState r = load_train_state(path);
  EXPECT_EQ(r.step, big);
  EXPECT_EQ(r.data.epoch, 9007199254740993ull);
  EXPECT_EQ(r.data.index, 123456789u);
  EXPECT_EQ(r.config_json, s.config_json);
  EXPECT_EQ(r.extra, s.extra);
  ASSERT_EQ(r.rngs.size(), 2u);
  EXPECT_EQ(r.rngs.at("augment"), (RngState{big, 17, big - 1}));
  EXPECT_EQ(r.rngs.at("model.dropout"), rng_state(dropout));
  Rng restored = rng_from_state(r.rngs.at("model.dropout"));
  EXPECT_EQ(restored.uniform(), dropout.uniform());

  EXPECT_EQ(r.optimizer.kind, "adamw");
  EXPECT_EQ(r.optimizer.step, 2u);
  EXPECT_EQ(r.optimizer.counters, s.optimizer.counters);
  ASSERT_EQ(r.optimizer.tensors.size(), s.optimizer.tensors.size());
  for (const auto& [name, t] : s.optimizer.tensors) {
    bool found = false;
    for (const auto& [rn, rt] : r.optimizer.tensors) {
      if (rn == name) {
        found = true;
        EXPECT_TRUE(same_bytes(rt, t)) << name;
      }
    }
    EXPECT_TRUE(found) << name;
  }
  // And the optimizer accepts it.
  AdamW fresh({p, q}, AdamWOptions{});
  fresh.load_state(r.optimizer);
  EXPECT_EQ(fresh.steps(), 2u);
}

// Train 6 steps straight; or 3 steps, save model + train state to files, rebuild everything from
// the files, 3 more steps: the parameters agree bit for bit.
TEST(CheckpointTrainState, ResumeThroughFilesIsBitIdentical) {
  struct Run {
    Tensor w, b;
    std::unique_ptr<Lars> opt;
    explicit Run(uint64_t seed) {
      Rng rng(seed, 0);
      w = Tensor::normal(Shape{3, 4}, 0.0, 1.0, rng);
      b = Tensor::normal(Shape{3}, 0.0, 1.0, rng);
      w.set_requires_grad(true);
      b.set_requires_grad(true);
      opt = std::make_unique<Lars>(
          std::vector<ParamGroup>{ParamGroup{{w}, false}, ParamGroup{{b}, true}},
          LarsOptions{0.3, 0.9, true, 1e-4, 0.01, LarsTrustRatio::kSimclr});
    }
    void train_step(Rng& data_rng) {
      Tensor x = Tensor::normal(Shape{4}, 0.0, 1.0, data_rng).reshape(Shape{4, 1});
      Tensor y = add(matmul(w, x).reshape(Shape{3}), b);
      Tensor loss = sum(mul(y, y));
      opt->zero_grad();
      loss.backward();
      opt->step();
    }
  };
  Run straight(3);
  Rng straight_data(99, 5);
  for (int s = 0; s < 6; ++s) straight.train_step(straight_data);

  const std::string model_path = temp_path("resume_model"), state_path = temp_path("resume_state");
  {
    Run first(3);
    Rng data(99, 5);
    for (int s = 0; s < 3; ++s) first.train_step(data);
    save_state_dict(model_path, {{"w", first.w}, {"b", first.b}});
    TrainState ts;
    ts.step = 3;
    ts.optimizer = first.opt->state();
    ts.rngs["data"] = rng_state(data);
    save_train_state(state_path, ts);
  }
  Run resumed(1234);  // different init: everything must come from the files
  load_state_dict(model_path, {{"w", resumed.w}, {"b", resumed.b}});
  TrainState ts = load_train_state(state_path);
  resumed.opt->load_state(ts.optimizer);
  Rng data = rng_from_state(ts.rngs.at("data"));
  for (uint64_t s = ts.step; s < 6; ++s) resumed.train_step(data);

  EXPECT_TRUE(same_bytes(resumed.w, straight.w));
  EXPECT_TRUE(same_bytes(resumed.b, straight.b));
  EXPECT_EQ(resumed.opt->steps(), 6u);
}

TEST(CheckpointTrainState, RejectsWrongOrMalformedFiles) {
  const std::string sd = temp_path("not_a_train_state");
  save_state_dict(sd, {{"w", Tensor::ones(Shape{1})}});
  try {
    load_train_state(sd);
    FAIL();
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(sd), std::string::npos) << msg;
    EXPECT_NE(msg.find("format"), std::string::npos) << msg;
  }

  const std::string path = temp_path("bad_train_state");
  TrainState s;
  s.optimizer.kind = "sgd";
  save_train_state(path, s);
  auto expect_error_mentions = [&](SafetensorsFile f, const std::string& needle) {
    write_safetensors(path, f);
    try {
      load_train_state(path);
      FAIL() << "accepted a file needing '" << needle << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  const SafetensorsFile good = read_safetensors(path);
  EXPECT_NO_THROW(load_train_state(path));
  SafetensorsFile f = good;
  f.metadata["step"] = "12x";
  expect_error_mentions(f, "'step' = '12x'");
  f = good;
  f.metadata["data.epoch"] = "18446744073709551616";  // 2^64
  expect_error_mentions(f, "'data.epoch'");
  f = good;
  f.metadata["format_version"] = "2";
  expect_error_mentions(f, "format_version");
  f = good;
  f.metadata.erase("data.index");
  expect_error_mentions(f, "'data.index' is missing");
  f = good;
  f.metadata["rng.aug.seed"] = "1";  // stream and counter missing
  expect_error_mentions(f, "'rng.aug.stream' is missing");
  f = good;
  f.metadata["surprise"] = "1";
  expect_error_mentions(f, "'surprise'");
  f = good;
  f.tensors["model.w"] = SafetensorsEntry::from_i64({1}, {1});
  expect_error_mentions(f, "'model.w'");
}

}  // namespace
}  // namespace acl
