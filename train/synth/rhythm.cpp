// Beat times and types (sinus with RSA, AF, flutter, ectopic beats); see rhythm.h.
#include "train/synth/rhythm.h"

#include <algorithm>
#include <cmath>

namespace acl::synth {
namespace {

constexpr double kMinRr = 0.3, kMaxRr = 2.2;
constexpr double kBefore = 1.5, kAfter = 1.0;

double draw_rr(Rng& rng, const RhythmParams& r, double t) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    double rr;
    if (r.kind == RhythmKind::kAf) {
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

std::vector<Beat> flutter_beats(Rng& rng, const RhythmParams& r, double duration) {
  std::vector<Beat> beats;
  // The first atrial wave at or after -kBefore - av_delay.
  const double start = -kBefore - r.av_delay;
  long k = static_cast<long>(std::ceil((start - r.flutter_phase) / r.flutter_period));
  k += rng.below(4);
  while (true) {
    const double t = r.flutter_phase + k * r.flutter_period + r.av_delay;
    if (t > duration + kAfter) break;
    beats.push_back({t, BeatType::kSinus, 0.0});
    k += r.flutter_conduction > 0 ? r.flutter_conduction : 2 + rng.below(3);
  }
  return beats;
}

// Indices of `count` distinct beats inside [0.3 s, duration - 0.3 s], none the first beat.
std::vector<size_t> pick_inside(Rng& rng, const std::vector<Beat>& beats, double duration,
                                int count) {
  std::vector<size_t> inside;
  for (size_t k = 1; k < beats.size(); ++k) {
    if (beats[k].t >= 0.3 && beats[k].t < duration - 0.3 && beats[k].type == BeatType::kSinus &&
        beats[k - 1].type == BeatType::kSinus)
      inside.push_back(k);
  }
  std::vector<size_t> out;
  for (int c = 0; c < count && !inside.empty(); ++c) {
    const size_t j = static_cast<size_t>(rng.below(static_cast<int>(inside.size())));
    out.push_back(inside[j]);
    inside.erase(inside.begin() + static_cast<long>(j));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<Beat> beat_times(Rng& rng, const RhythmParams& r, double duration) {
  std::vector<Beat> beats;
  if (r.kind == RhythmKind::kFlutter) {
    beats = flutter_beats(rng, r, duration);
    for (size_t k = 1; k < beats.size(); ++k) beats[k].rr = beats[k].t - beats[k - 1].t;
    if (!beats.empty()) beats[0].rr = beats.size() > 1 ? beats[1].rr : r.mean_rr;
  } else {
    double t = -kBefore + rng.uniform() * r.mean_rr;
    beats.push_back({t, BeatType::kSinus, r.mean_rr});
    while (t < duration + kAfter) {
      const double rr = draw_rr(rng, r, t);
      t += rr;
      beats.push_back({t, BeatType::kSinus, r.kind == RhythmKind::kAf ? rr : r.mean_rr});
    }
  }

  // PACs: early, the sinus node resets.
  for (size_t k : pick_inside(rng, beats, duration, r.pacs)) {
    const double early = beats[k - 1].t + rng.uniform(0.6, 0.8) * (beats[k].t - beats[k - 1].t);
    const double shift = early - beats[k].t;
    for (size_t j = k; j < beats.size(); ++j) beats[j].t += shift;
    beats[k].type = BeatType::kPac;
  }
  // PVCs: early, compensatory pause.
  std::vector<size_t> pvcs;
  if (r.bigeminy) {
    const size_t first = 1 + static_cast<size_t>(rng.below(2));
    for (size_t k = first; k < beats.size(); k += 2) pvcs.push_back(k);
  } else {
    pvcs = pick_inside(rng, beats, duration, r.pvcs);
  }
  for (size_t k : pvcs) {
    if (beats[k].type != BeatType::kSinus || beats[k - 1].type == BeatType::kPvc) continue;
    const double coupling = rng.uniform(0.5, 0.7);
    beats[k].t = beats[k - 1].t + coupling * (beats[k].t - beats[k - 1].t);
    beats[k].type = BeatType::kPvc;
  }
  return beats;
}

}  // namespace acl::synth
