// The pretraining experiment config (train/experiment/experiment_config.h): defaults, every file
// of configs/, round trips, strict keys with suggestions, typed values, --set overrides, method
// defaults and cross-field rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/json_test_util.h"
#include "tests/test_files.h"
#include "train/experiment/experiment_config.h"

namespace acl::experiment {
namespace {

namespace fs = std::filesystem;
using acl::testing::differing_paths;
using acl::testing::flatten_json;
using nlohmann::json;

using acl::testing::error_of;

// The smallest valid config.
json minimal() {
  return {{"data", {{"cache", "data_cache/synthetic"}}}};
}

std::string parse_error(const json& j) {
  return error_of([&] { ExperimentConfig::from_json(j, "config.json"); });
}

// The "objective" section of a config whose objective is the method's defaults.
json method_defaults_json(Method m) {
  ExperimentConfig c;
  c.objective = method_defaults(m);
  return c.to_json()["objective"];
}

fs::path configs_dir() {
  return fs::path(ACL_SOURCE_DIR) / "configs";
}

ExperimentConfig load_config(const std::string& name) {
  return load_experiment_config((configs_dir() / name).string());
}

// A temporary config file holding `text` (removed at exit).
std::string config_file(const std::string& name, const std::string& text) {
  const std::string path = acl::testing::temp_path("experiment_" + name + ".json");
  std::ofstream(path) << text;
  return path;
}

// A patch of the minimal config and the error message it must start with.
struct ErrorCase {
  json patch;
  std::string message;
};

void expect_parse_errors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.message);
    json j = minimal();
    j.merge_patch(c.patch);
    const std::string err = parse_error(j);
    EXPECT_EQ(err.rfind(c.message, 0), 0u) << err;
  }
}

// ---- defaults ----------------------------------------------------------------------------------

TEST(ExperimentConfig, DefaultsOfAMinimalConfig) {
  const ExperimentConfig c = ExperimentConfig::from_json(minimal());
  EXPECT_EQ(c.seed, 0u);
  EXPECT_EQ(c.out_dir, "runs/experiment");
  EXPECT_EQ(c.data.cache, "data_cache/synthetic");
  EXPECT_EQ(c.data.split, Split::kTrain);
  EXPECT_EQ(c.data.view_length, 250);
  EXPECT_EQ(c.data.prefetch_batches, 4);
  EXPECT_EQ(c.encoder.type, models::EncoderType::kLeadwise);
  EXPECT_EQ(c.encoder.leads, models::independent_leads());
  EXPECT_EQ(c.heads.projection.out_dim, 128);
  EXPECT_TRUE(c.heads.region.regions.empty());
  EXPECT_EQ(c.objective.method, Method::kAcl);
  EXPECT_EQ(c.objective.lambda_g, 1.0);
  EXPECT_EQ(c.objective.lambda_r, 1.0);
  EXPECT_EQ(c.objective.tau, 0.1);
  const augment::AugmentConfig& a = c.objective.augmentations;
  EXPECT_TRUE(a.scale_crop.enabled);
  EXPECT_TRUE(a.cycle_mask.enabled);
  EXPECT_TRUE(a.time_shift.enabled);
  EXPECT_FALSE(a.segments.enabled);
  EXPECT_FALSE(a.amplitude_scale.enabled);
  EXPECT_FALSE(a.gaussian_noise.enabled);
  EXPECT_FALSE(a.baseline_wander.enabled);
  EXPECT_FALSE(a.lead_dropout.enabled);
  EXPECT_FALSE(a.vcg.enabled);
  EXPECT_EQ(a.n_views, 2);
  EXPECT_EQ(c.optimizer.name, OptimizerName::kAdamw);
  EXPECT_EQ(c.optimizer.lr, 1e-3);
  EXPECT_EQ(c.optimizer.beta1, 0.9);
  EXPECT_EQ(c.optimizer.beta2, 0.999);
  EXPECT_EQ(c.optimizer.warmup_steps, 100);
  EXPECT_EQ(c.train.steps, 1000);
  EXPECT_EQ(c.train.batch_size, 64);
  EXPECT_EQ(c.train.on_nonfinite, OnNonfinite::kStop);
  EXPECT_EQ(c.train.device, TrainDevice::kAuto);
  EXPECT_EQ(c.train.precision, Precision::kF32);

  // The parsed minimal config is the default struct with its cache set.
  ExperimentConfig d;
  d.data.cache = "data_cache/synthetic";
  EXPECT_EQ(c.to_json(), d.to_json());
}

TEST(ExperimentConfig, DataCacheIsRequired) {
  EXPECT_EQ(parse_error(json::object()),
            "config.json: data.cache: required: the prepared dataset directory (acl_prepare --out "
            "DIR), e.g. \"data_cache/synthetic\"");
  EXPECT_NE(parse_error({{"data", {{"cache", ""}}}}).find("data.cache: required"),
            std::string::npos);
}

TEST(ExperimentConfig, TopLevelMustBeAnObject) {
  EXPECT_EQ(parse_error(json::array()),
            "config.json: expected a JSON object at the top level, got array []");
}

// ---- configs/ ----------------------------------------------------------------------------------

TEST(ConfigFiles, EveryFileParsesAndRoundTrips) {
  std::vector<std::string> names;
  // acl_eval's configs (eval_*.json) have their own schema and tests (train/eval).
  for (const auto& e : fs::directory_iterator(configs_dir()))
    if (e.path().extension() == ".json" && e.path().filename().string().rfind("eval_", 0) != 0)
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const char* want :
       {"quickstart.json", "acl_ptbxl.json", "simclr_ptbxl.json", "clocs_ptbxl.json",
        "3kg_ptbxl.json", "acl_ptbxl_no_region.json", "acl_ptbxl_no_cycle_mask.json",
        "acl_ptbxl_no_scale_crop.json", "acl_ptbxl_no_shift.json", "quickstart_simclr.json",
        "quickstart_clocs.json", "quickstart_3kg.json", "quickstart_no_region.json",
        "quickstart_no_cycle_mask.json", "quickstart_no_scale_crop.json",
        "quickstart_no_shift.json"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    ExperimentConfig c;
    ASSERT_NO_THROW(c = load_config(name));
    const json j = c.to_json();
    EXPECT_EQ(ExperimentConfig::from_json(j).to_json(), j);
    EXPECT_EQ(ExperimentConfig::from_json(json::parse(j.dump())).to_json(), j);
    EXPECT_EQ(c.out_dir, "runs/" + name.substr(0, name.size() - 5));  // one run dir per config
  }
}

TEST(ConfigFiles, QuickstartIsASmallAclRunOnTheSyntheticCache) {
  const ExperimentConfig c = load_config("quickstart.json");
  EXPECT_EQ(c.data.cache, "data_cache/synthetic");
  EXPECT_EQ(c.objective.method, Method::kAcl);
  EXPECT_GT(c.objective.lambda_r, 0);
  EXPECT_EQ(c.encoder.type, models::EncoderType::kLeadwise);
  EXPECT_TRUE(c.heads.region.regions.empty());  // the default regions
  EXPECT_LE(c.data.view_length, 300);
  EXPECT_LE(c.train.steps, 1000);
  EXPECT_LE(c.train.batch_size, 128);
}

TEST(ConfigFiles, AclPtbxlIsTheDesignRun) {
  const ExperimentConfig c = load_config("acl_ptbxl.json");
  EXPECT_EQ(c.data.cache, "data_cache/ptbxl");
  EXPECT_EQ(c.data.split, Split::kTrain);  // folds 1-8: the evaluation folds stay unseen
  EXPECT_EQ(c.encoder.to_json(), models::EncoderConfig::leadwise_default().to_json());
  EXPECT_EQ(c.objective.method, Method::kAcl);
  EXPECT_EQ(c.objective.lambda_g, 1.0);
  EXPECT_EQ(c.objective.lambda_r, 1.0);
  EXPECT_EQ(c.objective.tau, 0.1);
  EXPECT_EQ(c.objective.augmentations.scale_crop.s_min, 0.5);
  EXPECT_EQ(c.objective.augmentations.scale_crop.s_max, 1.0);
  EXPECT_EQ(c.objective.augmentations.cycle_mask.p, 0.2);
  EXPECT_EQ(c.objective.augmentations.time_shift.max_fraction, 0.1);
}

// Each ablation is acl_ptbxl with exactly one switch changed (and its own run directory).
TEST(ConfigFiles, AblationsChangeOneSwitchEach) {
  const json base = load_config("acl_ptbxl.json").to_json();
  const std::map<std::string, std::string> switched{
      {"acl_ptbxl_no_region.json", "objective.lambda_r"},
      {"acl_ptbxl_no_cycle_mask.json", "objective.augmentations.cycle_mask.enabled"},
      {"acl_ptbxl_no_scale_crop.json", "objective.augmentations.scale_crop.enabled"},
      {"acl_ptbxl_no_shift.json", "objective.augmentations.time_shift.enabled"}};
  for (const auto& [file, key] : switched) {
    SCOPED_TRACE(file);
    const json j = load_config(file).to_json();
    EXPECT_EQ(differing_paths(base, j), (std::vector<std::string>{key, "out_dir"}));
    std::map<std::string, json> flat;
    flatten_json(j, "", flat);
    EXPECT_TRUE(flat.at(key) == json(false) || flat.at(key) == json(0.0)) << flat.at(key);
  }
}

// The baselines share acl_ptbxl's data, optimizer and schedule; they differ in method,
// augmentations, encoder and (CLOCS) view length.
TEST(ConfigFiles, BaselinesShareTheTrainingSetup) {
  const ExperimentConfig acl = load_config("acl_ptbxl.json");
  const ExperimentConfig simclr = load_config("simclr_ptbxl.json");
  const ExperimentConfig clocs = load_config("clocs_ptbxl.json");
  const ExperimentConfig kg = load_config("3kg_ptbxl.json");
  for (const ExperimentConfig* c : {&simclr, &clocs, &kg}) {
    EXPECT_EQ(c->data.cache, acl.data.cache);
    EXPECT_EQ(c->data.split, acl.data.split);
    EXPECT_EQ(c->to_json()["optimizer"], acl.to_json()["optimizer"]);
    EXPECT_EQ(c->to_json()["train"], acl.to_json()["train"]);
    EXPECT_EQ(c->objective.lambda_r, 0);
    EXPECT_EQ(c->encoder.type, models::EncoderType::kResnet1d);
  }
  EXPECT_EQ(simclr.objective.method, Method::kSimclr);
  EXPECT_EQ(simclr.to_json()["objective"], method_defaults_json(Method::kSimclr));

  EXPECT_EQ(clocs.objective.method, Method::kClocs);
  EXPECT_TRUE(clocs.objective.augmentations.segments.enabled);
  EXPECT_EQ(clocs.data.view_length, 500);  // two adjacent 5 s segments at 100 Hz

  EXPECT_EQ(kg.objective.method, Method::kSimclr);
  const augment::AugmentConfig& a = kg.objective.augmentations;
  EXPECT_TRUE(a.vcg.enabled);
  EXPECT_EQ(a.vcg.max_angle_deg, 45);
  EXPECT_EQ(a.vcg.s_min, 1.0);
  EXPECT_EQ(a.vcg.s_max, 1.5);
  EXPECT_TRUE(a.cycle_mask.enabled);
  EXPECT_FALSE(a.amplitude_scale.enabled || a.gaussian_noise.enabled || a.baseline_wander.enabled ||
               a.lead_dropout.enabled || a.scale_crop.enabled || a.time_shift.enabled);
}

// ---- round trip --------------------------------------------------------------------------------

TEST(ExperimentConfig, ToJsonWritesEveryKeyAndRoundTrips) {
  json j = minimal();
  j["seed"] = 12345678901234ull;
  j["out_dir"] = "runs/x";
  j["data"]["split"] = "all";
  j["data"]["view_length"] = 320;
  j["model"]["encoder"] = {{"type", "leadwise"},
                           {"leads", {"II", "V1", "V2"}},
                           {"leadwise", {{"channels", {4, 8}}, {"shared_weights", true}}}};
  j["model"]["heads"] = {
      {"region",
       {{"regions", {{{"name", "a"}, {"leads", {"II"}}}, {{"name", "b"}, {"leads", {"V1", "V2"}}}}},
        {"pooling", "mean"}}}};
  j["objective"] = {{"tau", 0.07},
                    {"lambda_r", 0.5},
                    {"augmentations",
                     {{"vcg", {{"enabled", true}, {"max_angle_deg", 30.5}}},
                      {"scale_crop", {{"s_min", 0.3}, {"s_max", 0.7}}}}}};
  j["optimizer"] = {{"name", "lars"},
                    {"lr", 0.3},
                    {"betas", {0.5, 0.75}},
                    {"clip_grad_norm", 1.5},
                    {"schedule", {{"warmup_steps", 7}, {"min_lr", 0.001}}}};
  j["train"] = {{"steps", 5000000000ll}, {"on_nonfinite", "skip"}, {"device", "cpu"}};
  const ExperimentConfig c = ExperimentConfig::from_json(j);
  EXPECT_EQ(c.seed, 12345678901234ull);
  EXPECT_EQ(c.train.steps, 5000000000ll);
  EXPECT_EQ(c.optimizer.beta1, 0.5);
  EXPECT_EQ(c.optimizer.beta2, 0.75);
  EXPECT_EQ(c.heads.region.regions.size(), 2u);

  const json out = c.to_json();
  std::map<std::string, json> flat, defaults;
  flatten_json(out, "", flat);
  flatten_json(ExperimentConfig{}.to_json(), "", defaults);
  for (const auto& kv : defaults) EXPECT_TRUE(flat.count(kv.first)) << kv.first;
  for (const char* key : {"objective.augmentations.lead_dropout.p", "optimizer.schedule.min_lr",
                          "train.keep_checkpoints", "data.prefetch_batches",
                          "model.encoder.resnet.stem_pool", "model.heads.projection.hidden_dim"}) {
    EXPECT_TRUE(flat.count(key)) << key;
  }
  EXPECT_EQ(ExperimentConfig::from_json(out).to_json(), out);
  EXPECT_EQ(ExperimentConfig::from_json(json::parse(out.dump(2))).to_json(), out);
}

// ---- strict keys -------------------------------------------------------------------------------

TEST(ExperimentConfig, UnknownKeysNameTheClosestKeyAtEveryDepth) {
  struct Case {
    std::vector<std::string> path;  // where the misspelt key goes (its parents)
    std::string key;
    std::string message;  // expected prefix
  };
  const std::vector<Case> cases{
      {{}, "sed", "config.json: sed: unknown key; did you mean 'seed'?"},
      {{"train"}, "stpes", "config.json: train.stpes: unknown key; did you mean 'steps'?"},
      {{"data"},
       "view_len",
       "config.json: data.view_len: unknown key; did you mean 'view_length'?"},
      {{"model"}, "encodr", "config.json: model.encodr: unknown key; did you mean 'encoder'?"},
      {{"model", "encoder", "leadwise"},
       "chanels",
       "config.json: model.encoder.leadwise.chanels: unknown key; did you mean 'channels'?"},
      {{"model", "heads", "region"},
       "pooling_",
       "config.json: model.heads.region.pooling_: unknown key; did you mean 'pooling'?"},
      {{"objective"},
       "lamda_r",
       "config.json: objective.lamda_r: unknown key; did you mean 'lambda_r'?"},
      {{"objective", "augmentations"},
       "cycle_masking",
       "config.json: objective.augmentations.cycle_masking: unknown key; did you mean "
       "'cycle_mask'?"},
      {{"objective", "augmentations", "time_shift"},
       "max_frac",
       "config.json: objective.augmentations.time_shift.max_frac: unknown key; did you mean "
       "'max_fraction'?"},
      {{"optimizer", "schedule"},
       "warmup",
       "config.json: optimizer.schedule.warmup: unknown key; did you mean 'warmup_steps'?"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    json j = minimal();
    json* at = &j;
    for (const std::string& k : c.path) at = &(*at)[k];
    (*at)[c.key] = 1;
    const std::string err = parse_error(j);
    EXPECT_EQ(err.rfind(c.message, 0), 0u) << err;
  }
}

TEST(ExperimentConfig, MistypedValuesNameThePathAndTheExpectedType) {
  expect_parse_errors({
      {{{"train", {{"steps", "100"}}}},
       "config.json: train.steps: expected an integer (steps >= 1), got string \"100\""},
      {{{"train", {{"steps", 10.5}}}},
       "config.json: train.steps: expected an integer (steps >= 1), got number 10.5"},
      {{{"seed", -1}}, "config.json: seed: expected an integer (seed >= 0), got number -1"},
      {{{"objective", {{"tau", "0.1"}}}},
       "config.json: objective.tau: expected a number (tau > 0), got string \"0.1\""},
      {{{"objective", {{"augmentations", {{"cycle_mask", {{"enabled", "yes"}}}}}}}},
       "config.json: objective.augmentations.cycle_mask.enabled: expected a boolean (true or "
       "false), got string \"yes\""},
      {{{"objective", {{"augmentations", {{"cycle_mask", {{"p", 1.5}}}}}}}},
       "config.json: objective.augmentations.cycle_mask.p = 1.5: expected 0 <= p < 1"},
      {{{"objective", {{"augmentations", {{"scale_crop", {{"s_min", 0.9}, {"s_max", 0.6}}}}}}}},
       "config.json: objective.augmentations.scale_crop.s_min = 0.9: expected 0 < s_min <= s_max "
       "<= 1 (s_max = 0.6)"},
      {{{"optimizer", {{"betas", {0.9}}}}},
       "config.json: optimizer.betas: expected an array of two numbers in [0, 1) ([beta1, "
       "beta2]), got array [0.9]"},
      {{{"optimizer", {{"lr", 0}}}}, "config.json: optimizer.lr = 0: expected lr > 0"},
      {{{"optimizer", {{"schedule", {{"min_lr", 0.01}}}}}},
       "config.json: optimizer.schedule.min_lr = 0.01: expected 0 <= min_lr <= optimizer.lr = "
       "0.001"},
      {{{"data", {{"cache", 3}}}}, "config.json: data.cache: expected a string, got number 3"},
      {{{"data", {{"split", "training"}}}},
       "config.json: data.split: unknown split \"training\"; did you mean \"train\"? (valid: "
       "\"train\", \"val\", \"test\", \"all\")"},
      {{{"train", {{"on_nonfinite", "skp"}}}},
       "config.json: train.on_nonfinite: unknown value \"skp\"; did you mean \"skip\"?"},
      {{{"train", 5}}, "config.json: train: expected an object, got number 5"},
      {{{"model", {{"encoder", {{"leadwise", {{"kernel_size", "3"}}}}}}}},
       "config.json: model.encoder.leadwise.kernel_size: expected an integer (odd, >= 1), got "
       "string \"3\""},
  });
}

// ---- --set -------------------------------------------------------------------------------------

TEST(Overrides, SetValuesOfEveryKind) {
  json j = minimal();
  apply_overrides(
      j, {"train.steps=200", "objective.tau=0.2", "train.device=cpu",
          "model.encoder.leadwise.shared_weights=true", "model.encoder.leadwise.channels=[8,16]",
          "out_dir=runs/a b", "objective.augmentations.vcg.max_angle_deg=30",
          "train.on_nonfinite=\"skip\""});
  EXPECT_EQ(j["train"]["steps"], 200);
  EXPECT_EQ(j["train"]["device"], "cpu");  // not JSON: taken as a string
  EXPECT_EQ(j["out_dir"], "runs/a b");
  EXPECT_EQ(j["train"]["on_nonfinite"], "skip");  // a JSON string
  const ExperimentConfig c = ExperimentConfig::from_json(j);
  EXPECT_EQ(c.train.steps, 200);
  EXPECT_EQ(c.objective.tau, 0.2);
  EXPECT_EQ(c.train.device, TrainDevice::kCpu);
  EXPECT_TRUE(c.encoder.leadwise.shared_weights);
  EXPECT_EQ(c.encoder.leadwise.channels, (std::vector<int>{8, 16}));
  EXPECT_EQ(c.objective.augmentations.vcg.max_angle_deg, 30);
  EXPECT_EQ(c.data.cache, "data_cache/synthetic");  // untouched keys stay
}

TEST(Overrides, KeysAbsentFromTheFileCanBeSetAndLaterOverridesWin) {
  json j = minimal();
  apply_overrides(j, {"optimizer.schedule.warmup_steps=5", "optimizer.betas=[0.8, 0.9]",
                      "train.steps=10", "train.steps=20"});
  const ExperimentConfig c = ExperimentConfig::from_json(j);
  EXPECT_EQ(c.optimizer.warmup_steps, 5);
  EXPECT_EQ(c.optimizer.beta1, 0.8);
  EXPECT_EQ(c.train.steps, 20);
  // A path may name a whole object.
  apply_overrides(j, {"objective.augmentations.cycle_mask={\"enabled\": false}"});
  EXPECT_FALSE(ExperimentConfig::from_json(j).objective.augmentations.cycle_mask.enabled);
}

TEST(Overrides, ErrorsNameTheOverrideAndTheClosestPath) {
  json j = minimal();
  EXPECT_EQ(error_of([&] { apply_overrides(j, {"train.stpes=5"}); }),
            "--set 'train.stpes=5': unknown key path 'train.stpes'; did you mean 'train.steps'?");
  EXPECT_EQ(error_of([&] { apply_overrides(j, {"optimzer.lr=0.1"}); }),
            "--set 'optimzer.lr=0.1': unknown key path 'optimzer.lr'; did you mean "
            "'optimizer.lr'?");
  EXPECT_EQ(error_of([&] { apply_overrides(j, {"model.encoder.leadwise.chanels=[4]"}); }),
            "--set 'model.encoder.leadwise.chanels=[4]': unknown key path "
            "'model.encoder.leadwise.chanels'; did you mean 'model.encoder.leadwise.channels'?");
  EXPECT_EQ(error_of([&] { apply_overrides(j, {"train.steps.x=1"}); }),
            "--set 'train.steps.x=1': unknown key path 'train.steps.x'; did you mean "
            "'train.steps'?");
  EXPECT_EQ(error_of([&] { apply_overrides(j, {"train.steps"}); }),
            "--set 'train.steps': expected PATH=VALUE (e.g. train.steps=200)");
  EXPECT_NE(error_of([&] { apply_overrides(j, {"=3"}); }).find("unknown key path ''"),
            std::string::npos);
  json bad = minimal();
  bad["train"] = 3;
  EXPECT_EQ(error_of([&] { apply_overrides(bad, {"train.steps=1"}); }),
            "--set 'train.steps=1': train is number 3 in the config, not an object");
  // A failed override leaves the config as it was.
  EXPECT_EQ(j, minimal());
  // A well-formed override of the wrong type is reported by the parser, with its path.
  apply_overrides(j, {"train.batch_size=big"});
  EXPECT_EQ(parse_error(j),
            "config.json: train.batch_size: expected an integer (batch_size >= 2 (the other "
            "records of the batch are the negatives)), got string \"big\"");
}

// ---- method defaults ---------------------------------------------------------------------------

TEST(MethodDefaults, EachMethodHasItsObjectiveDefaults) {
  const ObjectiveConfig acl = method_defaults(Method::kAcl);
  EXPECT_EQ(acl.lambda_r, 1.0);
  EXPECT_TRUE(acl.augmentations.scale_crop.enabled && acl.augmentations.cycle_mask.enabled &&
              acl.augmentations.time_shift.enabled);

  const ObjectiveConfig simclr = method_defaults(Method::kSimclr);
  const augment::AugmentConfig& s = simclr.augmentations;
  EXPECT_EQ(simclr.lambda_r, 0.0);
  EXPECT_EQ(simclr.lambda_g, 1.0);
  EXPECT_FALSE(s.scale_crop.enabled || s.cycle_mask.enabled || s.time_shift.enabled ||
               s.segments.enabled || s.vcg.enabled);
  EXPECT_TRUE(s.amplitude_scale.enabled && s.gaussian_noise.enabled && s.baseline_wander.enabled &&
              s.lead_dropout.enabled);

  const ObjectiveConfig clocs = method_defaults(Method::kClocs);
  const augment::AugmentConfig& k = clocs.augmentations;
  EXPECT_EQ(clocs.lambda_r, 0.0);
  EXPECT_TRUE(k.segments.enabled);
  EXPECT_FALSE(k.scale_crop.enabled || k.cycle_mask.enabled || k.time_shift.enabled ||
               k.amplitude_scale.enabled || k.gaussian_noise.enabled || k.baseline_wander.enabled ||
               k.lead_dropout.enabled || k.vcg.enabled);

  for (Method m : {Method::kAcl, Method::kSimclr, Method::kClocs}) {
    EXPECT_EQ(method_defaults(m).method, m);
    EXPECT_EQ(method_defaults(m).augmentations.n_views, 2);
    json j = minimal();
    j["objective"] = {{"method", method_name(m)}};
    EXPECT_EQ(ExperimentConfig::from_json(j).to_json()["objective"], method_defaults_json(m))
        << method_name(m);
  }
  EXPECT_STREQ(method_name(Method::kAcl), "acl");
  EXPECT_STREQ(method_name(Method::kSimclr), "simclr");
  EXPECT_STREQ(method_name(Method::kClocs), "clocs");
}

TEST(MethodDefaults, ExplicitKeysWinOverTheMethodDefaults) {
  json j = minimal();
  j["objective"] = {{"method", "simclr"},
                    {"augmentations",
                     {{"time_shift", {{"enabled", true}, {"max_fraction", 0.2}}},
                      {"gaussian_noise", {{"enabled", false}}},
                      {"lead_dropout", {{"p", 0.3}}}}}};
  const augment::AugmentConfig a = ExperimentConfig::from_json(j).objective.augmentations;
  EXPECT_TRUE(a.time_shift.enabled);  // explicit, off by simclr's default
  EXPECT_EQ(a.time_shift.max_fraction, 0.2);
  EXPECT_FALSE(a.gaussian_noise.enabled);  // explicit, on by simclr's default
  EXPECT_TRUE(a.lead_dropout.enabled);     // simclr's default kept beside an explicit p
  EXPECT_EQ(a.lead_dropout.p, 0.3);
  EXPECT_TRUE(a.amplitude_scale.enabled);  // untouched: simclr's default
  EXPECT_FALSE(a.scale_crop.enabled);

  json k = minimal();
  k["objective"] = {{"augmentations", {{"scale_crop", {{"enabled", false}}}}}};
  const ExperimentConfig acl = ExperimentConfig::from_json(k);
  EXPECT_FALSE(acl.objective.augmentations.scale_crop.enabled);
  EXPECT_TRUE(acl.objective.augmentations.cycle_mask.enabled);

  // --set objective.method switches the defaults of a file that names no augmentation.
  json m = minimal();
  apply_overrides(m, {"objective.method=clocs", "objective.lambda_r=0"});
  EXPECT_TRUE(ExperimentConfig::from_json(m).objective.augmentations.segments.enabled);
}

// ---- cross-field rules -------------------------------------------------------------------------

TEST(CrossField, RulesNameTheKeyToFix) {
  const json resnet = {{"type", "resnet1d"}};
  expect_parse_errors({
      {{{"model", {{"encoder", resnet}}}},
       "config.json: model.encoder.type: is \"resnet1d\", but the acl method with "
       "objective.lambda_r > 0 needs the lead-wise encoder"},
      {{{"objective", {{"tau", 0}}}}, "config.json: objective.tau = 0: expected tau > 0"},
      {{{"objective", {{"tau", -0.5}}}}, "config.json: objective.tau = -0.5: expected tau > 0"},
      {{{"train", {{"batch_size", 1}}}},
       "config.json: train.batch_size = 1: expected batch_size >= 2 (the other records of the "
       "batch are the negatives)"},
      {{{"train", {{"precision", "bf16"}}}},
       "config.json: train.precision: \"bf16\" (mixed precision) is not implemented yet; use "
       "\"f32\""},
      {{{"train", {{"precision", "fp16"}}}},
       "config.json: train.precision: unknown precision \"fp16\"; did you mean \"f32\"? (valid: "
       "\"f32\")"},
      {{{"train", {{"device", "gpu"}}}},
       "config.json: train.device: unknown device \"gpu\"; did you mean \"cuda\"? (valid: "
       "\"auto\", \"cpu\", \"cuda\")"},
      {{{"train", {{"device", "cudaa"}}}},
       "config.json: train.device: unknown device \"cudaa\"; did you mean \"cuda\"?"},
      {{{"optimizer", {{"name", "adam"}}}},
       "config.json: optimizer.name: unknown optimizer \"adam\"; did you mean \"adamw\"? (valid: "
       "\"sgd\", \"adamw\", \"lars\")"},
      {{{"optimizer", {{"name", "lamb"}}}},
       "config.json: optimizer.name: unknown optimizer \"lamb\"; did you mean \"lars\"?"},
      {{{"objective", {{"method", "simclar"}}}},
       "config.json: objective.method: unknown method \"simclar\"; did you mean \"simclr\"?"},
      {{{"objective", {{"method", "simclr"}, {"lambda_r", 1.0}}}},
       "config.json: objective.lambda_r: is 1.0, but the region loss belongs to the acl method; "
       "simclr trains the global loss only (set lambda_r to 0)"},
      {{{"objective", {{"lambda_g", 0}, {"lambda_r", 0}}}},
       "config.json: objective.lambda_g: both loss weights (lambda_g, lambda_r) are 0"},
      {{{"objective",
         {{"method", "clocs"}, {"augmentations", {{"segments", {{"enabled", false}}}}}}}},
       "config.json: objective.augmentations.segments.enabled: the clocs method takes its views "
       "from adjacent segments"},
      {{{"objective", {{"augmentations", {{"baseline_wander", {{"f_max", 60}}}}}}}},
       "config.json: objective.augmentations.baseline_wander.f_max = 60: expected 0.05 <= f_max "
       "< fs / 2 = 50 Hz"},
      {{{"train", {{"steps", 50}}}},
       "config.json: optimizer.schedule.warmup_steps: 100 is more than train.steps (50)"},
      {{{"data", {{"view_length", 31}}}},
       "config.json: data.view_length: 31 samples are too short for the lead-wise encoder's 5 "
       "pooling blocks (pool_size 2): it needs at least 32"},
      {{{"model",
         {{"heads", {{"region", {{"regions", {{{"name", "limb"}, {"leads", {"I", "II"}}}}}}}}}}}},
       "config.json: model.heads.region.regions[0] (limb): lead I is not among the encoder's "
       "leads"},
  });
}

TEST(CrossField, ValidCombinationsParse) {
  // The whole-ECG encoder with the acl method but no region loss (an ablation).
  json j = minimal();
  j["model"]["encoder"] = {{"type", "resnet1d"}};
  j["objective"] = {{"lambda_r", 0}};
  EXPECT_NO_THROW(ExperimentConfig::from_json(j));
  // Regions over the encoder's own leads.
  json k = minimal();
  k["model"]["encoder"] = {{"leads", "all"}};
  k["model"]["heads"]["region"]["regions"] = {{{"name", "limb"}, {"leads", {"I", "II", "aVF"}}}};
  EXPECT_NO_THROW(ExperimentConfig::from_json(k));
  // The shortest view the default lead-wise encoder accepts.
  json l = minimal();
  l["data"]["view_length"] = 32;
  EXPECT_NO_THROW(ExperimentConfig::from_json(l));
  // Segments with a scale crop inside each segment.
  json s = minimal();
  s["objective"] = {{"augmentations", {{"segments", {{"enabled", true}}}}}};
  EXPECT_TRUE(ExperimentConfig::from_json(s).objective.augmentations.scale_crop.enabled);
  // Region rules apply only where the region loss is used.
  json m = minimal();
  m["objective"] = {{"lambda_r", 0}};
  m["model"]["heads"]["region"]["regions"] = {{{"name", "limb"}, {"leads", {"I"}}}};
  EXPECT_NO_THROW(ExperimentConfig::from_json(m));
}

// ---- files -------------------------------------------------------------------------------------

TEST(LoadExperimentConfig, FileErrorsNameTheFile) {
  const std::string missing = (fs::temp_directory_path() / "acl_no_such_config.json").string();
  EXPECT_EQ(error_of([&] { load_experiment_config(missing); }),
            missing + ": cannot open the config file (No such file or directory)");

  const std::string bad = config_file("bad", "{\n  \"seed\": 1,\n  \"train\": {\"steps\": }\n}\n");
  const std::string err = error_of([&] { load_experiment_config(bad); });
  EXPECT_EQ(err.rfind(bad + ": invalid JSON: parse error at line 3, column 22:", 0), 0u) << err;

  const std::string comment =
      config_file("comment", "{\"data\": {\"cache\": \"d\"}} // no comments\n");
  EXPECT_NE(error_of([&] {
              load_experiment_config(comment);
            }).find(comment + ": invalid JSON: parse error at line 1"),
            std::string::npos);

  const std::string unknown =
      config_file("unknown", "{\"data\": {\"cache\": \"d\"}, \"train\": {\"stpes\": 3}}");
  EXPECT_EQ(error_of([&] {
              load_experiment_config(unknown);
            }).rfind(unknown + ": train.stpes: unknown key; did you mean 'steps'?", 0),
            0u);
}

TEST(LoadExperimentConfig, AppliesOverridesBeforeParsing) {
  // 3 steps are fewer than the default 100 warm-up steps: valid only once overridden.
  const std::string file =
      config_file("short", "{\"data\": {\"cache\": \"d\"}, \"train\": {\"steps\": 3}}");
  EXPECT_NE(error_of([&] {
              load_experiment_config(file);
            }).find("optimizer.schedule.warmup_steps: 100 is more than train.steps (3)"),
            std::string::npos);
  const ExperimentConfig c =
      load_experiment_config(file, {"train.steps=700", "data.cache=elsewhere"});
  EXPECT_EQ(c.train.steps, 700);
  EXPECT_EQ(c.data.cache, "elsewhere");
  // The quickstart's step count is one --set away.
  const ExperimentConfig q =
      load_experiment_config((configs_dir() / "quickstart.json").string(), {"train.steps=20"});
  EXPECT_EQ(q.train.steps, 20);
  // Setting the right key leaves a misspelt one in the file an error.
  const std::string misspelt =
      config_file("misspelt", "{\"data\": {\"cache\": \"d\"}, \"train\": {\"stpes\": 3}}");
  EXPECT_NE(error_of([&] {
              load_experiment_config(misspelt, {"train.steps=7"});
            }).find("train.stpes: unknown key"),
            std::string::npos);
}

}  // namespace
}  // namespace acl::experiment
