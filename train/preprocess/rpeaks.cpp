// Pan-Tompkins style QRS detector on a lead combination; see rpeaks.h for the algorithm.
#include "train/preprocess/rpeaks.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <stdexcept>
#include <string>

#include "train/preprocess/filtfilt.h"

namespace acl::preprocess {
namespace {

struct Candidate {
  int pos = 0;        // MWI peak sample
  int refined = 0;    // argmax of c within +-refine
  double peak_i = 0;  // MWI value
  double peak_f = 0;  // c at refined
  double slope = 0;   // max combined |derivative| within +-refine
};

// The detector's feature signals.
struct Features {
  std::vector<double> mwi;    // integrated squared derivative
  std::vector<double> comb;   // sum of |band-passed| / std
  std::vector<double> slope;  // sqrt(sum of squared derivative / std^2)
};

Features compute_features(const float* signal, int n_leads, int n, double fs,
                          const RpeakOptions& opt) {
  Features f;
  f.comb.assign(static_cast<size_t>(n), 0.0);
  std::vector<double> sq(static_cast<size_t>(n), 0.0);
  BandpassOptions band{opt.band_low_hz, opt.band_high_hz, opt.band_order};
  const Sos sos = design_bandpass(band, fs);
  // Band-pass every lead; one common scale (RMS of the leads' std) keeps their relative size, so
  // a lead that carries mostly noise or atrial activity weighs less than one with a clear QRS.
  std::vector<std::vector<double>> bp;
  double var_sum = 0.0;
  for (int l = 0; l < n_leads; ++l) {
    const float* x = signal + static_cast<int64_t>(l) * n;
    std::vector<double> y(x, x + n);
    sosfiltfilt(sos, y.data(), n);
    double mean = 0.0, ss = 0.0;
    for (double v : y) mean += v;
    mean /= n;
    for (double v : y) ss += (v - mean) * (v - mean);
    if (!(ss > 0.0) || !std::isfinite(ss)) continue;  // flat or absent lead
    var_sum += ss / n;
    bp.push_back(std::move(y));
  }
  if (bp.empty()) {
    f.slope.assign(static_cast<size_t>(n), 0.0);
    f.mwi.assign(static_cast<size_t>(n), 0.0);
    return f;
  }
  const double inv = 1.0 / std::sqrt(var_sum / static_cast<double>(bp.size()));
  for (const std::vector<double>& y : bp) {
    for (int i = 0; i < n; ++i)
      f.comb[static_cast<size_t>(i)] += std::abs(y[static_cast<size_t>(i)]) * inv;
    for (int i = 2; i + 2 < n; ++i) {
      const double d = (-y[static_cast<size_t>(i - 2)] - 2.0 * y[static_cast<size_t>(i - 1)] +
                        2.0 * y[static_cast<size_t>(i + 1)] + y[static_cast<size_t>(i + 2)]) *
                       (0.125 * inv);
      sq[static_cast<size_t>(i)] += d * d;
    }
  }
  f.slope.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    f.slope[static_cast<size_t>(i)] = std::sqrt(sq[static_cast<size_t>(i)]);
  // Centred moving average of width 2h + 1 (truncated at the ends, same divisor).
  const int h = std::max(1, static_cast<int>(std::lround(0.5 * opt.integration_s * fs)));
  std::vector<double> prefix(static_cast<size_t>(n) + 1, 0.0);
  for (int i = 0; i < n; ++i)
    prefix[static_cast<size_t>(i) + 1] =
        prefix[static_cast<size_t>(i)] + sq[static_cast<size_t>(i)];
  f.mwi.resize(static_cast<size_t>(n));
  const double inv_w = 1.0 / (2 * h + 1);
  for (int i = 0; i < n; ++i) {
    const int a = std::max(0, i - h), b = std::min(n, i + h + 1);
    f.mwi[static_cast<size_t>(i)] =
        (prefix[static_cast<size_t>(b)] - prefix[static_cast<size_t>(a)]) * inv_w;
  }
  return f;
}

// Local maxima of the MWI, thinned so that no two are closer than `distance` (tallest kept).
std::vector<int> find_peaks(const std::vector<double>& y, int distance) {
  const int n = static_cast<int>(y.size());
  std::vector<int> peaks;
  for (int i = 1; i + 1 < n; ++i) {
    if (y[static_cast<size_t>(i)] > y[static_cast<size_t>(i - 1)] &&
        y[static_cast<size_t>(i)] >= y[static_cast<size_t>(i + 1)] &&
        y[static_cast<size_t>(i)] > 0) {
      peaks.push_back(i);
    }
  }
  std::vector<size_t> order(peaks.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return y[static_cast<size_t>(peaks[a])] > y[static_cast<size_t>(peaks[b])];
  });
  std::vector<char> keep(peaks.size(), 1);
  for (size_t o : order) {
    if (!keep[o]) continue;
    for (size_t k = o + 1; k < peaks.size() && peaks[k] - peaks[o] < distance; ++k) keep[k] = 0;
    for (size_t k = o; k-- > 0 && peaks[o] - peaks[k] < distance;) keep[k] = 0;
  }
  std::vector<int> out;
  for (size_t k = 0; k < peaks.size(); ++k) {
    if (keep[k]) out.push_back(peaks[k]);
  }
  return out;
}

class Detector {
 public:
  Detector(const Features& f, int n, double fs, const RpeakOptions& opt) : f_(f), n_(n), opt_(opt) {
    refractory_ = static_cast<int>(std::lround(opt.refractory_s * fs));
    t_wave_ = static_cast<int>(std::lround(opt.t_wave_s * fs));
    refine_ = std::max(1, static_cast<int>(std::lround(opt.refine_s * fs)));
    const int learn = std::clamp(static_cast<int>(std::lround(opt.learning_s * fs)), 1, n);
    double max_i = 0, mean_i = 0, max_f = 0, mean_f = 0;
    for (int i = 0; i < learn; ++i) {
      max_i = std::max(max_i, f.mwi[static_cast<size_t>(i)]);
      mean_i += f.mwi[static_cast<size_t>(i)];
      max_f = std::max(max_f, f.comb[static_cast<size_t>(i)]);
      mean_f += f.comb[static_cast<size_t>(i)];
    }
    spk_i_ = max_i / 3.0;
    npk_i_ = 0.5 * mean_i / learn;
    spk_f_ = max_f / 3.0;
    npk_f_ = 0.5 * mean_f / learn;
  }

  std::vector<int> run(const std::vector<int>& peaks) {
    for (int p : peaks) {
      const Candidate c = make_candidate(p);
      if (!qrs_.empty()) {
        // Search back over the gap while it exceeds the missed-beat limit.
        while (have_rr() && c.pos - qrs_.back().pos > missed_limit()) {
          if (!search_back(qrs_.back().pos + refractory_, c.pos)) break;
        }
        if (c.pos - qrs_.back().pos < refractory_) continue;
      }
      classify(c);
    }
    if (!qrs_.empty()) {
      while (have_rr() && n_ - qrs_.back().pos > missed_limit()) {
        if (!search_back(qrs_.back().pos + refractory_, n_)) break;
      }
      search_before_first();
    }
    std::vector<int> out;
    for (const Candidate& q : qrs_) out.push_back(q.refined);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  Candidate make_candidate(int p) const {
    Candidate c;
    c.pos = p;
    c.peak_i = f_.mwi[static_cast<size_t>(p)];
    const int a = std::max(0, p - refine_), b = std::min(n_ - 1, p + refine_);
    c.refined = a;
    for (int i = a; i <= b; ++i) {
      if (f_.comb[static_cast<size_t>(i)] > f_.comb[static_cast<size_t>(c.refined)]) c.refined = i;
      c.slope = std::max(c.slope, f_.slope[static_cast<size_t>(i)]);
    }
    c.peak_f = f_.comb[static_cast<size_t>(c.refined)];
    return c;
  }

  double thr_i1() const {
    return (npk_i_ + 0.25 * (spk_i_ - npk_i_)) *
           (irregular_ && opt_.halve_when_irregular ? 0.5 : 1.0);
  }
  double thr_f1() const {
    return (npk_f_ + 0.25 * (spk_f_ - npk_f_)) *
           (irregular_ && opt_.halve_when_irregular ? 0.5 : 1.0);
  }
  double thr_i2() const { return 0.5 * thr_i1(); }
  double thr_f2() const { return 0.5 * thr_f1(); }

  bool have_rr() const { return !rr_regular_.empty() || !rr_recent_.empty(); }
  double rr_average() const {
    const std::deque<int>& d = rr_regular_.empty() ? rr_recent_ : rr_regular_;
    return std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
  }
  double missed_limit() const { return opt_.searchback_factor * rr_average(); }

  bool is_t_wave(const Candidate& c) const {
    if (qrs_.empty()) return false;
    const Candidate& last = qrs_.back();
    return c.pos - last.pos < t_wave_ && c.slope < 0.5 * last.slope;
  }

  void accept(const Candidate& c, bool searched_back) {
    const double w = searched_back ? 0.25 : 0.125;
    spk_i_ = w * c.peak_i + (1.0 - w) * spk_i_;
    spk_f_ = w * c.peak_f + (1.0 - w) * spk_f_;
    if (!qrs_.empty()) {
      const int rr = c.pos - qrs_.back().pos;
      push(rr_recent_, rr);
      const double avg = rr_regular_.empty() ? rr : rr_average();
      irregular_ = !(rr > 0.92 * avg && rr < 1.16 * avg);
      if (!irregular_ || rr_regular_.empty()) push(rr_regular_, rr);
    }
    qrs_.push_back(c);
  }

  void reject(const Candidate& c) {
    npk_i_ = 0.125 * c.peak_i + 0.875 * npk_i_;
    npk_f_ = 0.125 * c.peak_f + 0.875 * npk_f_;
    rejected_.push_back(c);
  }

  void classify(const Candidate& c) {
    if (c.peak_i > thr_i1() && c.peak_f > thr_f1() && !is_t_wave(c)) {
      accept(c, false);
    } else {
      reject(c);
    }
  }

  // Takes the largest rejected candidate in [from, to) above the second thresholds.
  bool search_back(int from, int to) {
    const Candidate* best = nullptr;
    for (const Candidate& c : rejected_) {
      if (c.pos < from || c.pos >= to) continue;
      if (c.peak_i <= thr_i2() || c.peak_f <= thr_f2() || is_t_wave(c)) continue;
      if (!best || c.peak_i > best->peak_i) best = &c;
    }
    if (!best) return false;
    const Candidate chosen = *best;
    accept(chosen, true);
    return true;
  }

  // A beat missed before the first detection (thresholds still high from the learning phase).
  void search_before_first() {
    while (have_rr() && qrs_.front().pos > missed_limit()) {
      const Candidate* best = nullptr;
      for (const Candidate& c : rejected_) {
        if (c.pos > qrs_.front().pos - refractory_) continue;
        if (c.peak_i <= thr_i2() || c.peak_f <= thr_f2()) continue;
        if (qrs_.front().pos - c.pos < t_wave_ && c.slope < 0.5 * qrs_.front().slope) continue;
        if (!best || c.peak_i > best->peak_i) best = &c;
      }
      if (!best) return;
      qrs_.insert(qrs_.begin(), *best);
    }
  }

  static void push(std::deque<int>& d, int v) {
    d.push_back(v);
    if (d.size() > 8) d.pop_front();
  }

  const Features& f_;
  int n_;
  RpeakOptions opt_;
  int refractory_ = 0, t_wave_ = 0, refine_ = 0;
  double spk_i_ = 0, npk_i_ = 0, spk_f_ = 0, npk_f_ = 0;
  bool irregular_ = false;
  std::deque<int> rr_recent_, rr_regular_;
  std::vector<Candidate> qrs_, rejected_;
};

}  // namespace

std::vector<int> detect_rpeaks(const float* signal, int n_leads, int n_samples, double fs,
                               const RpeakOptions& opt) {
  if (n_leads < 1 || n_samples < 0 || !(fs > 0.0)) {
    throw std::invalid_argument("detect_rpeaks: n_leads " + std::to_string(n_leads) +
                                ", n_samples " + std::to_string(n_samples) + ", fs " +
                                std::to_string(fs) + "; expected >= 1 lead and fs > 0");
  }
  if (n_samples < 5) return {};
  const Features f = compute_features(signal, n_leads, n_samples, fs, opt);
  const int distance = std::max(1, static_cast<int>(std::lround(opt.refractory_s * fs)));
  Detector det(f, n_samples, fs, opt);
  return det.run(find_peaks(f.mwi, distance));
}

}  // namespace acl::preprocess
