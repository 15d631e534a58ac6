// Beat-by-beat comparison of detected R-peaks with reference annotations: each reference beat is
// matched to at most one detection within +-tolerance samples (the nearest unmatched one, scanning
// in time order); TP = matches, FP = unmatched detections, FN = unmatched references.
// Sensitivity Se = TP / (TP + FN), positive predictivity +P = TP / (TP + FP) (1 when undefined).
#pragma once

#include <vector>

namespace acl::preprocess {

struct RpeakScore {
  int tp = 0;
  int fp = 0;
  int fn = 0;
  double sensitivity = 1.0;
  double positive_predictivity = 1.0;
};

RpeakScore score_rpeaks(const std::vector<int>& detected, const std::vector<int>& reference,
                        int tolerance_samples);

// The same, counting only beats inside the window [begin, end) (like bxb's start/end times):
// references there are TP or FN, unmatched detections there are FP. Matching uses all
// positions, so a detection inside the window that belongs to a reference outside it counts
// neither way (beats cut by the edge of a record).
RpeakScore score_rpeaks(const std::vector<int>& detected, const std::vector<int>& reference,
                        int tolerance_samples, int begin, int end);

// Adds two scores (e.g. over records) and recomputes the ratios.
RpeakScore operator+(const RpeakScore& a, const RpeakScore& b);

}  // namespace acl::preprocess
