// Pan-Tompkins style R-peak (QRS) detection on a lead combination.
//
// Per lead: zero-phase Butterworth band-pass (5-15 Hz); all leads are divided by one common scale
// s = RMS of their std, so they keep their relative size and a lead carrying mostly noise or
// atrial activity weighs less than one with a clear QRS (leads with std 0 are skipped, so
// zero-filled absent leads do not matter); centred five-point derivative
// (-x[n-2] - 2x[n-1] + 2x[n+1] + x[n+2]) / 8, squared. The squared derivatives are summed over the
// leads and integrated over a centred 150 ms moving window (MWI); the filtered combination is
// c[n] = sum_l |bp_l[n]| / s. Candidates are the MWI's local maxima, at least 200 ms apart
// (tallest first). Each is classified in time order with the adaptive thresholds of Pan & Tompkins
// (1985) on both the MWI peak and the filtered peak (max of c in +-75 ms):
//   signal level SPK <- 0.125 peak + 0.875 SPK on a QRS, noise level NPK likewise on noise,
//   THR1 = NPK + 0.25 (SPK - NPK), THR2 = THR1 / 2, initialised from the first 2 s
//   (SPK = max / 3, NPK = mean / 2); optionally THR1 halved while the last RR is irregular
//   (outside 92-116 % of the regular-RR average). A candidate within 360 ms of the previous QRS
//   whose maximum slope is under half of that QRS's is a T wave. When no QRS came for 1.66 x the
//   regular-RR average, the largest rejected candidate above THR2 in the gap is taken
//   (search-back, SPK <- 0.25 peak + 0.75 SPK), also before the first and after the last QRS.
// Each QRS is reported at the maximum of c within +-75 ms of its MWI peak.
#pragma once

#include <vector>

namespace acl::preprocess {

struct RpeakOptions {
  double band_low_hz = 5.0;
  double band_high_hz = 15.0;
  int band_order = 2;
  double integration_s = 0.150;
  double refractory_s = 0.200;
  double t_wave_s = 0.360;
  double searchback_factor = 1.66;
  double refine_s = 0.075;
  double learning_s = 2.0;
  // Pan & Tompkins halve THR1 while the rhythm is irregular; in AF that is nearly always, and the
  // halved threshold lets T and fibrillatory waves through, so it is off by default.
  bool halve_when_irregular = false;
};

// signal: lead-major (n_leads, n_samples). Returns ascending sample indices of the R-peaks.
std::vector<int> detect_rpeaks(const float* signal, int n_leads, int n_samples, double fs,
                               const RpeakOptions& opt = {});

}  // namespace acl::preprocess
