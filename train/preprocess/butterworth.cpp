// Butterworth design by prewarped analog prototype + bilinear transform; see butterworth.h.
#include "train/preprocess/butterworth.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace acl::preprocess {
namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

void check_order(int order, const char* fn) {
  if (order < 1 || order > 16) {
    throw std::invalid_argument(std::string(fn) + ": order " + std::to_string(order) +
                                ", expected 1..16");
  }
}

void check_edge(double f, double fs, const char* fn) {
  if (!(fs > 0.0) || !(f > 0.0) || !(f < 0.5 * fs)) {
    throw std::invalid_argument(std::string(fn) + ": edge " + std::to_string(f) + " Hz at fs = " +
                                std::to_string(fs) + " Hz, expected 0 < edge < fs/2");
  }
}

double prewarp(double f, double fs) {
  return 2.0 * fs * std::tan(kPi * f / fs);
}

std::vector<cd> prototype_poles(int n) {
  std::vector<cd> p;
  for (int k = 1; k <= n; ++k) p.push_back(std::polar(1.0, kPi * (2.0 * k + n - 1) / (2.0 * n)));
  return p;
}

// Builds sections from digital poles; every section's numerator is `num2` (second order) or
// `num1` (first order, when an odd real pole is left). Gain fixed afterwards by the caller.
Sos pair_poles(std::vector<cd> poles, const Section& num2, const Section& num1) {
  std::vector<cd> complex_up;
  std::vector<double> reals;
  for (const cd& p : poles) {
    const double tol = 1e-10 * std::max(1.0, std::abs(p));
    if (std::abs(p.imag()) <= tol) {
      reals.push_back(p.real());
    } else if (p.imag() > 0) {
      complex_up.push_back(p);
    }
  }
  std::sort(reals.begin(), reals.end());
  Sos sos;
  for (const cd& p : complex_up) {
    Section s = num2;
    s[3] = 1.0;
    s[4] = -2.0 * p.real();
    s[5] = std::norm(p);
    sos.push_back(s);
  }
  size_t i = 0;
  for (; i + 1 < reals.size(); i += 2) {
    Section s = num2;
    s[3] = 1.0;
    s[4] = -(reals[i] + reals[i + 1]);
    s[5] = reals[i] * reals[i + 1];
    sos.push_back(s);
  }
  if (i < reals.size()) {
    Section s = num1;
    s[3] = 1.0;
    s[4] = -reals[i];
    s[5] = 0.0;
    sos.push_back(s);
  }
  return sos;
}

cd bilinear(cd s, double fs) {
  return (2.0 * fs + s) / (2.0 * fs - s);
}

void normalise_gain(Sos& sos, double f_ref, double fs) {
  const cd h = sos_response(sos, f_ref, fs);
  const double g = 1.0 / h.real();  // h is real at the reference frequency
  for (int j = 0; j < 3; ++j) sos[0][static_cast<size_t>(j)] *= g;
}

}  // namespace

std::complex<double> sos_response(const Sos& sos, double f_hz, double fs) {
  const cd z1 = std::polar(1.0, -2.0 * kPi * f_hz / fs);  // z^-1
  const cd z2 = z1 * z1;
  cd h = 1.0;
  for (const Section& s : sos) h *= (s[0] + s[1] * z1 + s[2] * z2) / (s[3] + s[4] * z1 + s[5] * z2);
  return h;
}

Sos butterworth_lowpass(int order, double cutoff_hz, double fs) {
  check_order(order, "butterworth_lowpass");
  check_edge(cutoff_hz, fs, "butterworth_lowpass");
  const double wc = prewarp(cutoff_hz, fs);
  std::vector<cd> poles;
  for (const cd& p : prototype_poles(order)) poles.push_back(bilinear(p * wc, fs));
  Sos sos = pair_poles(poles, {1.0, 2.0, 1.0, 1.0, 0.0, 0.0}, {1.0, 1.0, 0.0, 1.0, 0.0, 0.0});
  normalise_gain(sos, 0.0, fs);
  return sos;
}

Sos butterworth_highpass(int order, double cutoff_hz, double fs) {
  check_order(order, "butterworth_highpass");
  check_edge(cutoff_hz, fs, "butterworth_highpass");
  const double wc = prewarp(cutoff_hz, fs);
  std::vector<cd> poles;
  for (const cd& p : prototype_poles(order)) poles.push_back(bilinear(wc / p, fs));
  Sos sos = pair_poles(poles, {1.0, -2.0, 1.0, 1.0, 0.0, 0.0}, {1.0, -1.0, 0.0, 1.0, 0.0, 0.0});
  normalise_gain(sos, 0.5 * fs, fs);
  return sos;
}

Sos butterworth_bandpass(int order, double low_hz, double high_hz, double fs) {
  check_order(order, "butterworth_bandpass");
  check_edge(low_hz, fs, "butterworth_bandpass");
  check_edge(high_hz, fs, "butterworth_bandpass");
  if (!(low_hz < high_hz)) {
    throw std::invalid_argument("butterworth_bandpass: low edge " + std::to_string(low_hz) +
                                " Hz must be below the high edge " + std::to_string(high_hz));
  }
  const double w1 = prewarp(low_hz, fs), w2 = prewarp(high_hz, fs);
  const double w0 = std::sqrt(w1 * w2), bw = w2 - w1;
  std::vector<cd> poles;
  for (const cd& p : prototype_poles(order)) {
    // Roots of s^2 - p bw s + w0^2 = 0.
    const cd pb = p * bw;
    const cd disc = std::sqrt(pb * pb - 4.0 * w0 * w0);
    poles.push_back(bilinear(0.5 * (pb + disc), fs));
    poles.push_back(bilinear(0.5 * (pb - disc), fs));
  }
  // Each section: one zero at z = 1 (from s = 0) and one at z = -1 (from s = infinity).
  Sos sos = pair_poles(poles, {1.0, 0.0, -1.0, 1.0, 0.0, 0.0}, {1.0, 0.0, -1.0, 1.0, 0.0, 0.0});
  const double f_centre = fs / kPi * std::atan(w0 / (2.0 * fs));
  normalise_gain(sos, f_centre, fs);
  return sos;
}

double butterworth_lowpass_gain(int order, double cutoff_hz, double fs, double f_hz) {
  const double e = prewarp(f_hz, fs) / prewarp(cutoff_hz, fs);
  return 1.0 / std::sqrt(1.0 + std::pow(e, 2.0 * order));
}

double butterworth_highpass_gain(int order, double cutoff_hz, double fs, double f_hz) {
  if (f_hz <= 0.0) return 0.0;
  const double e = prewarp(cutoff_hz, fs) / prewarp(f_hz, fs);
  return 1.0 / std::sqrt(1.0 + std::pow(e, 2.0 * order));
}

double butterworth_bandpass_gain(int order, double low_hz, double high_hz, double fs, double f_hz) {
  if (f_hz <= 0.0) return 0.0;
  const double w1 = prewarp(low_hz, fs), w2 = prewarp(high_hz, fs), w = prewarp(f_hz, fs);
  const double e = (w * w - w1 * w2) / (w * (w2 - w1));
  return 1.0 / std::sqrt(1.0 + std::pow(e * e, order));
}

void sos_to_tf(const Sos& sos, std::vector<double>& b, std::vector<double>& a) {
  b.assign(1, 1.0);
  a.assign(1, 1.0);
  auto mul = [](const std::vector<double>& p, const double* q) {
    std::vector<double> r(p.size() + 2, 0.0);
    for (size_t i = 0; i < p.size(); ++i)
      for (size_t j = 0; j < 3; ++j) r[i + j] += p[i] * q[j];
    return r;
  };
  for (const Section& s : sos) {
    b = mul(b, &s[0]);
    a = mul(a, &s[3]);
  }
}

}  // namespace acl::preprocess
