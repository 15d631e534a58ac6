// Rational polyphase resampling of lead-major ECG signals.
//
// fs_out / fs_in is reduced to up / down = L / M (rates rounded to 1 mHz, divided by their gcd).
// Conceptually the input is zero-stuffed by L, low-passed and decimated by M; only the needed
// products are formed (polyphase). The anti-aliasing filter is a Kaiser-windowed sinc with its
// cutoff at min(fs_in, fs_out) / 2, `zero_crossings` sinc lobes per side (length
// 2 * zero_crossings * max(L, M) + 1) and each polyphase branch normalised to unit DC gain, so a
// constant stays exactly constant. The filter's group delay is compensated: output sample k sits at
// time k / fs_out, the same instant as input sample k * fs_in / fs_out. The signal is extended
// past its ends by odd reflection (2 x[0] - x[i]) so edges do not droop towards zero.
// Output length: round(n * fs_out / fs_in). Accumulation in double, output float.
#pragma once

#include <cstdint>
#include <vector>

namespace acl::preprocess {

struct ResampleOptions {
  int zero_crossings = 16;   // sinc lobes per side of the anti-aliasing filter
  double kaiser_beta = 6.0;  // ~63 dB stopband; transition ~0.24 x the output Nyquist wide
};

// up / down = fs_out / fs_in in lowest terms. Throws std::invalid_argument for rates <= 0.
struct RationalFactor {
  int64_t up = 1;
  int64_t down = 1;
};
RationalFactor rational_factor(double fs_in, double fs_out);

// round(n * fs_out / fs_in), exact in integers.
int64_t resampled_length(int64_t n, double fs_in, double fs_out);

class PolyphaseResampler {
 public:
  PolyphaseResampler(double fs_in, double fs_out, const ResampleOptions& opt = {});

  int64_t up() const { return up_; }
  int64_t down() const { return down_; }
  int64_t output_length(int64_t n_in) const;
  // Resamples one lead of n_in samples into y (output_length(n_in) samples).
  void apply(const float* x, int64_t n_in, float* y) const;
  // The prototype low-pass (length 2 * half + 1, gain ~up), before the per-branch normalisation.
  const std::vector<double>& prototype() const { return prototype_; }

 private:
  int64_t up_ = 1, down_ = 1;
  int64_t half_ = 0;               // group delay in samples at the up-sampled rate
  int64_t taps_per_phase_ = 0;     // K
  std::vector<double> phases_;     // (up, K): branch p, tap t = h[p + t * up], normalised
  std::vector<double> prototype_;  // (2 * half + 1)
};

// Resamples every lead of a lead-major (n_leads, n_samples) signal; returns
// (n_leads, resampled_length(n_samples)) lead-major.
std::vector<float> resample(const float* x, int n_leads, int64_t n_samples, double fs_in,
                            double fs_out, const ResampleOptions& opt = {});

}  // namespace acl::preprocess
