// The score CSV that acl_metrics_check reads and the metrics JSON it prints.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "tests/test_files.h"
#include "train/metrics/score_table.h"

namespace acl::metrics {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = testing::temp_path(name);
  std::ofstream(path) << text;
  return path;
}

TEST(ScoreTable, ReadsColumnsInAnyOrder) {
  const std::string path = write("scores_ok.csv",
                                 "label_1,score_0,score_1,label_0\n"
                                 "1,0.25,-3,0\n"
                                 "0,1e-3,2.5,1\n");
  const ScoreTable t = read_score_csv(path);
  ASSERT_EQ(t.n, 2);
  ASSERT_EQ(t.k, 2);
  EXPECT_EQ(t.scores, std::vector<float>({0.25f, -3.0f, 1e-3f, 2.5f}));
  EXPECT_EQ(t.labels, std::vector<uint8_t>({0, 1, 1, 0}));
}

TEST(ScoreTable, ErrorsNameFileLineAndColumn) {
  const std::string bad_label = write("scores_label.csv", "score_0,label_0\n0.1,1\n0.2,2\n");
  EXPECT_NE(testing::error_of<std::exception>([&] {
              read_score_csv(bad_label);
            }).find("scores_label.csv:3: column label_0 is \"2\", expected 0 or 1"),
            std::string::npos);
  const std::string bad_score = write("scores_nan.csv", "score_0,label_0\nnan,1\n");
  EXPECT_NE(testing::error_of<std::exception>([&] {
              read_score_csv(bad_score);
            }).find(":2: column score_0 is \"nan\", expected a finite number"),
            std::string::npos);
  const std::string missing = write("scores_missing.csv", "score_0,label_1\n0.1,1\n");
  EXPECT_NE(testing::error_of<std::exception>([&] {
              read_score_csv(missing);
            }).find("missing column label_0"),
            std::string::npos);
}

TEST(ScoreTable, JsonWritesNaNAsNullAndListsLeftOutClasses) {
  const ClassificationMetrics m = classification_metrics(
      {0.1f, 0.5f, 0.4f, 0.2f, 0.35f, 0.7f, 0.8f, 0.1f}, {0, 0, 0, 0, 1, 0, 1, 0}, 4, 2);
  const nlohmann::json j = metrics_json(m, 4);
  EXPECT_EQ(j["k"], 2);
  EXPECT_DOUBLE_EQ(j["macro_auroc"].get<double>(), 0.75);
  EXPECT_TRUE(j["auroc"][1].is_null());
  EXPECT_EQ(j["classes_left_out"], nlohmann::json::array({1}));
  const nlohmann::json b = bootstrap_json(BootstrapResult{}, 0.95, 3);
  EXPECT_TRUE(b["macro_auroc"][0].is_null());
  EXPECT_EQ(b["seed"], 3);
}

}  // namespace
}  // namespace acl::metrics
