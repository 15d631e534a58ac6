// Test signals for the preprocessing tests: sampled sine tones and the least-squares fit of a
// tone's amplitude and phase.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace acl::testing {

inline constexpr double kPi = 3.14159265358979323846;

// amp sin(2 pi f i / fs + phase) for i in [0, n).
inline std::vector<float> tone(double f, double fs, int64_t n, double amp = 1.0,
                               double phase = 0.0) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = static_cast<float>(amp * std::sin(2 * kPi * f * i / fs + phase));
  return x;
}

struct ToneFit {
  double amp;
  double phase;  // y ~ amp sin(2 pi f i / fs + phase)
};

// Amplitude and phase of the tone at f in y over samples [a, b), by least squares.
inline ToneFit fit_tone(const std::vector<float>& y, double f, double fs, int64_t a, int64_t b) {
  double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  for (int64_t i = a; i < b; ++i) {
    const double s = std::sin(2 * kPi * f * i / fs), c = std::cos(2 * kPi * f * i / fs);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    ys += y[static_cast<size_t>(i)] * s;
    yc += y[static_cast<size_t>(i)] * c;
  }
  const double det = ss * cc - sc * sc;
  const double bs = (ys * cc - yc * sc) / det, bc = (yc * ss - ys * sc) / det;
  return {std::hypot(bs, bc), std::atan2(bc, bs)};
}

}  // namespace acl::testing
