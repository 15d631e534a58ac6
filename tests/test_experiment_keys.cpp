// The key reference of docs/usage.md against the field tables: every key of the experiment
// config (experiment_fields(), with the augmentation keys) has a row in the "### Keys" tables and
// every row names a key; every encoder and heads key is named in the encoder section. Every key
// path of the tables is accepted by --set.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "models/config.h"
#include "train/augment/augment_fields.h"
#include "train/experiment/experiment_config.h"
#include "train/experiment/experiment_fields.h"

namespace acl::experiment {
namespace {

std::string usage_md() {
  std::ifstream in(std::string(ACL_SOURCE_DIR) + "/docs/usage.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The text from the line starting with `from` to the line starting with `to`.
std::string section(const std::string& doc, const std::string& from, const std::string& to) {
  const size_t a = doc.find("\n" + from);
  const size_t b = doc.find("\n" + to, a + 1);
  EXPECT_NE(a, std::string::npos) << from;
  EXPECT_NE(b, std::string::npos) << to;
  return doc.substr(a, b - a);
}

// The keys the "### Keys" tables list, qualified by the section each table follows ("`data`:").
std::set<std::string> documented_keys(const std::string& keys_section) {
  std::set<std::string> out;
  std::string prefix;
  std::istringstream lines(keys_section);
  const std::regex heading(R"(^`([a-z_.]+)`[ :(])");
  const std::regex key(R"(`([a-z_.0-9]+)`)");
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Top level", 0) == 0) prefix.clear();
    if (std::regex_search(line, m, heading)) prefix = m[1].str() + ".";
    if (line.rfind("| `", 0) != 0) continue;
    const std::string first_cell = line.substr(1, line.find('|', 1) - 1);
    for (auto it = std::sregex_iterator(first_cell.begin(), first_cell.end(), key);
         it != std::sregex_iterator(); ++it) {
      out.insert(prefix + (*it)[1].str());
    }
  }
  return out;
}

TEST(KeyReference, DocsListEveryExperimentKeyAndNoOther) {
  std::set<std::string> expected;
  for (const auto& f : experiment_fields().fields()) {
    expected.insert(f.key);
    if (f.key == "objective.augmentations") {
      for (const auto& a : augment::augment_fields().fields()) expected.insert(f.key + "." + a.key);
    }
  }
  const std::set<std::string> documented =
      documented_keys(section(usage_md(), "### Keys", "### --set"));
  for (const std::string& k : expected) EXPECT_TRUE(documented.count(k)) << "undocumented: " << k;
  for (const std::string& k : documented) EXPECT_TRUE(expected.count(k)) << "not a key: " << k;
}

TEST(KeyReference, EncoderSectionNamesEveryModelKey) {
  const std::string text =
      section(usage_md(), "## Encoders and their configuration", "## Using an acl-ecg encoder");
  std::vector<std::string> keys;
  for (const auto& f : models::encoder_fields().fields()) keys.push_back(f.key);
  for (const auto& f : models::heads_fields().fields()) keys.push_back(f.key);
  for (const std::string& k : keys) {
    const std::string leaf = k.substr(k.rfind('.') + 1);
    EXPECT_NE(text.find("\"" + leaf + "\""), std::string::npos) << "undocumented: " << k;
  }
}

TEST(KeyReference, EveryKeyPathCanBeSet) {
  for (const std::string& path : experiment_fields().keys()) {
    nlohmann::json j = {{"data", {{"cache", "d"}}}};
    EXPECT_NO_THROW(apply_overrides(j, {path + "=1"})) << path;
  }
}

}  // namespace
}  // namespace acl::experiment
