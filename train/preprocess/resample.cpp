// Rational polyphase resampling: Kaiser-windowed-sinc design and the polyphase inner loop.
// See resample.h for the numerics.
#include "train/preprocess/resample.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace acl::preprocess {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kMaxFilterLength = 20'000'000;

// Modified Bessel function of the first kind, order 0 (power series; converges for all x).
double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = 0.25 * x * x;
  for (int k = 1; k < 500; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

int64_t milli_hz(double fs, const char* which) {
  if (!(fs > 0.0) || !std::isfinite(fs) || fs > 1e9) {
    throw std::invalid_argument(std::string("resample: ") + which + " = " + std::to_string(fs) +
                                ", expected a finite rate > 0 Hz");
  }
  const int64_t m = std::llround(fs * 1000.0);
  if (m <= 0) throw std::invalid_argument(std::string("resample: ") + which + " below 1 mHz");
  return m;
}

// Input sample i, extended past the ends by odd reflection about the end samples.
inline double extended(const float* x, int64_t n, int64_t i) {
  if (i < 0) {
    const int64_t j = std::min<int64_t>(-i, n - 1);
    return 2.0 * x[0] - x[j];
  }
  if (i >= n) {
    const int64_t j = std::max<int64_t>(2 * (n - 1) - i, 0);
    return 2.0 * x[n - 1] - x[j];
  }
  return x[i];
}

}  // namespace

RationalFactor rational_factor(double fs_in, double fs_out) {
  const int64_t a = milli_hz(fs_in, "fs_in");
  const int64_t b = milli_hz(fs_out, "fs_out");
  const int64_t g = std::gcd(a, b);
  return {b / g, a / g};
}

int64_t resampled_length(int64_t n, double fs_in, double fs_out) {
  const RationalFactor f = rational_factor(fs_in, fs_out);
  return (n * f.up + f.down / 2) / f.down;
}

PolyphaseResampler::PolyphaseResampler(double fs_in, double fs_out, const ResampleOptions& opt) {
  const RationalFactor f = rational_factor(fs_in, fs_out);
  up_ = f.up;
  down_ = f.down;
  if (opt.zero_crossings < 1 || !(opt.kaiser_beta >= 0.0)) {
    throw std::invalid_argument("resample: zero_crossings must be >= 1 and kaiser_beta >= 0");
  }
  const int64_t rate = std::max(up_, down_);
  half_ = static_cast<int64_t>(opt.zero_crossings) * rate;
  const int64_t len = 2 * half_ + 1;
  if (len > kMaxFilterLength) {
    throw std::invalid_argument("resample: rate ratio " + std::to_string(up_) + "/" +
                                std::to_string(down_) + " needs a filter of " +
                                std::to_string(len) + " taps; round the rates to fewer digits");
  }
  if (up_ == 1 && down_ == 1) return;  // identity: apply() copies

  // h[j] = (2 fc) sinc(2 fc (j - half)) w_kaiser[j] * up, fc = 0.5 / rate cycles per sample.
  prototype_.resize(static_cast<size_t>(len));
  const double i0_beta = bessel_i0(opt.kaiser_beta);
  for (int64_t j = 0; j < len; ++j) {
    const double m = static_cast<double>(j - half_);
    const double arg = m / static_cast<double>(rate);
    const double sinc = (m == 0.0) ? 1.0 : std::sin(kPi * arg) / (kPi * arg);
    const double r = m / static_cast<double>(half_);
    const double w = bessel_i0(opt.kaiser_beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0_beta;
    prototype_[static_cast<size_t>(j)] = sinc * w * static_cast<double>(up_) / rate;
  }

  taps_per_phase_ = (len + up_ - 1) / up_;
  phases_.assign(static_cast<size_t>(up_ * taps_per_phase_), 0.0);
  for (int64_t p = 0; p < up_; ++p) {
    double* branch = &phases_[static_cast<size_t>(p * taps_per_phase_)];
    double sum = 0.0;
    for (int64_t t = 0; t < taps_per_phase_; ++t) {
      const int64_t j = p + t * up_;
      branch[t] = j < len ? prototype_[static_cast<size_t>(j)] : 0.0;
      sum += branch[t];
    }
    for (int64_t t = 0; t < taps_per_phase_; ++t) branch[t] /= sum;
  }
}

int64_t PolyphaseResampler::output_length(int64_t n_in) const {
  return (n_in * up_ + down_ / 2) / down_;
}

void PolyphaseResampler::apply(const float* x, int64_t n_in, float* y) const {
  const int64_t n_out = output_length(n_in);
  if (n_in <= 0 || n_out <= 0) return;
  if (up_ == 1 && down_ == 1) {
    std::copy(x, x + n_in, y);
    return;
  }
  const int64_t K = taps_per_phase_;
  for (int64_t k = 0; k < n_out; ++k) {
    // Output k sits at up-sampled index k * down; the filter centre adds the delay `half`.
    const int64_t n0 = k * down_ + half_;
    const int64_t p = n0 % up_;
    const int64_t i0 = n0 / up_;  // newest input sample under the filter
    const double* branch = &phases_[static_cast<size_t>(p * K)];
    double acc = 0.0;
    if (i0 - (K - 1) >= 0 && i0 < n_in) {
      const float* xi = x + i0;
      for (int64_t t = 0; t < K; ++t) acc += branch[t] * static_cast<double>(xi[-t]);
    } else {
      for (int64_t t = 0; t < K; ++t) acc += branch[t] * extended(x, n_in, i0 - t);
    }
    y[k] = static_cast<float>(acc);
  }
}

std::vector<float> resample(const float* x, int n_leads, int64_t n_samples, double fs_in,
                            double fs_out, const ResampleOptions& opt) {
  if (n_leads < 0 || n_samples < 0) {
    throw std::invalid_argument("resample: negative n_leads or n_samples");
  }
  const PolyphaseResampler rs(fs_in, fs_out, opt);
  const int64_t n_out = rs.output_length(n_samples);
  std::vector<float> y(static_cast<size_t>(n_leads * n_out));
  for (int l = 0; l < n_leads; ++l) {
    rs.apply(x + static_cast<int64_t>(l) * n_samples, n_samples, y.data() + l * n_out);
  }
  return y;
}

}  // namespace acl::preprocess
