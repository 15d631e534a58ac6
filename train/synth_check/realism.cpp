// The realism table; see realism.h.
#include "train/synth_check/realism.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace acl::synth_check {
namespace {

bool in(double v, double lo, double hi) {
  return v >= lo && v < hi;
}

const Norm kNorms[] = {
    {"normal", "PR 120-200 ms, QRS < 120 ms, QTc < 450 (men) / 460 (women) ms",
     [](const IntervalSummary& s, int sex) {
       return s.pr_s >= 0.120 && s.pr_s <= 0.200 && s.qrs_s < 0.120 &&
              s.qtc_s < (sex == 1 ? 0.460 : 0.450);
     }},
    {"first_degree_av_block", "PR > 200 ms",
     [](const IntervalSummary& s, int) { return s.pr_s > 0.200; }},
    {"lbbb", "QRS >= 120 ms", [](const IntervalSummary& s, int) { return s.qrs_s >= 0.120; }},
    {"rbbb", "QRS >= 120 ms", [](const IntervalSummary& s, int) { return s.qrs_s >= 0.120; }},
    {"incomplete_lbbb", "QRS 100-120 ms",
     [](const IntervalSummary& s, int) { return in(s.qrs_s, 0.100, 0.120); }},
    {"incomplete_rbbb", "QRS 100-120 ms",
     [](const IntervalSummary& s, int) { return in(s.qrs_s, 0.100, 0.120); }},
    {"left_axis_deviation", "axis < -30 deg",
     [](const IntervalSummary& s, int) { return s.axis_deg < -30.0; }},
    {"right_axis_deviation", "axis > 90 deg",
     [](const IntervalSummary& s, int) { return s.axis_deg > 90.0; }},
    {"sinus_bradycardia", "HR < 60 bpm",
     [](const IntervalSummary& s, int) { return s.hr_bpm < 60.0; }},
    {"sinus_tachycardia", "HR > 100 bpm",
     [](const IntervalSummary& s, int) { return s.hr_bpm > 100.0; }},
    {"atrial_fibrillation", "no P waves", [](const IntervalSummary& s, int) { return !s.has_p; }},
};

struct Collected {
  std::vector<double> pr, qrs, qt, qtc, hr, axis;
  std::vector<double> d_pr, d_qrs, d_qt, d_axis;  // measured - nominal
  int n_records = 0, n_with_p = 0, n_in_norm = 0;
};

double wrap_deg(double a) {
  while (a > 180.0) a -= 360.0;
  while (a <= -180.0) a += 360.0;
  return a;
}

void add(Collected& c, const synth::SynthRecord& r, const Norm* norm) {
  const IntervalSummary s = measure_intervals(r.signal.data(), r.n_samples, r.fs, r.rpeaks);
  const synth::BeatIntervals& nominal = r.intervals;
  if (s.has_p && nominal.pr_s > 0) c.d_pr.push_back((s.pr_s - nominal.pr_s) * 1e3);
  c.d_qrs.push_back((s.qrs_s - nominal.qrs_s) * 1e3);
  c.d_qt.push_back((s.qt_s - nominal.qt_s) * 1e3);
  c.d_axis.push_back(wrap_deg(s.axis_deg - r.qrs_axis_deg));
  ++c.n_records;
  c.n_with_p += s.has_p ? 1 : 0;
  c.pr.push_back(s.pr_s * 1e3);
  c.qrs.push_back(s.qrs_s * 1e3);
  c.qt.push_back(s.qt_s * 1e3);
  c.qtc.push_back(s.qtc_s * 1e3);
  c.hr.push_back(s.hr_bpm);
  c.axis.push_back(s.axis_deg);
  if (norm && norm->met(s, r.sex)) ++c.n_in_norm;
}

GroupResult result(const std::string& name, const Collected& c, const Norm* norm) {
  GroupResult g;
  g.name = name;
  g.n_records = c.n_records;
  g.n_with_p = c.n_with_p;
  g.pr_ms = range_of(c.pr);
  g.qrs_ms = range_of(c.qrs);
  g.qt_ms = range_of(c.qt);
  g.qtc_ms = range_of(c.qtc);
  g.hr_bpm = range_of(c.hr);
  g.axis_deg = range_of(c.axis);
  g.d_pr_ms = range_of(c.d_pr);
  g.d_qrs_ms = range_of(c.d_qrs);
  g.d_qt_ms = range_of(c.d_qt);
  g.d_axis_deg = range_of(c.d_axis);
  if (norm) {
    g.norm = norm->text;
    g.fraction_in_norm = c.n_records > 0 ? static_cast<double>(c.n_in_norm) / c.n_records : 0.0;
  }
  return g;
}

std::string cell(const Range& r, const char* fmt) {
  if (r.n == 0) return "-";
  char buf[96];
  std::snprintf(buf, sizeof buf, fmt, r.median, r.p5, r.p95);
  return buf;
}

std::string signed_cell(const Range& r) {
  if (r.n == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.0f", r.median);
  return buf;
}

}  // namespace

const Norm* norm_for(const std::string& label) {
  for (const Norm& n : kNorms) {
    if (label == n.label) return &n;
  }
  return nullptr;
}

Range range_of(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double a) { return std::isnan(a); }), v.end());
  Range r;
  r.n = static_cast<int>(v.size());
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  const auto q = [&](double p) {
    const double pos = p * static_cast<double>(v.size() - 1);
    const size_t i = static_cast<size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
  };
  r.median = q(0.5);
  r.p5 = q(0.05);
  r.p95 = q(0.95);
  return r;
}

std::vector<GroupResult> realism_groups(synth::SynthConfig cfg, int n_drawn, int n_forced) {
  if (n_drawn < 0 || n_forced < 0) {
    throw std::invalid_argument("realism_groups: n_drawn = " + std::to_string(n_drawn) +
                                ", n_forced = " + std::to_string(n_forced) + "; expected >= 0");
  }
  cfg.noise_scale = 0.0;
  std::vector<GroupResult> out;
  const auto& names = synth::label_names();
  if (n_drawn > 0) {
    Collected c;
    for (int i = 0; i < n_drawn; ++i) {
      const synth::SynthRecord r = synth::generate_record(cfg, static_cast<uint64_t>(i));
      add(c, r, nullptr);
    }
    out.push_back(result("drawn labels", c, nullptr));
  }
  for (size_t label = 0; label < names.size() && n_forced > 0; ++label) {
    synth::LabelVector y{};
    y[label] = 1;
    const std::string name = names[label];
    const Norm* norm = norm_for(name);
    Collected c;
    for (int i = 0; i < n_forced; ++i) {
      const synth::SynthRecord r = synth::generate_record(cfg, static_cast<uint64_t>(i), y);
      add(c, r, norm);
    }
    out.push_back(result(name, c, norm));
  }
  return out;
}

std::string realism_markdown(const std::vector<GroupResult>& groups) {
  std::string s =
      "| group | records | with P | PR ms | QRS ms | QT ms | QTc ms | HR bpm | axis deg | "
      "measured - nominal PR / QRS / QT ms, axis deg | norm | in norm |\n"
      "|---|---:|---:|---|---|---|---|---|---|---|---|---:|\n";
  char buf[64];
  for (const GroupResult& g : groups) {
    std::snprintf(buf, sizeof buf, "%d | %d", g.n_records, g.n_with_p);
    std::string in_norm = "-";
    if (!g.norm.empty()) {
      char b2[32];
      std::snprintf(b2, sizeof b2, "%.1f %%", 100.0 * g.fraction_in_norm);
      in_norm = b2;
    }
    s += "| " + g.name + " | " + buf + " | " + cell(g.pr_ms, "%.0f (%.0f-%.0f)") + " | " +
         cell(g.qrs_ms, "%.0f (%.0f-%.0f)") + " | " + cell(g.qt_ms, "%.0f (%.0f-%.0f)") + " | " +
         cell(g.qtc_ms, "%.0f (%.0f-%.0f)") + " | " + cell(g.hr_bpm, "%.0f (%.0f-%.0f)") + " | " +
         cell(g.axis_deg, "%.0f (%.0f..%.0f)") + " | " + signed_cell(g.d_pr_ms) + " / " +
         signed_cell(g.d_qrs_ms) + " / " + signed_cell(g.d_qt_ms) + ", " +
         signed_cell(g.d_axis_deg) + " | " + (g.norm.empty() ? "-" : g.norm) + " | " + in_norm +
         " |\n";
  }
  s += "\nMedians over records of each record's median beat value, 5-95 % range in brackets; "
       "clean records (noise_scale 0); PR over records with conducted P waves only. Measured - "
       "nominal: medians of the record's measured value minus the generator's nominal interval "
       "(SynthRecord::intervals) or built QRS axis (qrs_axis_deg). In norm: records meeting the "
       "norm (QTc limit by the record's sex).\n";
  return s;
}

}  // namespace acl::synth_check
