// ECG interval measurement on clean (noise-free) 12-lead records: the realism check of the
// synthetic generator, independent of how the generator builds its waves.
//
// Per beat, from the 8 independent leads (models/leads.h) around a given R-peak:
//   QRS onset/offset  on the spatial velocity D(t) = |dx/dt| (central differences, mV/s): the QRS
//                     is the stretch around the largest D within +-80 ms of the R-peak where
//                     D >= min(kQrsFraction * that maximum, kQrsLevelMaxMvS), gaps below the
//                     level shorter than kQrsGapS bridged (the dip of D at the R apex);
//                     crossings interpolated. The cap keeps a small q or s wave inside the QRS
//                     next to a steep R: a Gaussian wave of amplitude A and width sigma peaks at
//                     a slope of 0.61 A / sigma, 7.6 mV/s for 0.1 mV over 8 ms, while P and T
//                     waves (0.2 mV over 25 ms and more) stay below 5 mV/s.
//   baseline          per lead, the mean over kIsoAverageS around the isoelectric point: the
//                     smallest D within kIsoWindowS before QRS onset (the PR segment; the
//                     reference of ST measurement). M(t) = |x(t) - baseline| over the 8 leads.
//   T end             tangent method on M: the T peak is the largest M from QRS offset + 40 ms to
//                     QRS onset + kTPeakMaxS sqrt(RR_next); the tangent at the steepest descent of
//                     M after it (until M, below half the peak, rises again; at most to
//                     R + min(0.7 s, 0.65 RR_next)) meets M = 0 at T end.
//   P onset           the local maximum of M nearest to QRS onset - 20 ms, looking back to the
//                     previous beat's T peak (or QRS onset - kPWindowS, the later), that stands
//                     out as a hump: walking back from it, P onset is where M falls below
//                     kPFraction * the peak, or the valley between T and P when M turns up first
//                     (T-P fusion at high rates); the hump rises above that point by >= kPMinMv
//                     and >= kPHumpFraction * its peak (a U wave or a T tail earlier in the
//                     window is passed over).
// Amplitude-relative thresholds on M suit the slow P and T waves; the derivative suits the fast
// QRS, whose onset in D is sharp. kPFraction = e^-2 is the level a Gaussian-shaped wave has at 2
// sigma from its centre, and the tangent method ends a Gaussian downstroke at 2 sigma too. PR = QRS
// onset - P onset, QRS = offset - onset, QT = T end - QRS onset, QTc = QT / sqrt(preceding RR)
// (Bazett). A record has P waves when >= half of its measured beats show a P hump, their PR spreads
// (interquartile range) by <= kPrIqrS and their P peak by <= kPPeakIqr of its median: a conducted P
// keeps its PR and its size, fibrillatory waves do not. The frontal QRS axis is atan2(2 / sqrt(3)
// area aVF, area I) of the baseline-corrected net QRS areas summed over beats (aVF = II - I / 2 is
// sqrt(3) / 2 long in the hexaxial frame where I and II are unit vectors).
#pragma once

#include <vector>

namespace acl::synth_check {

inline constexpr double kQrsFraction = 0.10;
inline constexpr double kQrsLevelMaxMvS = 8.0;
inline constexpr double kQrsGapS = 0.012;
inline constexpr double kTPeakMaxS = 0.45;
inline constexpr double kIsoWindowS = 0.040;
inline constexpr double kIsoAverageS = 0.004;
inline constexpr double kPFraction = 0.1353352832366127;  // e^-2
inline constexpr double kPMinMv = 0.03;
inline constexpr double kPHumpFraction = 0.3;
inline constexpr double kPWindowS = 0.45;
inline constexpr double kPrIqrS = 0.040;
inline constexpr double kPPeakIqr = 0.25;

struct BeatMeasure {
  int r = 0;             // R-peak sample
  double rr_prev_s = 0;  // RR interval before this beat
  double qrs_on_s = 0;   // absolute times in the record (s); NaN when not measured
  double qrs_off_s = 0;
  double p_on_s = 0;     // NaN when no P hump was found
  double p_peak_mv = 0;  // M at the P hump's peak
  double t_end_s = 0;
  double area_i = 0;    // net QRS area of lead I (mV s), baseline-corrected
  double area_avf = 0;  // same, lead aVF
};

struct IntervalSummary {
  int n_beats = 0;     // beats measured (a previous and a next R-peak, windows inside)
  int n_p = 0;         // of those, beats with a P hump
  bool has_p = false;  // the record shows conducted P waves (see above)
  double pr_s = 0;     // medians over beats; pr_s is NaN when !has_p, others NaN when no beat
  double qrs_s = 0;
  double qt_s = 0;
  double qtc_s = 0;  // Bazett, with each beat's preceding RR
  double rr_s = 0;
  double hr_bpm = 0;    // 60 / median RR
  double axis_deg = 0;  // frontal QRS axis, (-180, 180]
};

// signal: (12, n_samples) lead-major in the order of models/leads.h, mV; rpeaks ascending.
// Throws std::invalid_argument on fs <= 0, n_samples <= 0 or an R-peak outside the record.
std::vector<BeatMeasure> measure_beats(const float* signal, int n_samples, double fs,
                                       const std::vector<int>& rpeaks);

IntervalSummary summarize(const std::vector<BeatMeasure>& beats);

inline IntervalSummary measure_intervals(const float* signal, int n_samples, double fs,
                                         const std::vector<int>& rpeaks) {
  return summarize(measure_beats(signal, n_samples, fs, rpeaks));
}

}  // namespace acl::synth_check
