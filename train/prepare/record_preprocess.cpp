#include "train/prepare/record_preprocess.h"

#include <algorithm>
#include <cmath>
#include <optional>
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

namespace {

// A multi-frequency record's signals, each resampled from its own rate to fs: (n_sig, n) with
// n = resampled_length(n_samples, record.fs, fs), which every signal's own output length equals.
std::vector<float> signals_at_rate(const data::Record& r, double fs, int64_t n) {
  std::vector<float> out(static_cast<size_t>(r.n_sig * n));
  for (int i = 0; i < r.n_sig; ++i) {
    float* dst = out.data() + static_cast<int64_t>(i) * n;
    if (r.signal_fs(i) == fs) {  // already at the target rate
      std::copy_n(r.lead(i), n, dst);
      continue;
    }
    const preprocess::PolyphaseResampler rs(r.signal_fs(i), fs);
    if (rs.output_length(r.signal_length(i)) != n) {
      throw std::runtime_error(r.header_path + ": signal " + std::to_string(i) + " at " +
                               std::to_string(r.signal_fs(i)) + " Hz resamples to " +
                               std::to_string(rs.output_length(r.signal_length(i))) +
                               " samples, the record's frames to " + std::to_string(n));
    }
    rs.apply(r.lead(i), r.signal_length(i), dst);
  }
  return out;
}

}  // namespace

int64_t skew_tail_frames(const data::Record& r) {
  if (r.header.n_segments > 0) return 0;  // segments carry their own skews; gaps are refused
  int64_t tail = 0;
  for (const data::WfdbSignalInfo& s : r.signals) tail = std::max<int64_t>(tail, s.skew);
  return std::min(tail, r.n_samples);
}

data::Record without_last_frames(const data::Record& r, int64_t frames) {
  data::Record out = r;
  out.n_samples = r.n_samples - frames;
  out.digital.clear();
  out.physical.clear();
  for (int i = 0; i < r.n_sig; ++i) {
    const int64_t keep = out.signal_length(i);
    const int32_t* d = r.digital_lead(i);
    out.digital.insert(out.digital.end(), d, d + keep);
    if (!r.physical.empty()) {
      const float* p = r.lead(i);
      out.physical.insert(out.physical.end(), p, p + keep);
    }
  }
  return out;
}

std::string multisegment_gap(const data::Record& r) {
  if (r.header.n_segments == 0 || r.physical.empty()) return "";
  int64_t frame = -1;  // first frame holding a non-finite sample, and a signal holding it
  int sig = -1;
  for (int i = 0; i < r.n_sig; ++i) {
    const float* p = r.lead(i);
    for (int64_t t = 0; t < r.signal_length(i); ++t) {
      if (std::isfinite(p[t])) continue;
      const int64_t f = t / r.samples_per_frame(i);
      if (frame < 0 || f < frame) frame = f, sig = i;
      break;
    }
  }
  if (frame < 0) return "";
  int64_t start = 0;
  for (const data::WfdbSegment& seg : r.header.segments) {
    const int64_t end = start + seg.n_samples;
    if (frame < end) {
      const std::string where = seg.name == "~" ? "null segment '~'" : "segment '" + seg.name + "'";
      return r.header_path + ": gap: signal " + r.signals[static_cast<size_t>(sig)].name() +
             " has no valid sample at frame " + std::to_string(frame) + ", in the " + where +
             " on line " + std::to_string(seg.line) + " (frames " + std::to_string(start) + "-" +
             std::to_string(end - 1) +
             "); a record with a gap cannot be a fixed-length training record";
    }
    start = end;
  }
  return r.header_path + ": gap: signal " + r.signals[static_cast<size_t>(sig)].name() +
         " has no valid sample at frame " + std::to_string(frame);
}

PreparedRecord preprocess_record(const data::Record& input, const PrepareOptions& o) {
  // The last frames a skewed signal leaves invalid are cut before the quality check, which still
  // refuses a non-finite sample anywhere else.
  const int64_t skew_tail = skew_tail_frames(input);
  std::optional<data::Record> trimmed;
  if (skew_tail > 0) trimmed = without_last_frames(input, skew_tail);
  const data::Record& record = trimmed ? *trimmed : input;
  std::string problem = multisegment_gap(record);
  if (problem.empty()) problem = data::check_signal_quality(record);
  if (!problem.empty()) throw std::runtime_error(problem);
  // Signals at several rates (samples per frame > 1) each go to the target rate first.
  const bool multi_rate = !record.uniform_rate();
  int64_t n = record.n_samples;
  double fs = record.fs;
  std::vector<float> at_rate;
  if (multi_rate) {
    n = preprocess::resampled_length(n, record.fs, o.fs);
    at_rate = signals_at_rate(record, o.fs, n);
    fs = o.fs;
  }
  preprocess::CanonicalRecord c = preprocess::to_canonical_order(
      multi_rate ? at_rate.data() : record.physical.data(), record.lead_names(), n);
  preprocess::derive_limb_leads(c.signal.data(), n, c.present);
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
  if (skew_tail > 0) {
    out.note = "skew: dropped the last " + std::to_string(skew_tail) + " of " +
               std::to_string(input.n_samples) + " frames (invalid after the skew)";
  }
  if (fs != o.fs) {
    out.signal = preprocess::resample(c.signal.data(), kNumLeads, n, fs, o.fs);
    n = preprocess::resampled_length(n, fs, o.fs);
  } else {
    out.signal = std::move(c.signal);
  }
  finish_signal(out.signal, n, out.rpeaks, true, o);
  return out;
}

}  // namespace acl::prepare
