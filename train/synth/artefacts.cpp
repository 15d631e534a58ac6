// Noise and artefacts of a recording; see artefacts.h. Sinusoids advance by complex rotation
// instead of sin() per sample.
#include "train/synth/artefacts.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "train/synth/vec3.h"

namespace acl::synth {
namespace {

constexpr int kLeads = 8;

// amp sin(2 pi f t + phase) added to x[0..n).
void add_sinusoid(float* x, int n, double fs, double f, double phase, double amp) {
  double re = std::cos(phase), im = std::sin(phase);
  const double cr = std::cos(kTwoPi * f / fs), ci = std::sin(kTwoPi * f / fs);
  for (int i = 0; i < n; ++i) {
    x[i] += static_cast<float>(amp * im);
    const double r = re * cr - im * ci;
    im = re * ci + im * cr;
    re = r;
  }
}

// Smooth transients of an electrode moving: `bumps` Gaussians within [t0, t0 + len].
void add_motion(float* x, int n, double fs, double t0, double len, Rng& rng) {
  const int bumps = 3 + rng.below(4);
  for (int b = 0; b < bumps; ++b) {
    const double c = t0 + rng.uniform() * len, s = rng.uniform(0.04, 0.25);
    const double a = 0.6 * rng.normal();
    const int i0 = std::max(0, static_cast<int>((c - 4 * s) * fs));
    const int i1 = std::min(n - 1, static_cast<int>((c + 4 * s) * fs));
    for (int i = i0; i <= i1; ++i) {
      const double dt = i / fs - c;
      x[i] += static_cast<float>(a * std::exp(-0.5 * dt * dt / (s * s)));
    }
  }
}

}  // namespace

uint32_t add_noise_and_artefacts(float* leads, int n, double fs, double resp_hz, double scale,
                                 Rng& rng) {
  if (!(scale > 0.0)) return 0;
  uint32_t flags = 0;
  // --- record-level draws ---
  const double resp_amp = std::min(0.4, 0.08 * std::exp(0.8 * rng.normal()));
  const double resp_phase = rng.uniform(0, kTwoPi);
  const double u = rng.uniform();
  const double emg = u < 0.5 ? rng.uniform(0.005, 0.015)
                             : (u < 0.85 ? rng.uniform(0.015, 0.05) : rng.uniform(0.05, 0.15));
  const double seconds = n / fs;
  std::vector<double> envelope;  // EMG gain over time (bursts)
  if (rng.bernoulli(0.2)) {
    flags |= kArtefactEmgBurst;
    envelope.assign(static_cast<size_t>(n), 1.0);
    const int bursts = 1 + rng.below(2);
    for (int b = 0; b < bursts; ++b) {
      const double len = rng.uniform(0.5, 2.5), t0 = rng.uniform(-0.5, seconds - 0.5);
      for (int i = std::max(0, static_cast<int>(t0 * fs));
           i < std::min(n, static_cast<int>((t0 + len) * fs)); ++i) {
        const double w = std::sin(kPi * (i / fs - t0) / len);
        envelope[static_cast<size_t>(i)] += 2.0 * w * w;
      }
    }
  }
  const bool powerline = rng.bernoulli(0.35);
  const double mains_hz = rng.bernoulli(0.6) ? 50.0 : 60.0;
  const double mains_amp = rng.uniform(0.005, 0.04);
  if (powerline) flags |= kArtefactPowerline;

  // --- per lead ---
  for (int l = 0; l < kLeads; ++l) {
    float* x = leads + static_cast<size_t>(l) * n;
    const double white = rng.uniform(0.002, 0.01) * scale;
    const double emg_level = emg * (l < 2 ? 1.0 : 0.5) * scale * (1.0 / std::sqrt(2.0));
    double previous = rng.fast_normal();
    for (int i = 0; i < n; ++i) {
      const double g = rng.fast_normal();
      double e = emg_level * (g - previous);
      if (!envelope.empty()) e *= envelope[static_cast<size_t>(i)];
      previous = g;
      x[i] += static_cast<float>(white * rng.fast_normal() + e);
    }
    add_sinusoid(x, n, fs, resp_hz, resp_phase, scale * resp_amp * rng.uniform(-1.0, 1.0));
    for (int j = 0; j < 2; ++j) {
      const double f = rng.uniform(0.05, 0.3), ph = rng.uniform(0, kTwoPi);
      add_sinusoid(x, n, fs, f, ph, scale * rng.uniform(0.0, 0.08));
    }
    const double mains_gain = rng.uniform(0.3, 1.2), mains_phase = rng.uniform(0, kTwoPi);
    if (powerline) add_sinusoid(x, n, fs, mains_hz, mains_phase, scale * mains_amp * mains_gain);
  }

  // --- electrode motion ---
  if (rng.bernoulli(0.07)) {
    flags |= kArtefactMotion;
    const int bursts = 1 + rng.below(2);
    for (int b = 0; b < bursts; ++b) {
      const int lead = rng.below(kLeads);
      const double len = rng.uniform(0.3, 1.5), t0 = rng.uniform(0.0, seconds - 0.3);
      Rng local(rng.next(), 0);
      add_motion(leads + static_cast<size_t>(lead) * n, n, fs, t0, len, local);
    }
  }

  // --- lead problems ---
  const double v = rng.uniform();
  if (v < 0.01) {  // arm electrodes swapped: I -> -I, II -> III = II - I
    flags |= kArtefactArmSwap;
    float* a = leads;
    float* b = leads + n;
    for (int i = 0; i < n; ++i) {
      const float lead_i = a[i];
      a[i] = -lead_i;
      b[i] = b[i] - lead_i;
    }
  } else if (v < 0.025) {  // neighbouring chest electrodes swapped
    flags |= kArtefactChestSwap;
    const int first = 2 + rng.below(5);
    std::swap_ranges(leads + static_cast<size_t>(first) * n,
                     leads + static_cast<size_t>(first + 1) * n,
                     leads + static_cast<size_t>(first + 1) * n);
  } else if (v < 0.033) {  // a chest electrode off: noise only
    flags |= kArtefactDisconnected;
    float* x = leads + static_cast<size_t>(2 + rng.below(6)) * n;
    const double level = rng.uniform(0.01, 0.03) * scale;
    for (int i = 0; i < n; ++i) x[i] = static_cast<float>(level * rng.fast_normal());
    add_sinusoid(x, n, fs, rng.uniform(0.05, 0.3), rng.uniform(0, kTwoPi), 0.05 * scale);
  }
  return flags;
}

}  // namespace acl::synth
