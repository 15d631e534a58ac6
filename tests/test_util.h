// Small helpers shared by the engine tests: test names, state-dict names, byte-exact and tolerance
// comparisons of tensors.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace acl::testing {

// GoogleTest parameter names allow [A-Za-z0-9_] only: runs of other characters become one '_'.
inline std::string sanitize_test_name(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (std::isalnum(static_cast<unsigned char>(ch))) {
      out += ch;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

// The names of (name, tensor) pairs (a state dict, named parameters), in order.
inline std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& kv : named) out.push_back(kv.first);
  return out;
}

// Same dtype, shape and bytes.
inline bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// Elementwise |got - ref| <= rtol * (|ref| + max|ref|): relative to the element, with a floor at
// the tensor's scale so elements that cancel to near zero are judged against the magnitudes that
// produced them. Reports the worst element. Asserts the reference is not identically zero.
inline ::testing::AssertionResult tensors_close(const std::string& what, const Tensor& got,
                                                const Tensor& ref, double rtol) {
  if (got.shape() != ref.shape()) {
    return ::testing::AssertionFailure()
           << what << ": shape " << got.shape().str() << " vs " << ref.shape().str();
  }
  std::vector<double> g = got.to_vector<double>(), r = ref.to_vector<double>();
  double scale = 0.0;
  for (double v : r) scale = std::max(scale, std::fabs(v));
  if (scale == 0.0) {
    return ::testing::AssertionFailure() << what << ": reference is identically zero";
  }
  size_t worst = 0;
  double worst_ratio = 0.0;
  for (size_t i = 0; i < r.size(); ++i) {
    double ratio = std::fabs(g[i] - r[i]) / (rtol * (std::fabs(r[i]) + scale));
    if (!(ratio <= worst_ratio)) {  // NaN-safe: a NaN becomes the worst
      worst_ratio = ratio;
      worst = i;
    }
  }
  if (!(worst_ratio <= 1.0)) {
    return ::testing::AssertionFailure()
           << what << ": element " << worst << " got " << g[worst] << " expected " << r[worst]
           << " (|err| = " << std::fabs(g[worst] - r[worst]) << ", bound "
           << rtol * (std::fabs(r[worst]) + scale) << ", rtol " << rtol << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace acl::testing
