// Helpers shared by the acl_data tests: the real-recordings folder and scratch directories.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_files.h"

namespace acl::data::testing {

// Absolute path of the folder ACL_TEST_DATA names (relative paths are taken from the working
// directory), or "" when the variable is unset or the folder lacks reference_values.csv.
inline std::string test_data_dir() {
  const char* env = std::getenv("ACL_TEST_DATA");
  if (!env || !*env) return "";
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(env, ec);
  if (ec || !std::filesystem::exists(p / "reference_values.csv", ec)) return "";
  return p.string();
}

// Declares `dir` (the data folder) or skips the test.
#define ACL_REQUIRE_TEST_DATA(dir)                                           \
  const std::string dir = ::acl::data::testing::test_data_dir();             \
  if (dir.empty()) {                                                         \
    GTEST_SKIP() << "ACL_TEST_DATA is unset or has no reference_values.csv"; \
  }

// A fresh directory under the system temp dir, removed with its contents on destruction.
using ::acl::testing::TempDir;

// Little-endian int16 samples as bytes (WFDB format 16).
inline std::vector<uint8_t> int16_bytes(const std::vector<int>& v) {
  std::vector<uint8_t> out;
  for (int x : v) {
    out.push_back(static_cast<uint8_t>(x & 0xff));
    out.push_back(static_cast<uint8_t>((x >> 8) & 0xff));
  }
  return out;
}

// Expects `fn` to throw std::runtime_error whose message contains every string of `parts`.
template <typename Fn>
::testing::AssertionResult throws_with(Fn&& fn, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) {
      if (msg.find(p) == std::string::npos) {
        return ::testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << p << "\"";
      }
    }
    return ::testing::AssertionSuccess() << msg;
  }
  return ::testing::AssertionFailure() << "no exception thrown";
}

}  // namespace acl::data::testing
