// Resume = uninterrupted run, bit for bit: a small lead-wise model (BatchNorm in training mode)
// trained with AdamW on Philox data for k steps, checkpointed (model.safetensors +
// train_state.safetensors), rebuilt from scratch with other initial values, restored and trained
// to 2k steps ends with exactly the parameters, buffers and losses of a run that never stopped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/ops.h"
#include "engine/optim/adamw.h"
#include "models/encoder.h"
#include "models/heads.h"

namespace acl::models {
namespace {

namespace fs = std::filesystem;

constexpr int kBatch = 4, kLength = 48, kClasses = 3, kSteps = 4;  // k = 4, 2k = 8
constexpr uint64_t kDataSeed = 77;

// Encoder + linear classifier, names "encoder.*" and "classifier.*".
class Net : public Module {
 public:
  explicit Net(uint64_t init_seed) {
    EncoderConfig cfg;
    cfg.leadwise.channels = {4, 6, 8};
    Rng rng(init_seed);
    encoder = register_module("encoder", make_encoder(cfg, rng));
    classifier = register_module(
        "classifier", std::make_unique<LinearClassifier>(static_cast<int>(encoder->embedding_dim()),
                                                         kClasses, rng));
  }
  Tensor forward(const Tensor& x) { return classifier->forward(encoder->forward(x)); }
  Encoder* encoder;
  LinearClassifier* classifier;
};

AdamWOptions adamw_options() {
  AdamWOptions o;
  o.lr = 3e-3;
  o.weight_decay = 0.05;
  return o;
}

// One step on a batch drawn from `data` (which advances): returns the loss.
double train_step(Net& net, AdamW& opt, Rng& data) {
  Tensor x = Tensor::normal(Shape{kBatch, kNumStandardLeads, kLength}, 0.0, 1.0, data);
  std::vector<int32_t> y(kBatch);
  for (int& v : y) v = static_cast<int>(data.uniform() * kClasses) % kClasses;
  Tensor loss = cross_entropy(net.forward(x), Tensor::from_vector(y, Shape{kBatch}));
  opt.zero_grad();
  loss.backward();
  opt.step();
  return loss.item();
}

bool bytes_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// Names of the state-dict tensors of a and b that differ (in order), "" when all equal.
std::string differing(const Net& a, const Net& b) {
  NamedTensors sa = a.state_dict(), sb = b.state_dict();
  std::string out;
  for (size_t i = 0; i < sa.size(); ++i)
    if (sa[i].first != sb[i].first || !bytes_equal(sa[i].second, sb[i].second))
      out += sa[i].first + " ";
  return out;
}

class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("acl_resume_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The uninterrupted reference run: 2k steps.
    reference_ = std::make_unique<Net>(1);
    AdamW opt(decay_param_groups(*reference_), adamw_options());
    Rng data(kDataSeed, 3);
    for (int s = 0; s < 2 * kSteps; ++s)
      reference_losses_.push_back(train_step(*reference_, opt, data));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // k steps, checkpoint; a fresh net (init seed 2) restores the model (and, unless
  // `skip_optimizer_state`, the optimizer) and runs k more. Returns the resumed net.
  std::unique_ptr<Net> interrupted_run(bool skip_optimizer_state, std::vector<double>* losses) {
    const std::string model_path = (dir_ / "model.safetensors").string();
    const std::string state_path = (dir_ / "train_state.safetensors").string();
    {
      Net net(1);
      AdamW opt(decay_param_groups(net), adamw_options());
      Rng data(kDataSeed, 3);
      for (int s = 0; s < kSteps; ++s) losses->push_back(train_step(net, opt, data));
      save_state_dict(model_path, net.state_dict());
      TrainState ts;
      ts.step = kSteps;
      ts.optimizer = opt.state();
      ts.rngs["data"] = rng_state(data);
      ts.config_json = net.encoder->config().to_json().dump();
      save_train_state(state_path, ts);
    }  // the first run is gone; only the files remain
    auto net = std::make_unique<Net>(2);
    AdamW opt(decay_param_groups(*net), adamw_options());
    load_state_dict(model_path, net->state_dict());
    TrainState ts = load_train_state(state_path);
    EXPECT_EQ(ts.step, static_cast<uint64_t>(kSteps));
    if (!skip_optimizer_state) opt.load_state(ts.optimizer);
    Rng data = rng_from_state(ts.rngs.at("data"));
    for (uint64_t s = ts.step; s < 2 * kSteps; ++s) losses->push_back(train_step(*net, opt, data));
    return net;
  }

  fs::path dir_;
  std::unique_ptr<Net> reference_;
  std::vector<double> reference_losses_;
};

TEST_F(Resume, EqualsUninterruptedRunBitForBit) {
  std::vector<double> losses;
  std::unique_ptr<Net> resumed = interrupted_run(false, &losses);
  ASSERT_EQ(losses.size(), reference_losses_.size());
  for (size_t i = 0; i < losses.size(); ++i) {
    EXPECT_EQ(losses[i], reference_losses_[i]) << "step " << i;
  }
  EXPECT_EQ(differing(*resumed, *reference_), "");
  // The buffers really moved: running statistics and the batch counter of 2k training steps.
  int counters = 0;
  for (const auto& [name, t] : resumed->named_buffers()) {
    if (name.find("num_batches_tracked") == std::string::npos) continue;
    EXPECT_EQ(t.item(), 2 * kSteps) << name;
    ++counters;
  }
  EXPECT_EQ(counters, 3);
}

// The comparison can fail: resuming without the optimizer state (AdamW moments and step counts)
// diverges from the reference.
TEST_F(Resume, WithoutOptimizerStateDiverges) {
  std::vector<double> losses;
  std::unique_ptr<Net> resumed = interrupted_run(true, &losses);
  EXPECT_NE(differing(*resumed, *reference_), "");
  EXPECT_NE(losses.back(), reference_losses_.back());
}

}  // namespace
}  // namespace acl::models
