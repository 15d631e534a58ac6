// Interval measurement on clean 12-lead records; see intervals.h.
#include "train/synth_check/intervals.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "models/leads.h"

namespace acl::synth_check {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Record {
  const float* x;  // (12, n)
  int n;
  double fs;
  float at(int lead, int i) const { return x[static_cast<size_t>(lead) * n + i]; }
};

// Spatial velocity over the independent leads, mV/s.
std::vector<double> spatial_velocity(const Record& rec) {
  std::vector<double> d(static_cast<size_t>(rec.n), 0.0);
  for (int i = 1; i + 1 < rec.n; ++i) {
    double s = 0;
    for (int l : leads::independent_leads()) {
      const double v = (rec.at(l, i + 1) - rec.at(l, i - 1)) * rec.fs * 0.5;
      s += v * v;
    }
    d[static_cast<size_t>(i)] = std::sqrt(s);
  }
  return d;
}

// Fractional sample where f crosses level between samples a and b (f[a], f[b] on either side).
double crossing(const std::vector<double>& f, int a, int b, double level) {
  const double fa = f[static_cast<size_t>(a)], fb = f[static_cast<size_t>(b)];
  if (fa == fb) return b;
  return a + (b - a) * (level - fa) / (fb - fa);
}

// Edge of the stretch around `peak` where f >= level, walking with `step` (+1 or -1) and bridging
// gaps below level of at most `gap` samples; limited to [lo, hi]. Fractional sample, NaN when the
// stretch reaches the limit.
double stretch_edge(const std::vector<double>& f, int peak, int step, int gap, double level, int lo,
                    int hi) {
  int last_above = peak;
  for (int i = peak + step; i >= lo && i <= hi; i += step) {
    if (f[static_cast<size_t>(i)] >= level) {
      last_above = i;
    } else if (std::abs(i - last_above) > gap) {
      return crossing(f, last_above + step, last_above, level);
    }
  }
  return kNaN;
}

int argmax(const std::vector<double>& f, int lo, int hi) {
  int best = lo;
  for (int i = lo; i <= hi; ++i) {
    if (f[static_cast<size_t>(i)] > f[static_cast<size_t>(best)]) best = i;
  }
  return best;
}

int argmin(const std::vector<double>& f, int lo, int hi) {
  int best = lo;
  for (int i = lo; i <= hi; ++i) {
    if (f[static_cast<size_t>(i)] < f[static_cast<size_t>(best)]) best = i;
  }
  return best;
}

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double a) { return std::isnan(a); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

double quantile_sorted(const std::vector<double>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double f = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

struct Beat {
  BeatMeasure m;
  std::vector<double> baseline;  // per lead (12)
  double t_peak_s = std::numeric_limits<double>::quiet_NaN();
};

// M(t) of one beat: distance of the independent leads from the beat's baseline.
double magnitude(const Record& rec, const std::vector<double>& baseline, int i) {
  double s = 0;
  for (int l : leads::independent_leads()) {
    const double v = rec.at(l, i) - baseline[static_cast<size_t>(l)];
    s += v * v;
  }
  return std::sqrt(s);
}

void measure_qrs(const Record& rec, const std::vector<double>& d, Beat& b, int r_next) {
  const int n = rec.n;
  const auto samples = [&](double s) { return static_cast<int>(std::lround(s * rec.fs)); };
  const int lo = std::max(1, b.m.r - samples(0.25)), hi = std::min(n - 2, b.m.r + samples(0.25));
  const int peak =
      argmax(d, std::max(lo, b.m.r - samples(0.08)), std::min(hi, b.m.r + samples(0.08)));
  const double level = std::min(kQrsFraction * d[static_cast<size_t>(peak)], kQrsLevelMaxMvS);
  const int gap = std::max(1, samples(kQrsGapS));
  const double on = stretch_edge(d, peak, -1, gap, level, lo, hi);
  const double off = stretch_edge(d, peak, +1, gap, level, lo, std::min(hi, r_next - 1));
  b.m.qrs_on_s = on / rec.fs;
  b.m.qrs_off_s = off / rec.fs;
  if (std::isnan(on) || std::isnan(off)) return;

  const int on_i = static_cast<int>(std::floor(on));
  // Isoelectric point: where D is smallest in the kIsoWindowS before QRS onset.
  const int iso = argmin(d, std::max(1, on_i - samples(kIsoWindowS)), std::max(1, on_i));
  const int half = samples(0.5 * kIsoAverageS);
  const int base_lo = std::max(0, iso - half), base_hi = std::min(n - 1, iso + half);
  for (int l = 0; l < leads::kNumLeads; ++l) {
    double s = 0;
    for (int i = base_lo; i <= base_hi; ++i) s += rec.at(l, i);
    b.baseline[static_cast<size_t>(l)] = s / (base_hi - base_lo + 1);
  }
  const int off_i = static_cast<int>(std::ceil(off));
  for (int i = on_i; i <= off_i; ++i) {
    b.m.area_i += (rec.at(leads::kI, i) - b.baseline[leads::kI]) / rec.fs;
    b.m.area_avf += (rec.at(leads::kAVF, i) - b.baseline[leads::kAVF]) / rec.fs;
  }
}

void measure_t_end(const Record& rec, Beat& b, int r_next) {
  const double rr_next = (r_next - b.m.r) / rec.fs;
  const int lo = static_cast<int>(std::ceil((b.m.qrs_off_s + 0.04) * rec.fs));
  const int hi = std::min(
      rec.n - 2, b.m.r + static_cast<int>(std::lround(std::min(0.7, 0.65 * rr_next) * rec.fs)));
  if (lo + 2 >= hi) return;
  std::vector<double> m(static_cast<size_t>(rec.n), 0.0);
  for (int i = lo - 1; i <= hi + 1; ++i) m[static_cast<size_t>(i)] = magnitude(rec, b.baseline, i);
  // The T peak comes before QRS onset + kTPeakMaxS sqrt(RR) (Bazett; a QTc of 500 ms peaks
  // earlier), which keeps the next beat's P wave out of the search when the PR is long.
  const int peak_hi = std::min(
      hi, static_cast<int>(std::floor((b.m.qrs_on_s + kTPeakMaxS * std::sqrt(rr_next)) * rec.fs)));
  if (lo >= peak_hi) return;
  const int peak = argmax(m, lo, peak_hi);
  b.t_peak_s = peak / rec.fs;
  // Steepest descent after the peak, until M rises again.
  int steepest = -1;
  double slope = 0;
  for (int i = peak + 1; i <= hi; ++i) {
    const double s = (m[static_cast<size_t>(i + 1)] - m[static_cast<size_t>(i - 1)]) * rec.fs * 0.5;
    if (s < slope) {
      slope = s;
      steepest = i;
    }
    if (m[static_cast<size_t>(i + 1)] > m[static_cast<size_t>(i)] &&
        m[static_cast<size_t>(i)] < 0.5 * m[static_cast<size_t>(peak)]) {
      break;
    }
  }
  if (steepest < 0) return;
  b.m.t_end_s = steepest / rec.fs + m[static_cast<size_t>(steepest)] / -slope;
}

void measure_p(const Record& rec, Beat& b, double window_start_s) {
  const int hi = static_cast<int>(std::floor((b.m.qrs_on_s - 0.02) * rec.fs));
  const int lo = std::max(
      0, static_cast<int>(std::ceil(std::max(window_start_s, b.m.qrs_on_s - kPWindowS) * rec.fs)));
  if (lo + 4 >= hi) return;
  std::vector<double> m(static_cast<size_t>(hi + 1), 0.0);
  for (int i = lo; i <= hi; ++i) m[static_cast<size_t>(i)] = magnitude(rec, b.baseline, i);
  // The local maximum of M nearest to the QRS that stands out as a hump: walking back from it, M
  // falls below kPFraction of it (P onset), or turns up again at a valley (T-P fusion at high
  // rates; P onset there); the hump rises above that point by >= kPMinMv and kPHumpFraction.
  for (int peak = hi - 1; peak > lo; --peak) {
    const double mp = m[static_cast<size_t>(peak)];
    if (!(mp >= m[static_cast<size_t>(peak - 1)] && mp > m[static_cast<size_t>(peak + 1)]))
      continue;
    if (mp < kPMinMv) continue;
    const double level = kPFraction * mp;
    int i = peak;
    while (i > lo && m[static_cast<size_t>(i - 1)] < m[static_cast<size_t>(i)] &&
           m[static_cast<size_t>(i - 1)] >= level) {
      --i;
    }
    if (i == lo) return;  // the hump began before the window: not measurable
    const bool crossed = m[static_cast<size_t>(i - 1)] < level;
    const double foot = crossed ? level : m[static_cast<size_t>(i)];
    if (mp - foot < std::max(kPMinMv, kPHumpFraction * mp)) continue;
    b.m.p_on_s = (crossed ? crossing(m, i - 1, i, level) : i) / rec.fs;
    b.m.p_peak_mv = mp;
    return;
  }
}

}  // namespace

std::vector<BeatMeasure> measure_beats(const float* signal, int n_samples, double fs,
                                       const std::vector<int>& rpeaks) {
  if (!(fs > 0) || n_samples <= 0) {
    throw std::invalid_argument("measure_beats: fs = " + std::to_string(fs) + ", n_samples = " +
                                std::to_string(n_samples) + "; expected both > 0");
  }
  for (size_t k = 0; k < rpeaks.size(); ++k) {
    if (rpeaks[k] < 0 || rpeaks[k] >= n_samples || (k > 0 && rpeaks[k] <= rpeaks[k - 1])) {
      throw std::invalid_argument("measure_beats: R-peak " + std::to_string(k) + " at sample " +
                                  std::to_string(rpeaks[k]) + " is outside [0, " +
                                  std::to_string(n_samples) + ") or not ascending");
    }
  }
  const Record rec{signal, n_samples, fs};
  const std::vector<double> d = spatial_velocity(rec);
  std::vector<Beat> beats(rpeaks.size());
  for (size_t k = 0; k < rpeaks.size(); ++k) {
    Beat& b = beats[k];
    b.baseline.assign(leads::kNumLeads, 0.0);
    b.m.r = rpeaks[k];
    b.m.rr_prev_s = k > 0 ? (rpeaks[k] - rpeaks[k - 1]) / fs : kNaN;
    b.m.qrs_on_s = b.m.qrs_off_s = b.m.p_on_s = b.m.t_end_s = kNaN;
    const int r_next = k + 1 < rpeaks.size() ? rpeaks[k + 1] : n_samples;
    measure_qrs(rec, d, b, r_next);
    if (!std::isnan(b.m.qrs_on_s) && !std::isnan(b.m.qrs_off_s) && k + 1 < rpeaks.size()) {
      measure_t_end(rec, b, r_next);
    }
  }
  std::vector<BeatMeasure> out;
  // Beats with a previous and a next R-peak: a preceding RR, a bounded T search.
  for (size_t k = 1; k + 1 < rpeaks.size(); ++k) {
    Beat& b = beats[k];
    if (std::isnan(b.m.qrs_on_s) || std::isnan(b.m.qrs_off_s)) continue;
    const Beat& prev = beats[k - 1];
    // From the previous T peak: a P wave may start on the T wave's downslope (long PR, high
    // rates), before the T end of the tangent.
    const double start =
        !std::isnan(prev.t_peak_s) ? prev.t_peak_s : (prev.m.r + 0.6 * (b.m.r - prev.m.r)) / fs;
    measure_p(rec, b, start);
    out.push_back(b.m);
  }
  return out;
}

IntervalSummary summarize(const std::vector<BeatMeasure>& beats) {
  IntervalSummary s;
  s.n_beats = static_cast<int>(beats.size());
  std::vector<double> pr, p_peak, qrs, qt, qtc, rr;
  double area_i = 0, area_avf = 0;
  for (const BeatMeasure& b : beats) {
    qrs.push_back(b.qrs_off_s - b.qrs_on_s);
    rr.push_back(b.rr_prev_s);
    if (!std::isnan(b.p_on_s)) {
      pr.push_back(b.qrs_on_s - b.p_on_s);
      p_peak.push_back(b.p_peak_mv);
      ++s.n_p;
    }
    if (!std::isnan(b.t_end_s)) {
      qt.push_back(b.t_end_s - b.qrs_on_s);
      qtc.push_back(qt.back() / std::sqrt(b.rr_prev_s));
    }
    area_i += b.area_i;
    area_avf += b.area_avf;
  }
  if (s.n_p > 0 && 2 * s.n_p >= s.n_beats) {
    std::vector<double> sorted = pr;
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> peaks = p_peak;
    std::sort(peaks.begin(), peaks.end());
    s.has_p = quantile_sorted(sorted, 0.75) - quantile_sorted(sorted, 0.25) <= kPrIqrS &&
              quantile_sorted(peaks, 0.75) - quantile_sorted(peaks, 0.25) <=
                  kPPeakIqr * quantile_sorted(peaks, 0.5);
  }
  s.pr_s = s.has_p ? median(pr) : kNaN;
  s.qrs_s = median(qrs);
  s.qt_s = median(qt);
  s.qtc_s = median(qtc);
  s.rr_s = median(rr);
  s.hr_bpm = 60.0 / s.rr_s;
  // aVF = II - I / 2 has length sqrt(3) / 2 in the hexaxial frame where I and II have length 1.
  s.axis_deg = s.n_beats > 0 ? std::atan2(area_avf * 2.0 / std::sqrt(3.0), area_i) * 180.0 /
                                   3.14159265358979323846
                             : kNaN;
  return s;
}

}  // namespace acl::synth_check
