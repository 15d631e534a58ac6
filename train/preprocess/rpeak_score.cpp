// Detection-vs-reference R-peak matching; see rpeak_score.h.
#include "train/preprocess/rpeak_score.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace acl::preprocess {
namespace {

void finish(RpeakScore& s) {
  s.sensitivity = s.tp + s.fn > 0 ? static_cast<double>(s.tp) / (s.tp + s.fn) : 1.0;
  s.positive_predictivity = s.tp + s.fp > 0 ? static_cast<double>(s.tp) / (s.tp + s.fp) : 1.0;
}

}  // namespace

RpeakScore score_rpeaks(const std::vector<int>& detected, const std::vector<int>& reference,
                        int tolerance_samples, int begin, int end) {
  std::vector<int> det = detected, ref = reference;
  std::sort(det.begin(), det.end());
  std::sort(ref.begin(), ref.end());
  std::vector<char> det_matched(det.size(), 0);
  RpeakScore s;
  size_t j = 0;  // first detection not yet matched or passed over
  for (size_t i = 0; i < ref.size(); ++i) {
    const int r = ref[i];
    while (j < det.size() && det[j] < r - tolerance_samples) ++j;  // too early: unmatched
    // Among the detections within the window take the nearest; earlier ones in the window stay
    // unmatched (they cannot serve a later reference better than this one's nearest).
    size_t best = det.size();
    for (size_t k = j; k < det.size() && det[k] <= r + tolerance_samples; ++k) {
      if (best == det.size() || std::abs(det[k] - r) < std::abs(det[best] - r)) best = k;
    }
    const bool counted = r >= begin && r < end;
    if (best < det.size()) {
      det_matched[best] = 1;
      j = best + 1;
      s.tp += counted;
    } else {
      s.fn += counted;
    }
  }
  for (size_t k = 0; k < det.size(); ++k) {
    s.fp += !det_matched[k] && det[k] >= begin && det[k] < end;
  }
  finish(s);
  return s;
}

RpeakScore score_rpeaks(const std::vector<int>& detected, const std::vector<int>& reference,
                        int tolerance_samples) {
  return score_rpeaks(detected, reference, tolerance_samples, INT_MIN, INT_MAX);
}

RpeakScore operator+(const RpeakScore& a, const RpeakScore& b) {
  RpeakScore s;
  s.tp = a.tp + b.tp;
  s.fp = a.fp + b.fp;
  s.fn = a.fn + b.fn;
  finish(s);
  return s;
}

}  // namespace acl::preprocess
