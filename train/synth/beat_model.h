// The per-patient cardiac dipole model (ECGSYN-style, Sameni et al. 2007 dipole variant).
//
// The heart is one dipole d(t) in Frank axes (x left, y inferior, z posterior; mV per unit lead
// vector). Each beat adds Gaussian waves d += v exp(-(t - t_R - c)^2 / (2 s^2)) for P, Q, R (two
// Gaussians, early and late, so the QRS loop has area), S and T (two Gaussians: slow upstroke,
// faster downstroke), the centre c and width s of each depending on the beat's RR interval like
// ECGSYN's heart-rate-scaled phases: PR shortens as 0.10 + 0.07 RR, QT follows Bazett (T centre
// ~ sqrt(RR), T width ~ (1 + sqrt(RR)) / 2), QRS does not scale. An ST-segment deviation is a
// plateau of vector v_st that rises between J and J + 30 ms and returns to zero over the T wave
// (smoothstep ramps, down from 40 ms before the T centre over 160 ms, both QT-scaled). Patients
// differ by a rotation of the normal waves (electrical axis +-30 deg frontal, +-15 deg horizontal,
// +-10 deg sagittal), amplitude and width scales, PR/QT factors; conditions change the waves (see
// beat_model.cpp).
#pragma once

#include <vector>

#include "train/synth/labels.h"
#include "train/synth/rng.h"

namespace acl::synth {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

enum class Timing { kFixed, kPr, kQt };

struct Wave {
  double centre = 0;  // s relative to the R-peak at RR = 1 s
  double sigma = 0;   // s at RR = 1 s
  Vec3 v;             // mV
  Timing timing = Timing::kFixed;
};

struct BeatModel {
  std::vector<Wave> waves;  // P first when present
  Vec3 st;                  // ST-segment plateau vector (zero when no ST deviation)
  double pr_factor = 1.0;   // scales the PR-dependent centres
  double qt_factor = 1.0;   // scales the QT-dependent centres and widths
  double t_centre = 0.28;   // T-wave centre at RR = 1 s (for the ST plateau's end)
};

// Centre and width of a wave for a beat with the given RR interval (s).
void wave_timing(const Wave& w, const BeatModel& m, double rr, double& centre, double& sigma);

struct RhythmParams {
  double mean_rr = 1.0;  // s
  bool af = false;
  double rsa_amplitude = 0;  // relative RR modulation by respiration
  double resp_hz = 0.25;
  double resp_phase = 0;
  double jitter = 0;    // relative RR jitter (sinus)
  double af_sigma = 0;  // log-normal spread of RR in AF
};

struct NoiseParams {
  double white_mv = 0;    // std of white noise per lead
  double wander_mv = 0;   // amplitude scale of baseline wander per lead
  double af_wave_mv = 0;  // fibrillatory wave amplitude (AF only)
  double af_wave_hz = 6;
  Vec3 af_direction;
};

struct Patient {
  LabelVector labels{};
  BeatModel beat;
  RhythmParams rhythm;
  NoiseParams noise;
  double beat_amplitude_resp = 0;  // respiratory modulation of beat amplitude
};

Patient sample_patient(Rng& rng, const LabelVector& labels);

}  // namespace acl::synth
