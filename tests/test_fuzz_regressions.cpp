// Replays, in the normal build, the inputs kept from fuzzing through the same entry points the
// harnesses use (fuzz/targets.h):
//   tests/data/fuzz_regressions/<target>/<name>  an input a fuzzer once crashed or aborted on;
//     <name>.expect beside it holds the text the parser's error must contain, or "accepted" for an
//     input that must parse;
//   fuzz/corpus/<target>/<name>                   the hand-made seeds: each must be accepted (so a
//     harness whose framing broke, and rejects everything, fails here).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << p;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const acl::fuzz::NamedTarget* find_target(const std::string& name) {
  for (const auto& t : acl::fuzz::kTargets)
    if (name == t.name) return &t;
  return nullptr;
}

// The inputs (sorted) of every <root>/<target>/ folder, "*.expect" files left out.
std::vector<std::pair<const acl::fuzz::NamedTarget*, fs::path>> inputs_under(const fs::path& root) {
  std::vector<std::pair<const acl::fuzz::NamedTarget*, fs::path>> out;
  if (!fs::exists(root)) return out;
  for (const auto& dir : fs::directory_iterator(root)) {
    const acl::fuzz::NamedTarget* t = find_target(dir.path().filename().string());
    EXPECT_NE(t, nullptr) << dir.path() << " is not named after a target of fuzz/targets.h";
    if (!t) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() != ".expect") out.emplace_back(t, f.path());
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

std::string run(const acl::fuzz::NamedTarget& t, const std::string& bytes) {
  return t.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(FuzzRegressions, EveryKeptInputGivesItsExpectedResult) {
  auto inputs = inputs_under(fs::path(ACL_SOURCE_DIR) / "tests/data/fuzz_regressions");
  ASSERT_FALSE(inputs.empty()) << "no inputs under tests/data/fuzz_regressions";
  for (const auto& [target, path] : inputs) {
    fs::path expect_path = path;
    expect_path += ".expect";
    ASSERT_TRUE(fs::exists(expect_path)) << path << " has no " << expect_path.filename();
    std::string expect = slurp(expect_path);
    while (!expect.empty() && (expect.back() == '\n' || expect.back() == '\r')) expect.pop_back();
    ASSERT_FALSE(expect.empty()) << expect_path << " is empty";
    const std::string error = run(*target, slurp(path));
    if (expect == "accepted") {
      EXPECT_EQ(error, "") << target->name << " " << path.filename();
    } else {
      EXPECT_NE(error.find(expect), std::string::npos)
          << target->name << " " << path.filename() << ": expected an error containing '" << expect
          << "', got '" << error << "'";
    }
  }
}

TEST(FuzzRegressions, EveryTargetAcceptsItsHandMadeSeeds) {
  auto seeds = inputs_under(fs::path(ACL_SOURCE_DIR) / "fuzz/corpus");
  for (const auto& t : acl::fuzz::kTargets) {
    EXPECT_TRUE(
        std::any_of(seeds.begin(), seeds.end(), [&](const auto& s) { return s.first == &t; }))
        << "fuzz/corpus/" << t.name << "/ holds no seed";
  }
  for (const auto& [target, path] : seeds) {
    EXPECT_EQ(run(*target, slurp(path)), "") << target->name << " " << path.filename();
  }
}

}  // namespace
