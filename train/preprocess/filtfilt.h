// Zero-phase forward-backward filtering of second-order sections, and the ECG band-pass.
//
// sosfiltfilt follows scipy.signal.sosfiltfilt(sos, x, padtype='odd'): the signal is extended at
// each end by padlen samples of odd reflection (2 x[0] - x[padlen..1], 2 x[n-1] - x[n-2..]),
// filtered forwards with each section's state set to its steady state for a step of height
// ext[0] (sosfilt_zi * ext[0]), then backwards the same way, and the padding is cut off. The
// magnitude response is |H(f)|^2 and the phase is exactly zero. Default padlen = 3 * (2 * sections
// + 1 - min(#b2 == 0, #a2 == 0)), clamped to n - 1. Direct form II transposed, all in double.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "train/preprocess/butterworth.h"

namespace acl::preprocess {

// Steady-state DF2T states (z0, z1) of each section for a unit step input (scipy sosfilt_zi).
std::vector<std::array<double, 2>> sosfilt_zi(const Sos& sos);

// Causal filtering in place; zi (one pair per section) holds the initial states and receives the
// final ones. zi may be null (zero initial state).
void sosfilt(const Sos& sos, double* x, int64_t n, std::array<double, 2>* zi = nullptr);

int default_padlen(const Sos& sos);

// Zero-phase filtering of one signal in place; padlen < 0 means default_padlen(sos).
void sosfiltfilt(const Sos& sos, double* x, int64_t n, int padlen = -1);
void sosfiltfilt(const Sos& sos, float* x, int64_t n, int padlen = -1);

// The ECG band-pass: Butterworth low_hz..high_hz of the given order. High-pass only when
// high_hz >= fs / 2 (or <= 0), low-pass only when low_hz <= 0.
struct BandpassOptions {
  double low_hz = 0.5;
  double high_hz = 45.0;
  int order = 2;
};
Sos design_bandpass(const BandpassOptions& opt, double fs);

// Zero-phase band-pass of every lead of a lead-major (n_leads, n_samples) signal, in place.
void bandpass_filter(float* x, int n_leads, int64_t n_samples, double fs,
                     const BandpassOptions& opt = {});

}  // namespace acl::preprocess
