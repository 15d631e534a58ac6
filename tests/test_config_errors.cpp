// Every key of the experiment and evaluation configs, given a value of a type no key takes (an
// object holding an unknown key), is an error naming the key's dotted path, the value and what
// the key allows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "train/eval/eval_config.h"
#include "train/experiment/experiment_config.h"
#include "train/experiment/experiment_fields.h"

namespace acl {
namespace {
using nlohmann::json;

// The keys that are not a prefix of another key: the leaves a user sets.
std::vector<std::string> leaves(const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    bool parent = false;
    for (const std::string& o : keys) parent = parent || o.rfind(k + ".", 0) == 0;
    if (!parent) out.push_back(k);
  }
  return out;
}

void set_path(json& j, const std::string& path, const json& value) {
  json* at = &j;
  size_t start = 0, dot;
  while ((dot = path.find('.', start)) != std::string::npos) {
    at = &(*at)[path.substr(start, dot - start)];
    start = dot + 1;
  }
  (*at)[path.substr(start)] = value;
}

template <typename Parse>
void expect_every_key_names_itself(const std::vector<std::string>& keys, const json& base,
                                   Parse parse) {
  const json bad = {{"zz_unexpected", 1}};
  int checked = 0;
  for (const std::string& key : leaves(keys)) {
    json j = base;
    set_path(j, key, bad);
    try {
      parse(j);
      ADD_FAILURE() << key << ": an object value was accepted";
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      // The path, and either the value with what is expected, or the unknown key inside it.
      EXPECT_NE(what.find(key), std::string::npos) << key << ": " << what;
      const bool typed = what.find("expected") != std::string::npos &&
                         what.find("zz_unexpected") != std::string::npos;
      const bool unknown = what.find(key + ".zz_unexpected") != std::string::npos;
      EXPECT_TRUE(typed || unknown) << key << ": " << what;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(ConfigErrors, EveryExperimentKeyNamesItsPathTheValueAndWhatItAllows) {
  expect_every_key_names_itself(
      experiment::experiment_fields().keys(), json{{"data", {{"cache", "d"}}}},
      [](const json& j) { experiment::ExperimentConfig::from_json(j, "config.json"); });
}

TEST(ConfigErrors, EveryEvalKeyNamesItsPathTheValueAndWhatItAllows) {
  expect_every_key_names_itself(eval::eval_fields().keys(), json::object(),
                                [](const json& j) { eval::EvalConfig::from_json(j, "eval.json"); });
}

}  // namespace
}  // namespace acl
