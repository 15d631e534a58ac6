// RR-interval generation (sinus with RSA and jitter, or AF log-normal); see rhythm.h.
#include "train/synth/rhythm.h"

#include <algorithm>
#include <cmath>

namespace acl::synth {
namespace {

constexpr double kMinRr = 0.3, kMaxRr = 2.2;
constexpr double kBefore = 1.5, kAfter = 1.0;
constexpr double kEdgeGap = 0.02;  // beats next to an AF record stay this far outside it

double draw_rr(Rng& rng, const RhythmParams& r, double t) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    double rr;
    if (r.af) {
      rr = r.mean_rr * std::exp(r.af_sigma * rng.normal() - 0.5 * r.af_sigma * r.af_sigma);
    } else {
      const double rsa =
          r.rsa_amplitude * std::sin(6.283185307179586 * r.resp_hz * t + r.resp_phase);
      rr = r.mean_rr * (1.0 + rsa) * (1.0 + r.jitter * rng.normal());
    }
    if (rr >= kMinRr) return std::min(rr, kMaxRr);
  }
  return kMinRr;
}

// An RR interval longer than `at_least` (redrawn; the bound plus a random part if that fails).
double draw_rr_longer(Rng& rng, const RhythmParams& r, double at_least) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    const double rr = draw_rr(rng, r, 0.0);
    if (rr > at_least) return rr;
  }
  return at_least + rng.uniform(0.0, 0.3) * r.mean_rr;
}

}  // namespace

std::vector<double> beat_times(Rng& rng, const RhythmParams& rhythm, double duration) {
  const double rr0 = rhythm.mean_rr;
  if (rhythm.af) {
    const double first = rng.uniform() * rr0;
    int m = static_cast<int>(std::floor((duration - first) / rr0));
    if (m >= 1 && first + m * rr0 >= duration) --m;
    if (m >= 1) {
      std::vector<double> inside(static_cast<size_t>(m));
      double sum = 0;
      for (double& r : inside) {
        r = draw_rr(rng, rhythm, 0.0);
        sum += r;
      }
      const double scale = m * rr0 / sum;
      std::vector<double> before;  // beats before `first`, nearest first
      double t = first - draw_rr_longer(rng, rhythm, first + kEdgeGap);
      before.push_back(t);
      while (t > -kBefore) {
        t -= draw_rr(rng, rhythm, 0.0);
        before.push_back(t);
      }
      std::vector<double> times(before.rbegin(), before.rend());
      times.push_back(first);
      for (double r : inside) times.push_back(times.back() + r * scale);
      times.push_back(times.back() +
                      draw_rr_longer(rng, rhythm, duration - times.back() + kEdgeGap));
      while (times.back() < duration + kAfter)
        times.push_back(times.back() + draw_rr(rng, rhythm, 0.0));
      return times;
    }
  }
  std::vector<double> t{-kBefore + rng.uniform() * rr0};
  while (t.back() < duration + kAfter) t.push_back(t.back() + draw_rr(rng, rhythm, t.back()));
  return t;
}

}  // namespace acl::synth
