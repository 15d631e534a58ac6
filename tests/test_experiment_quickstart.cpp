// The quickstart's baselines and ablations (configs/quickstart_*.json) against the quickstart,
// and switching objective.method on the command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
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
using acl::testing::error_of;
using acl::testing::flatten_json;
using nlohmann::json;

std::string config_path(const std::string& name) {
  return (fs::path(ACL_SOURCE_DIR) / "configs" / name).string();
}

json objective_of(Method m) {
  ExperimentConfig c;
  c.objective = method_defaults(m);
  return c.to_json()["objective"];
}

TEST(QuickstartConfigs, AblationsChangeOneSwitchEach) {
  const json base = load_experiment_config(config_path("quickstart.json")).to_json();
  const std::map<std::string, std::vector<std::string>> switched{
      {"quickstart_no_region.json", {"objective.lambda_r"}},
      {"quickstart_no_cycle_mask.json", {"objective.augmentations.cycle_mask.enabled"}},
      {"quickstart_no_shift.json", {"objective.augmentations.time_shift.enabled"}},
      // Without the crop a view is the whole 10 s record, kept at its 100 Hz (1000 samples).
      {"quickstart_no_scale_crop.json",
       {"data.view_length", "objective.augmentations.scale_crop.enabled"}}};
  for (const auto& [file, keys] : switched) {
    SCOPED_TRACE(file);
    const json j = load_experiment_config(config_path(file)).to_json();
    std::vector<std::string> want = keys;
    want.push_back("out_dir");
    std::vector<std::string> got = differing_paths(base, j);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want);
    std::map<std::string, json> flat;
    flatten_json(j, "", flat);
    EXPECT_TRUE(flat.at(keys.back()) == json(false) || flat.at(keys.back()) == json(0.0));
  }
  EXPECT_EQ(load_experiment_config(config_path("quickstart_no_scale_crop.json")).data.view_length,
            1000);
}

TEST(QuickstartConfigs, BaselinesShareTheQuickstartBudgetAndEncoder) {
  const ExperimentConfig acl = load_experiment_config(config_path("quickstart.json"));
  const json a = acl.to_json();
  for (const char* file :
       {"quickstart_simclr.json", "quickstart_clocs.json", "quickstart_3kg.json"}) {
    SCOPED_TRACE(file);
    const ExperimentConfig c = load_experiment_config(config_path(file));
    const json j = c.to_json();
    EXPECT_EQ(j["data"]["cache"], a["data"]["cache"]);
    EXPECT_EQ(j["data"]["split"], a["data"]["split"]);
    EXPECT_EQ(j["model"],
              a["model"]);  // the same small lead-wise encoder: only the objective differs
    EXPECT_EQ(j["optimizer"], a["optimizer"]);
    EXPECT_EQ(j["train"], a["train"]);
    EXPECT_EQ(j["seed"], a["seed"]);
    EXPECT_EQ(c.objective.lambda_r, 0);
  }
  const ExperimentConfig simclr = load_experiment_config(config_path("quickstart_simclr.json"));
  EXPECT_EQ(simclr.objective.method, Method::kSimclr);
  // SimCLR's augmentations on a fixed 2.5 s crop (250 samples at 100 Hz, like ACL-ECG's views).
  json want = objective_of(Method::kSimclr);
  want["augmentations"]["scale_crop"] = {{"enabled", true}, {"s_min", 0.25}, {"s_max", 0.25}};
  EXPECT_EQ(simclr.to_json()["objective"], want);
  EXPECT_EQ(simclr.data.view_length, 250);

  const ExperimentConfig clocs = load_experiment_config(config_path("quickstart_clocs.json"));
  EXPECT_EQ(clocs.objective.method, Method::kClocs);
  EXPECT_EQ(clocs.to_json()["objective"], objective_of(Method::kClocs));
  EXPECT_EQ(clocs.data.view_length, 500);  // the two 5 s halves of the record at 100 Hz
  // CMSC: the patient's other records are positives and share the batch.
  EXPECT_EQ(clocs.objective.positives, experiment::Positives::kPatient);
  EXPECT_EQ(clocs.data.order, experiment::DataOrder::kPatients);
  EXPECT_EQ(simclr.data.order, experiment::DataOrder::kRecords);
  EXPECT_EQ(simclr.objective.positives, experiment::Positives::kRecord);
  EXPECT_EQ(acl.data.order, experiment::DataOrder::kRecords);
  EXPECT_EQ(acl.objective.positives, experiment::Positives::kRecord);

  const ExperimentConfig kg = load_experiment_config(config_path("quickstart_3kg.json"));
  const ExperimentConfig kg_ptbxl = load_experiment_config(config_path("3kg_ptbxl.json"));
  json kg_aug = kg.to_json()["objective"]["augmentations"];
  json kg_ptbxl_aug = kg_ptbxl.to_json()["objective"]["augmentations"];
  kg_ptbxl_aug["scale_crop"] = kg_aug["scale_crop"];
  EXPECT_EQ(kg_aug, kg_ptbxl_aug);  // 3KG's augmentations as on PTB-XL, on the 2.5 s crop
  EXPECT_TRUE(kg.objective.augmentations.vcg.enabled);
}

TEST(MethodSwitch, SetMethodOnTheQuickstartAppliesThatMethodsDefaults) {
  for (Method m : {Method::kSimclr, Method::kClocs}) {
    SCOPED_TRACE(method_name(m));
    const ExperimentConfig c = load_experiment_config(
        config_path("quickstart.json"), {std::string("objective.method=") + method_name(m)});
    EXPECT_EQ(c.objective.method, m);
    json want = objective_of(m);
    // The quickstart's crop range differs from ACL-ECG's default: kept, but the crop is off.
    want["augmentations"]["scale_crop"]["s_min"] = 0.2;
    want["augmentations"]["scale_crop"]["s_max"] = 0.3;
    EXPECT_EQ(c.to_json()["objective"], want);
  }
  // Other keys given on the command line win over the new method's defaults.
  const ExperimentConfig c = load_experiment_config(
      config_path("quickstart.json"), {"objective.augmentations.cycle_mask.enabled=true",
                                       "objective.method=simclr", "objective.tau=0.2"});
  EXPECT_TRUE(c.objective.augmentations.cycle_mask.enabled);
  EXPECT_TRUE(c.objective.augmentations.gaussian_noise.enabled);
  EXPECT_EQ(c.objective.tau, 0.2);
  // Switching back to the file's own method changes nothing.
  EXPECT_EQ(
      load_experiment_config(config_path("quickstart.json"), {"objective.method=acl"}).to_json(),
      load_experiment_config(config_path("quickstart.json")).to_json());
}

TEST(MethodSwitch, KeysTheFileChoseAreKeptAndEveryConflictIsNamed) {
  // An acl file with a non-default lambda_r (kept: a choice) and segments off (acl's default:
  // follows the method).
  const json j = {{"data", {{"cache", "d"}}},
                  {"objective",
                   {{"method", "acl"},
                    {"lambda_r", 0.5},
                    {"augmentations", {{"segments", {{"enabled", false}}}}}}}};
  for (const char* to : {"simclr", "clocs"}) {
    json switched = j;
    apply_overrides(switched, {std::string("objective.method=") + to});
    EXPECT_EQ(switched["objective"]["lambda_r"], 0.5);
    EXPECT_FALSE(switched["objective"].contains("augmentations"));
    EXPECT_EQ(error_of([&] { ExperimentConfig::from_json(switched, "f.json"); }),
              std::string("f.json: objective.lambda_r: is 0.5, but the region loss belongs to the "
                          "acl method; ") +
                  to + " trains the global loss only (set lambda_r to 0)");
  }
  // Several keys contradicting the method are named in one error. The file itself naming a
  // method never drops its keys: only a command-line switch does.
  json clocs = j;
  clocs["objective"]["method"] = "clocs";
  const std::string err = error_of([&] { ExperimentConfig::from_json(clocs, "f.json"); });
  EXPECT_EQ(err.rfind("f.json: objective.method: \"clocs\" contradicts 2 keys; change every one: "
                      "objective.lambda_r: is 0.5, but the region loss belongs to the acl "
                      "method; clocs trains the global loss only (set lambda_r to 0); "
                      "objective.augmentations.segments.enabled: the clocs method takes its "
                      "views from adjacent segments",
                      0),
            0u)
      << err;
}

TEST(MethodSwitch, FailedOverridesLeaveTheConfigAsItWas) {
  json j = {{"data", {{"cache", "d"}}}, {"objective", {{"method", "acl"}, {"lambda_r", 1.0}}}};
  const json before = j;
  EXPECT_NE(error_of([&] {
              apply_overrides(j, {"objective.method=simclr", "train.stpes=3"});
            }).find("unknown key path 'train.stpes'"),
            std::string::npos);
  EXPECT_EQ(j, before);
  // A misspelt method is left to the parser, which names the valid ones.
  apply_overrides(j, {"objective.method=simclar"});
  EXPECT_EQ(j["objective"]["lambda_r"], 1.0);
  EXPECT_NE(error_of([&] { ExperimentConfig::from_json(j); }).find("did you mean \"simclr\"?"),
            std::string::npos);
}

}  // namespace
}  // namespace acl::experiment
