// Integer settings read from the environment (ACL_NUM_THREADS, ACL_HOST_CACHE_LIMIT_MB): one
// parser, one message for a value that is not such an integer.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace acl {

// The environment variable `name` as an integer in [min, max]; nullopt when it is unset or empty.
// Any other value throws std::invalid_argument "NAME='VALUE' is not WHAT (expected EXPECTED)".
inline std::optional<long long> env_integer(const char* name, long long min, long long max,
                                            const char* what, const char* expected) {
  const char* env = std::getenv(name);
  if (!env || !*env) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(env, &end, 10);
  if (errno != 0 || end == env || *end != '\0' || v < min || v > max) {
    throw std::invalid_argument(std::string(name) + "='" + env + "' is not " + what +
                                " (expected " + expected + ")");
  }
  return v;
}

}  // namespace acl
