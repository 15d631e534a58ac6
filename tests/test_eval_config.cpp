// The eval config: defaults, the resolved JSON round trip, --set, and errors naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/test_files.h"
#include "train/eval/eval_config.h"

namespace acl::eval {
namespace {

using nlohmann::json;
using testing::error_of;

json minimal() {
  return json{{"data", {{"cache", "c"}}}, {"encoder", {{"run", "runs/x"}}}};
}

TEST(EvalConfig, DefaultsAndRoundTrip) {
  const EvalConfig c = EvalConfig::from_json(minimal());
  EXPECT_EQ(c.protocol, Protocol::kLinearProbe);
  EXPECT_EQ(c.label_fractions, (std::vector<double>{0.01, 0.1, 1.0}));
  EXPECT_EQ(c.label_seeds, 5);
  EXPECT_EQ(c.data.crop, 0);
  EXPECT_EQ(c.label(), "linear_probe");
  const EvalConfig back = EvalConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
}

TEST(EvalConfig, ErrorsNameTheKey) {
  json j = minimal();
  j["probe"] = {{"l2_gird", json::array({1.0})}};
  const std::string e = error_of([&] { EvalConfig::from_json(j, "f.json"); });
  EXPECT_NE(e.find("f.json"), std::string::npos) << e;
  EXPECT_NE(e.find("l2_grid"), std::string::npos) << e;

  j = minimal();
  j["label_fractions"] = json::array({0.5, 1.5});
  EXPECT_NE(error_of([&] { EvalConfig::from_json(j); }).find("label_fractions"), std::string::npos);
  j = minimal();
  j["protocol"] = "finetun";
  EXPECT_NE(error_of([&] { EvalConfig::from_json(j); }).find("did you mean \"finetune\""),
            std::string::npos);
  j = minimal();
  j["encoder"].erase("run");
  EXPECT_NE(error_of([&] { EvalConfig::from_json(j); }).find("encoder.run: required"),
            std::string::npos);
  j["protocol"] = "random_init";  // random init needs no run
  EXPECT_EQ(EvalConfig::from_json(j).protocol, Protocol::kRandomInit);
}

TEST(EvalConfig, SetOverrides) {
  json j = minimal();
  apply_eval_overrides(j, {"label_seeds=2", "finetune.lr=0.01", "name=acl"});
  const EvalConfig c = EvalConfig::from_json(j);
  EXPECT_EQ(c.label_seeds, 2);
  EXPECT_DOUBLE_EQ(c.finetune.lr, 0.01);
  EXPECT_EQ(c.label(), "acl");
  const std::string e = error_of([&] { apply_eval_overrides(j, {"label_seed=3"}); });
  EXPECT_NE(e.find("did you mean 'label_seeds'"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { apply_eval_overrides(j, {"label_seeds"}); }).find("PATH=VALUE"),
            std::string::npos);
}

TEST(EvalConfig, FoldBatchnormSwitch) {
  json j = minimal();
  EXPECT_TRUE(EvalConfig::from_json(j).fold_batchnorm);
  apply_eval_overrides(j, {"fold_batchnorm=false"});
  const EvalConfig c = EvalConfig::from_json(j);
  EXPECT_FALSE(c.fold_batchnorm);
  EXPECT_EQ(c.to_json()["fold_batchnorm"], false);
  j["fold_batchnorm"] = "no";
  const std::string e = error_of([&] { EvalConfig::from_json(j, "f.json"); });
  EXPECT_NE(e.find("fold_batchnorm"), std::string::npos) << e;
}

TEST(EvalConfig, EveryEvalConfigFileParsesAndRoundTrips) {
  namespace fs = std::filesystem;
  int seen = 0;
  for (const auto& e : fs::directory_iterator(fs::path(ACL_SOURCE_DIR) / "configs")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("eval_", 0) != 0 || e.path().extension() != ".json") continue;
    SCOPED_TRACE(name);
    EvalConfig c;
    ASSERT_NO_THROW(c = load_eval_config(e.path().string()));
    EXPECT_EQ(EvalConfig::from_json(c.to_json()).to_json(), c.to_json());
    ++seen;
  }
  EXPECT_GE(seen, 3);  // eval_linear_probe, eval_finetune, eval_supervised
}

TEST(EvalConfig, AMissingFileIsNamed) {
  const std::string e = error_of([] { load_eval_config("/nonexistent/eval.json"); });
  EXPECT_NE(e.find("/nonexistent/eval.json: cannot open"), std::string::npos) << e;
}

}  // namespace
}  // namespace acl::eval
