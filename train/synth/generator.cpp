// Record synthesis: dipole waves per beat, AF atrial activity, projection, noise, 12 leads; see
// generator.h. Sinusoids (baseline wander) advance by complex rotation instead of sin() per sample.
#include "train/synth/generator.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "train/synth/beat_model.h"
#include "train/synth/lead_projection.h"
#include "train/synth/rhythm.h"

namespace acl::synth {
namespace {

constexpr double kTwoPi = 6.283185307179586;

struct Dipole {
  int n;
  double fs;
  std::vector<double> x, y, z;
  Dipole(int n_, double fs_) : n(n_), fs(fs_), x(n_), y(n_), z(n_) {}

  // v * exp(-(t - c)^2 / (2 s^2)) within +-4 s of c.
  void add_gaussian(double c, double s, const Vec3& v) {
    const int i0 = std::max(0, static_cast<int>(std::ceil((c - 4.0 * s) * fs)));
    const int i1 = std::min(n - 1, static_cast<int>(std::floor((c + 4.0 * s) * fs)));
    const double k = -0.5 / (s * s);
    for (int i = i0; i <= i1; ++i) {
      const double dt = i / fs - c;
      const double g = std::exp(k * dt * dt);
      x[static_cast<size_t>(i)] += v.x * g;
      y[static_cast<size_t>(i)] += v.y * g;
      z[static_cast<size_t>(i)] += v.z * g;
    }
  }

  // Plateau of height v: smoothstep up over [on, on + rise], flat, smoothstep down over
  // [off, off + fall].
  void add_plateau(double on, double rise, double off, double fall, const Vec3& v) {
    const int i0 = std::max(0, static_cast<int>(std::ceil(on * fs)));
    const int i1 = std::min(n - 1, static_cast<int>(std::floor((off + fall) * fs)));
    for (int i = i0; i <= i1; ++i) {
      const double t = i / fs;
      double g = 1.0;
      if (t < on + rise) {
        const double u = (t - on) / rise;
        g = u * u * (3.0 - 2.0 * u);
      } else if (t > off) {
        const double u = std::min(1.0, (t - off) / fall);
        g = 1.0 - u * u * (3.0 - 2.0 * u);
      }
      x[static_cast<size_t>(i)] += v.x * g;
      y[static_cast<size_t>(i)] += v.y * g;
      z[static_cast<size_t>(i)] += v.z * g;
    }
  }
};

bool nonzero(const Vec3& v) {
  return v.x != 0.0 || v.y != 0.0 || v.z != 0.0;
}

void add_beats(Dipole& d, const Patient& pt, const std::vector<double>& times) {
  const BeatModel& m = pt.beat;
  for (size_t k = 0; k < times.size(); ++k) {
    const double tr = times[k];
    const double rr = k > 0 ? tr - times[k - 1] : pt.rhythm.mean_rr;
    const double amp = 1.0 + pt.beat_amplitude_resp *
                                 std::sin(kTwoPi * pt.rhythm.resp_hz * tr + pt.rhythm.resp_phase);
    for (const Wave& w : m.waves) {
      double c, s;
      wave_timing(w, m, rr, c, s);
      d.add_gaussian(tr + c, s, {w.v.x * amp, w.v.y * amp, w.v.z * amp});
    }
    if (nonzero(m.st)) {
      const double q = std::sqrt(rr) * m.qt_factor;
      d.add_plateau(tr + 0.03, 0.03, tr + (m.t_centre - 0.04) * q, 0.16 * q, m.st);
    }
  }
}

// Fibrillatory waves: a(t) [sin phi + 0.3 sin 2 phi] along the atrial direction, with the rate
// wandering +-8 % and the amplitude +-30 % over a few seconds.
void add_af_waves(Dipole& d, const NoiseParams& nz, Rng& rng) {
  const double fm = rng.uniform(0.1, 0.3), fa = rng.uniform(0.1, 0.3);
  const double pm = rng.uniform(0, kTwoPi), pa = rng.uniform(0, kTwoPi);
  double phi = rng.uniform(0, kTwoPi);
  for (int i = 0; i < d.n; ++i) {
    const double t = i / d.fs;
    const double a = nz.af_wave_mv * (1.0 + 0.3 * std::sin(kTwoPi * fa * t + pa));
    const double v = a * (std::sin(phi) + 0.3 * std::sin(2.0 * phi));
    d.x[static_cast<size_t>(i)] += v * nz.af_direction.x;
    d.y[static_cast<size_t>(i)] += v * nz.af_direction.y;
    d.z[static_cast<size_t>(i)] += v * nz.af_direction.z;
    phi += kTwoPi * nz.af_wave_hz * (1.0 + 0.08 * std::sin(kTwoPi * fm * t + pm)) / d.fs;
  }
}

// Adds white noise and two baseline-wander sinusoids to one lead.
void add_noise(float* lead, int n, double fs, double white, double wander, Rng& rng) {
  double re[2], im[2], cr[2], ci[2], amp[2];
  for (int j = 0; j < 2; ++j) {
    const double f = rng.uniform(0.05, 0.5), ph = rng.uniform(0, kTwoPi);
    amp[j] = wander * rng.uniform(0.0, 1.0);
    re[j] = std::cos(ph);
    im[j] = std::sin(ph);
    cr[j] = std::cos(kTwoPi * f / fs);
    ci[j] = std::sin(kTwoPi * f / fs);
  }
  for (int i = 0; i < n; ++i) {
    double v = white * rng.normal();
    for (int j = 0; j < 2; ++j) {
      v += amp[j] * im[j];
      const double r = re[j] * cr[j] - im[j] * ci[j];
      im[j] = re[j] * ci[j] + im[j] * cr[j];
      re[j] = r;
    }
    lead[i] += static_cast<float>(v);
  }
}

SynthRecord synthesize(const SynthConfig& cfg, Rng& rng, const LabelVector& labels) {
  if (!(cfg.fs > 0.0) || !(cfg.duration_s > 0.0) || cfg.fs * cfg.duration_s > 1e8 ||
      !(cfg.noise_scale >= 0.0)) {
    throw std::invalid_argument("synth: fs = " + std::to_string(cfg.fs) +
                                ", duration_s = " + std::to_string(cfg.duration_s) +
                                ", noise_scale = " + std::to_string(cfg.noise_scale) +
                                "; expected fs > 0, duration > 0, noise_scale >= 0");
  }
  const Patient pt = sample_patient(rng, labels);
  const int n = static_cast<int>(std::lround(cfg.fs * cfg.duration_s));
  const std::vector<double> times = beat_times(rng, pt.rhythm, cfg.duration_s);

  Dipole d(n, cfg.fs);
  add_beats(d, pt, times);
  if (pt.rhythm.af) add_af_waves(d, pt.noise, rng);

  std::vector<float> independent(static_cast<size_t>(kNumIndependentLeads) * n);
  const auto& lv = lead_vectors();
  for (int l = 0; l < kNumIndependentLeads; ++l) {
    const auto& v = lv[static_cast<size_t>(l)];
    float* out = independent.data() + static_cast<size_t>(l) * n;
    for (int i = 0; i < n; ++i) {
      const size_t s = static_cast<size_t>(i);
      out[i] = static_cast<float>(v[0] * d.x[s] + v[1] * d.y[s] + v[2] * d.z[s]);
    }
    if (cfg.noise_scale > 0.0) {
      add_noise(out, n, cfg.fs, cfg.noise_scale * pt.noise.white_mv * rng.uniform(0.7, 1.3),
                cfg.noise_scale * pt.noise.wander_mv, rng);
    }
  }

  SynthRecord rec;
  rec.n_samples = n;
  rec.fs = cfg.fs;
  rec.labels = labels;
  rec.signal.resize(static_cast<size_t>(leads::kNumLeads) * n);
  form_twelve_leads(independent.data(), n, rec.signal.data());

  double rr_sum = 0.0;
  int rr_count = 0;
  for (size_t k = 0; k < times.size(); ++k) {
    if (times[k] < 0.0 || times[k] >= cfg.duration_s) continue;
    const long idx = std::lround(times[k] * cfg.fs);
    if (idx < n) rec.rpeaks.push_back(static_cast<int>(idx));
    if (k > 0 && times[k - 1] >= 0.0) {
      rr_sum += times[k] - times[k - 1];
      ++rr_count;
    }
  }
  rec.mean_hr_bpm = 60.0 / (rr_count > 0 ? rr_sum / rr_count : pt.rhythm.mean_rr);
  return rec;
}

}  // namespace

SynthRecord generate_record(const SynthConfig& cfg, uint64_t index) {
  Rng rng(cfg.seed, index);
  const LabelVector labels = sample_labels(rng, cfg.priors);
  return synthesize(cfg, rng, labels);
}

SynthRecord generate_record(const SynthConfig& cfg, uint64_t index, const LabelVector& labels) {
  Rng rng(cfg.seed, index);
  (void)sample_labels(rng, cfg.priors);  // keep the stream aligned with the drawn-label variant
  return synthesize(cfg, rng, labels);
}

}  // namespace acl::synth
