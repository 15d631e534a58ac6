// Helpers shared by the CPU kernel tests (test_conv1d_kernel, test_pooling_kernel,
// test_batchnorm_kernel): reproducible inputs, guarded output buffers, and error-message checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace acl::kernels::testing {

// Uniform in [lo, hi), rounded to float so float and double kernels see identical inputs.
// Continuous values: no ties inside a max-pool window (probability ~1e-7 per pair).
inline std::vector<double> random_vec(size_t n, uint32_t seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<double>(static_cast<float>(dist(rng)));
  return v;
}

template <typename T>
std::vector<T> cast_vec(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// An output buffer: body poisoned (NaN, or -999 for integer types that cannot hold NaN), kGuard
// sentinels on either side. intact() checks the guards and that every body element was written
// with a finite value.
template <typename T>
class Guarded {
 public:
  static constexpr size_t kGuard = 16;
  explicit Guarded(size_t n) : n_(n), buf_(n + 2 * kGuard, sentinel()) {
    std::fill(data(), data() + n, poison());
  }
  // A buffer updated in place (running statistics) starts from `init` instead of the poison.
  explicit Guarded(const std::vector<double>& init) : Guarded(init.size()) {
    std::copy(init.begin(), init.end(), data());
  }
  T* data() { return buf_.data() + kGuard; }
  std::vector<double> values() const {
    return std::vector<double>(buf_.begin() + kGuard, buf_.begin() + kGuard + n_);
  }
  ::testing::AssertionResult intact(const std::string& what) const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (buf_[i] != sentinel() || buf_[kGuard + n_ + i] != sentinel()) {
        return ::testing::AssertionFailure() << what << ": guard overwritten near index " << i;
      }
    }
    for (size_t i = 0; i < n_; ++i) {
      T v = buf_[kGuard + i];
      if (v == poison() || !std::isfinite(static_cast<double>(v))) {
        return ::testing::AssertionFailure() << what << ": element " << i << " is "
                                             << static_cast<double>(v) << " (not written?)";
      }
    }
    return ::testing::AssertionSuccess();
  }

 private:
  static T poison() {
    return std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(-999);
  }
  static T sentinel() { return T(-12345); }
  size_t n_;
  std::vector<T> buf_;
};

// Calls f, which must throw std::invalid_argument whose message contains every needle.
template <typename F>
void expect_throw_with(F f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning " << needles[0];
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    for (const std::string& s : needles) {
      EXPECT_NE(msg.find(s), std::string::npos) << "message '" << msg << "' lacks '" << s << "'";
    }
  }
}

// |got[i] - ref[i]| <= bound(i) for every i (a NaN fails); on failure reports the element furthest
// past its bound. A zero reference fails (it would make any relative bound vacuous).
template <typename Bound>
::testing::AssertionResult within_bound(const std::string& what, const std::vector<double>& got,
                                        const std::vector<double>& ref, Bound bound) {
  if (got.size() != ref.size()) {
    return ::testing::AssertionFailure() << what << ": size " << got.size() << " vs " << ref.size();
  }
  double ref_max = 0.0;
  for (double r : ref) ref_max = std::max(ref_max, std::fabs(r));
  if (ref_max == 0.0) return ::testing::AssertionFailure() << what << ": reference is all zero";
  size_t worst = 0;
  double worst_excess = -std::numeric_limits<double>::infinity();
  bool ok = true;
  for (size_t i = 0; i < ref.size(); ++i) {
    double err = std::fabs(got[i] - ref[i]), excess = err - bound(i);
    if (!(err <= bound(i))) ok = false;
    if (!std::isnan(worst_excess) && !(excess <= worst_excess)) {  // a NaN stays the worst
      worst_excess = excess;
      worst = i;
    }
  }
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": element " << worst << " got " << got[worst] << " expected " << ref[worst]
         << " (|err| " << std::fabs(got[worst] - ref[worst]) << " > bound " << bound(worst) << ")";
}

// |got - ref| <= atol + rtol * |ref|, worst element reported; a zero reference fails.
inline ::testing::AssertionResult close_to(const std::string& what, const std::vector<double>& got,
                                           const std::vector<double>& ref, double rtol,
                                           double atol) {
  return within_bound(what, got, ref, [&](size_t i) { return atol + rtol * std::fabs(ref[i]); });
}

}  // namespace acl::kernels::testing
