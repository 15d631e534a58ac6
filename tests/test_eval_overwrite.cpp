// acl_eval's results directory: rows of the same method, protocol, label mode and fraction are
// replaced only with --overwrite, which keeps the earlier files; the check runs before any work.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/test_files.h"
#include "train/eval/eval_config.h"
#include "train/eval/report.h"

namespace acl::eval {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

TEST(EvalOverwrite, RowsOfTheSameEvaluationAreReplacedOnlyWithOverwrite) {
  const fs::path dir = acl::testing::temp_path("eval_overwrite");
  fs::create_directories(dir);
  EvalConfig c;
  c.name = "acl";
  c.protocol = Protocol::kLinearProbe;
  c.label_mode = LabelMode::kMultiLabel;
  c.label_fractions = {0.1, 1.0};
  EXPECT_NO_THROW(check_results_dir(dir.string(), c, false));  // no results.json yet
  json rows = json::array();
  rows.push_back({{"method", "acl"},
                  {"protocol", "linear_probe"},
                  {"label_mode", "multi_label"},
                  {"label_fraction", 1.0}});
  rows.push_back({{"method", "simclr"},
                  {"protocol", "linear_probe"},
                  {"label_mode", "multi_label"},
                  {"label_fraction", 0.1}});
  std::ofstream(dir / "results.json") << json{{"rows", rows}}.dump();
  std::ofstream(dir / "results.md") << "| table |\n";

  EXPECT_EQ(rows_to_replace(dir.string(), c),
            std::vector<std::string>{"acl / linear_probe / multi_label @ 1"});
  try {
    check_results_dir(dir.string(), c, false);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "results.json").string() +
                        " already holds the rows acl / linear_probe / multi_label @ 1"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("--overwrite"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(check_results_dir(dir.string(), c, true));
  EvalConfig other = c;
  other.name = "acl_v2";
  EXPECT_NO_THROW(check_results_dir(dir.string(), other, false));  // new rows are added

  EXPECT_EQ(keep_earlier_results(dir.string()),
            (std::vector<std::string>{(dir / "results.json.old-1").string(),
                                      (dir / "results.md.old-1").string()}));
  EXPECT_EQ(keep_earlier_results(dir.string()).front(), (dir / "results.json.old-2").string());
  std::ifstream in(dir / "results.json.old-1");
  EXPECT_EQ(json::parse(in)["rows"].size(), 2u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace acl::eval
