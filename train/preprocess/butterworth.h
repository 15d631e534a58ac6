// Digital Butterworth filter design as second-order sections (SOS).
//
// Analog prototype poles exp(i pi (2k + N - 1) / (2N)), k = 1..N, frequency edges prewarped with
// W = 2 fs tan(pi f / fs), low-pass -> high-/band-pass by the usual s-substitutions (band-pass:
// s -> (s^2 + W0^2) / (s BW), W0 = sqrt(W1 W2), BW = W2 - W1), then the bilinear transform
// z = (2 fs + s) / (2 fs - s). Poles are paired with their conjugates (real poles with each other)
// into sections; the gain sits in the first section and is set so that H = 1 exactly at DC
// (low-pass), at Nyquist (high-pass) or at the mapped centre frequency (band-pass), which equals
// scipy.signal.butter(N, Wn, btype, output='sos') up to the order of the sections.
// All in double.
#pragma once

#include <array>
#include <complex>
#include <vector>

namespace acl::preprocess {

// One section: b0 b1 b2 a0 a1 a2 (a0 = 1), the row layout of scipy's sos arrays.
using Section = std::array<double, 6>;
using Sos = std::vector<Section>;

// order N: N poles for low-/high-pass (ceil(N / 2) sections); band-pass has 2N poles in N
// sections (scipy convention). Edges in Hz, 0 < f < fs / 2. Throws std::invalid_argument.
Sos butterworth_lowpass(int order, double cutoff_hz, double fs);
Sos butterworth_highpass(int order, double cutoff_hz, double fs);
Sos butterworth_bandpass(int order, double low_hz, double high_hz, double fs);

// Frequency response H(exp(i 2 pi f / fs)) of the cascade.
std::complex<double> sos_response(const Sos& sos, double f_hz, double fs);

// Analog-prototype magnitude |H(f)| of the design above (exact for the digital filter because of
// the prewarping): 1 / sqrt(1 + e^(2N)), e = W/Wc (low), Wc/W (high), (W^2 - W0^2)/(W BW) (band).
double butterworth_lowpass_gain(int order, double cutoff_hz, double fs, double f_hz);
double butterworth_highpass_gain(int order, double cutoff_hz, double fs, double f_hz);
double butterworth_bandpass_gain(int order, double low_hz, double high_hz, double fs, double f_hz);

// Expands the cascade into transfer-function polynomials b(z^-1), a(z^-1) (for tests).
void sos_to_tf(const Sos& sos, std::vector<double>& b, std::vector<double>& a);

}  // namespace acl::preprocess
