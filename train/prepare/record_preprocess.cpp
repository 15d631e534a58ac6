#include "train/prepare/record_preprocess.h"

#include <stdexcept>

#include "engine/util/strings.h"
#include "train/data/signal_quality.h"
#include "train/preprocess/crop.h"
#include "train/preprocess/filtfilt.h"
#include "train/preprocess/leads.h"
#include "train/preprocess/resample.h"
#include "train/preprocess/rpeaks.h"
#include "train/preprocess/standardize.h"

namespace acl::prepare {

using leads::kNumLeads;

void finish_signal(std::vector<float>& x, int64_t n, std::vector<int>& rpeaks, bool detect,
                   const PrepareOptions& o) {
  if (o.bandpass) {
    preprocess::BandpassOptions band{o.band_low_hz, o.band_high_hz, o.band_order};
    preprocess::bandpass_filter(x.data(), kNumLeads, n, o.fs, band);
  }
  int64_t length = stored_length(o);
  int64_t offset = preprocess::crop_offset(n, length, preprocess::CropMode::kCenter);
  x = preprocess::crop_or_pad(x.data(), kNumLeads, n, length, preprocess::CropMode::kCenter);
  if (detect) {
    rpeaks = preprocess::detect_rpeaks(x.data(), kNumLeads, static_cast<int>(length), o.fs);
  } else {
    std::vector<int> kept;
    for (int r : rpeaks) {
      int64_t s = r - offset;
      if (s >= 0 && s < length) kept.push_back(static_cast<int>(s));
    }
    rpeaks = std::move(kept);
  }
  if (o.standardize) preprocess::standardize_leads(x.data(), kNumLeads, length);
}

PreparedRecord preprocess_record(const data::Record& record, const PrepareOptions& o) {
  std::string problem = data::check_signal_quality(record);
  if (!problem.empty()) throw std::runtime_error(problem);
  preprocess::CanonicalRecord c =
      preprocess::to_canonical_order(record.physical.data(), record.lead_names(), record.n_samples);
  preprocess::derive_limb_leads(c.signal.data(), record.n_samples, c.present);
  std::vector<std::string> missing;
  for (int k = 0; k < kNumLeads; ++k) {
    if (!c.present[static_cast<size_t>(k)])
      missing.push_back(leads::lead_names()[static_cast<size_t>(k)]);
  }
  if (!missing.empty() && !o.allow_missing_leads) {
    throw std::runtime_error(record.name + ": wrong lead set: has " + std::to_string(record.n_sig) +
                             " signals (" + strings::join(record.lead_names()) +
                             "), missing 12-lead " + strings::join(missing) +
                             " (use --allow-missing-leads to zero-fill)");
  }
  PreparedRecord out;
  int64_t n = record.n_samples;
  if (record.fs != o.fs) {
    out.signal = preprocess::resample(c.signal.data(), kNumLeads, n, record.fs, o.fs);
    n = preprocess::resampled_length(n, record.fs, o.fs);
  } else {
    out.signal = std::move(c.signal);
  }
  finish_signal(out.signal, n, out.rpeaks, true, o);
  return out;
}

}  // namespace acl::prepare
