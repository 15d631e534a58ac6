// The realism table of the synthetic generator: clean records (noise_scale 0) measured with
// intervals.h, per group the median and 5-95 % range over records of PR, QRS, QT, QTc, heart
// rate and frontal QRS axis, how far they are from the generator's nominal values, next to the
// clinical norm of the group's label and the fraction of records meeting it. Groups: records drawn
// with the generator's own label priors, then one group per label of label_names() with that label
// forced alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/synth/generator.h"
#include "train/synth_check/intervals.h"

namespace acl::synth_check {

// The clinical norm a record of a label is compared with; found by label name (norm_for), absent
// for labels without an interval norm.
struct Norm {
  const char* label;
  const char* text;
  bool (*met)(const IntervalSummary& s, int sex);  // sex: 0 male, 1 female
};
const Norm* norm_for(const std::string& label);

struct Range {
  int n = 0;  // records with a value
  double median = 0, p5 = 0, p95 = 0;
};

struct GroupResult {
  std::string name;
  int n_records = 0;
  int n_with_p = 0;
  Range pr_ms, qrs_ms, qt_ms, qtc_ms, hr_bpm, axis_deg;
  // Measured minus the record's nominal intervals (PR only where both have P waves) and minus the
  // QRS axis the record was built with.
  Range d_pr_ms, d_qrs_ms, d_qt_ms, d_axis_deg;
  std::string norm;             // "" when the group has no norm
  double fraction_in_norm = 0;  // of n_records; meaningful when !norm.empty()
};

// Median and 5/95 % quantiles (linear interpolation) of the non-NaN values.
Range range_of(std::vector<double> values);

// cfg.noise_scale is set to 0. Drawn records are indices [0, n_drawn), forced groups [0, n_forced).
std::vector<GroupResult> realism_groups(synth::SynthConfig cfg, int n_drawn, int n_forced);

std::string realism_markdown(const std::vector<GroupResult>& groups);

}  // namespace acl::synth_check
