// Forward-backward SOS filtering with odd padding and steady-state initial conditions; see
// filtfilt.h.
#include "train/preprocess/filtfilt.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace acl::preprocess {

std::vector<std::array<double, 2>> sosfilt_zi(const Sos& sos) {
  std::vector<std::array<double, 2>> zi(sos.size());
  double scale = 1.0;  // steady-state input level of this section for a unit step
  for (size_t s = 0; s < sos.size(); ++s) {
    const Section& c = sos[s];
    const double h1 = (c[0] + c[1] + c[2]) / (c[3] + c[4] + c[5]);  // DC gain
    // DF2T at rest with input u, output y = h1 u: z1 = b2 u - a2 y, z0 = b1 u - a1 y + z1.
    const double z1 = c[2] - c[5] * h1;
    const double z0 = c[1] - c[4] * h1 + z1;
    zi[s] = {scale * z0, scale * z1};
    scale *= h1;
  }
  return zi;
}

void sosfilt(const Sos& sos, double* x, int64_t n, std::array<double, 2>* zi) {
  for (size_t s = 0; s < sos.size(); ++s) {
    const Section& c = sos[s];
    const double b0 = c[0] / c[3], b1 = c[1] / c[3], b2 = c[2] / c[3];
    const double a1 = c[4] / c[3], a2 = c[5] / c[3];
    double z0 = zi ? zi[s][0] : 0.0, z1 = zi ? zi[s][1] : 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double in = x[i];
      const double y = b0 * in + z0;
      z0 = b1 * in - a1 * y + z1;
      z1 = b2 * in - a2 * y;
      x[i] = y;
    }
    if (zi) zi[s] = {z0, z1};
  }
}

int default_padlen(const Sos& sos) {
  int b_zero = 0, a_zero = 0;
  for (const Section& c : sos) {
    b_zero += c[2] == 0.0;
    a_zero += c[5] == 0.0;
  }
  const int ntaps = 2 * static_cast<int>(sos.size()) + 1 - std::min(b_zero, a_zero);
  return 3 * ntaps;
}

void sosfiltfilt(const Sos& sos, double* x, int64_t n, int padlen) {
  if (n <= 0 || sos.empty()) return;
  if (padlen < 0) padlen = default_padlen(sos);
  const int64_t pad = std::min<int64_t>(padlen, n - 1);
  std::vector<double> ext(static_cast<size_t>(n + 2 * pad));
  for (int64_t i = 0; i < pad; ++i) {
    ext[static_cast<size_t>(i)] = 2.0 * x[0] - x[pad - i];
    ext[static_cast<size_t>(pad + n + i)] = 2.0 * x[n - 1] - x[n - 2 - i];
  }
  std::copy(x, x + n, ext.begin() + pad);
  const int64_t m = static_cast<int64_t>(ext.size());

  const std::vector<std::array<double, 2>> zi = sosfilt_zi(sos);
  std::vector<std::array<double, 2>> state(zi.size());
  const double x0 = ext.front();
  for (size_t s = 0; s < zi.size(); ++s) state[s] = {zi[s][0] * x0, zi[s][1] * x0};
  sosfilt(sos, ext.data(), m, state.data());

  std::reverse(ext.begin(), ext.end());
  const double y0 = ext.front();
  for (size_t s = 0; s < zi.size(); ++s) state[s] = {zi[s][0] * y0, zi[s][1] * y0};
  sosfilt(sos, ext.data(), m, state.data());
  std::reverse(ext.begin(), ext.end());

  std::copy(ext.begin() + pad, ext.begin() + pad + n, x);
}

void sosfiltfilt(const Sos& sos, float* x, int64_t n, int padlen) {
  std::vector<double> buf(x, x + n);
  sosfiltfilt(sos, buf.data(), n, padlen);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(buf[static_cast<size_t>(i)]);
}

Sos design_bandpass(const BandpassOptions& opt, double fs) {
  const bool has_low = opt.low_hz > 0.0;
  const bool has_high = opt.high_hz > 0.0 && opt.high_hz < 0.5 * fs;
  if (has_low && has_high) return butterworth_bandpass(opt.order, opt.low_hz, opt.high_hz, fs);
  if (has_low) return butterworth_highpass(opt.order, opt.low_hz, fs);
  if (has_high) return butterworth_lowpass(opt.order, opt.high_hz, fs);
  throw std::invalid_argument("bandpass: low_hz = " + std::to_string(opt.low_hz) +
                              ", high_hz = " + std::to_string(opt.high_hz) +
                              " at fs = " + std::to_string(fs) + " Hz leave no band to filter");
}

void bandpass_filter(float* x, int n_leads, int64_t n_samples, double fs,
                     const BandpassOptions& opt) {
  const Sos sos = design_bandpass(opt, fs);
  for (int l = 0; l < n_leads; ++l) sosfiltfilt(sos, x + l * n_samples, n_samples);
}

}  // namespace acl::preprocess
