#include "train/data/signal_quality.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace acl::data {

namespace {

std::string lead_label(const Record& r, int i) {
  return "lead " + r.signals[i].description + " (signal " + std::to_string(i) + ")";
}

}  // namespace

std::string check_signal_quality(const Record& r, const QualityOptions& options) {
  if (r.physical.size() != static_cast<size_t>(r.total_samples())) {
    return r.header_path + ": no physical signal to check (read with ReadOptions::physical)";
  }
  if (r.n_samples == 0) return r.header_path + ": the record has no samples";
  for (int i = 0; i < r.n_sig; ++i) {
    const float* p = r.lead(i);
    const int32_t* d = r.digital_lead(i);
    int64_t bad = 0, first_bad = -1;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (int64_t t = 0; t < r.signal_length(i); ++t) {
      if (!std::isfinite(p[t])) {
        if (bad++ == 0) first_bad = t;
        continue;
      }
      lo = std::min(lo, d[t]);
      hi = std::max(hi, d[t]);
    }
    std::ostringstream ss;
    if (bad > 0) {
      ss << r.header_path << ": " << lead_label(r, i) << " has " << bad
         << " non-finite samples (first at sample " << first_bad << ")";
      return ss.str();
    }
    // The range from the digital values, so that a range of k LSB is exactly k / gain.
    const WfdbSignalInfo& s = r.signals[i];
    const double range = (static_cast<double>(hi) - lo) * s.physical_scale / std::fabs(s.gain);
    if (range <= options.flat_range) {
      ss << r.header_path << ": " << lead_label(r, i) << " is flat (peak-to-peak " << range << " "
         << s.physical_units << " over " << r.signal_length(i) << " samples)";
      return ss.str();
    }
  }
  return "";
}

}  // namespace acl::data
