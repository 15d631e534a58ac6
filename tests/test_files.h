// Scratch files and error messages for tests: temporary paths unique to the process and the name
// (ctest may run several build trees at once) removed at exit, a scoped temporary directory, and
// a file's contents and the message of the exception a callable throws.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace acl::testing {

namespace detail {
// Removes the registered paths (files or directory trees) when the test program exits.
inline void remove_at_exit(const std::filesystem::path& p) {
  struct Cleanup {
    std::vector<std::filesystem::path> paths;
    ~Cleanup() {
      std::error_code ec;
      for (const auto& q : paths) std::filesystem::remove_all(q, ec);
    }
  };
  static Cleanup cleanup;
  cleanup.paths.push_back(p);
}
}  // namespace detail

// <temp>/acl_<pid>_<name>: nothing exists there yet (a leftover is removed); the path and whatever
// is created under it are removed at exit. `name` may carry an extension ("ckpt_a.safetensors").
inline std::string temp_path(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("acl_" + std::to_string(::getpid()) + "_" + name);
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
  detail::remove_at_exit(p);
  return p.string();
}

// temp_path(name) created as an empty directory.
inline std::filesystem::path temp_dir(const std::string& name) {
  const std::filesystem::path p = temp_path(name);
  std::filesystem::create_directories(p);
  return p;
}

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "acl_test_XXXXXX").string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed for " + templ);
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // Writes `content` to <dir>/<name> and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream f(file(name), std::ios::binary);
    f << content;
    return file(name);
  }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::ofstream f(file(name), std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    return file(name);
  }

 private:
  std::string path_;
};

// The whole contents of a file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `f` and returns the message of the E it throws, "" when it throws nothing. Any other
// exception propagates and fails the test.
template <typename E = std::invalid_argument, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace acl::testing
