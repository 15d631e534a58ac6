// Shared fixtures of the augmentation tests (tests/test_augment_*.cpp): batches of synthetic
// 12-lead records with their R-peaks, configs with chosen augmentations, views of a batch and
// element access.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/device_select.h"
#include "kernels/augment_params.h"
#include "tests/test_util.h"
#include "train/augment/augment.h"
#include "train/augment/augment_spec.h"
#include "train/preprocess/rpeak_score.h"
#include "train/preprocess/rpeaks.h"
#include "train/synth/generator.h"

namespace acl::augment {

using kernels::AugmentParams;

inline constexpr int kLeads = 12;
inline constexpr double kPi = 3.14159265358979323846;

// A batch of synthetic records (12 leads, mV) with their R-peaks.
struct Batch {
  Tensor records;  // (B, 12, n)
  BatchRPeaks rpeaks;
  std::vector<int64_t> index;
  std::vector<std::vector<int>> peaks;  // per record
  int64_t n = 0;
  double fs = 0;

  int64_t size() const { return static_cast<int64_t>(index.size()); }
  Batch to(Device d) const {
    Batch c = *this;
    c.records = records.to(d);
    c.rpeaks.offsets = rpeaks.offsets.to(d);
    c.rpeaks.positions = rpeaks.positions.to(d);
    return c;
  }
};

// Records `indices` of the synthetic dataset `data_seed`; `index` is the dataset index given to
// make_view (the synthetic index unless overridden).
inline Batch make_batch(const std::vector<uint64_t>& indices, uint64_t data_seed, double fs = 100.0,
                        double duration_s = 10.0) {
  synth::SynthConfig cfg;
  cfg.seed = data_seed;
  cfg.fs = fs;
  cfg.duration_s = duration_s;
  Batch b;
  b.fs = fs;
  std::vector<float> signal;
  std::vector<int32_t> offsets = {0}, positions;
  for (uint64_t i : indices) {
    synth::SynthRecord r = synth::generate_record(cfg, i);
    b.n = r.n_samples;
    signal.insert(signal.end(), r.signal.begin(), r.signal.end());
    positions.insert(positions.end(), r.rpeaks.begin(), r.rpeaks.end());
    offsets.push_back(static_cast<int32_t>(positions.size()));
    b.peaks.push_back(r.rpeaks);
    b.index.push_back(static_cast<int64_t>(i));
  }
  const int64_t B = static_cast<int64_t>(indices.size());
  b.records = Tensor::from_vector(signal, Shape{B, kLeads, b.n});
  b.rpeaks.offsets = Tensor::from_vector(offsets, Shape{B + 1});
  b.rpeaks.positions =
      Tensor::from_vector(positions, Shape{static_cast<int64_t>(positions.size())});
  return b;
}

inline std::vector<uint64_t> range(uint64_t first, uint64_t count) {
  std::vector<uint64_t> v(count);
  for (uint64_t i = 0; i < count; ++i) v[i] = first + i;
  return v;
}

inline AugmentConfig none() {
  AugmentConfig c;
  c.scale_crop.enabled = false;
  c.cycle_mask.enabled = false;
  c.time_shift.enabled = false;
  return c;
}

// The ACL-ECG set: scale crop, cycle masking, time shift (the defaults).
inline AugmentConfig acl_set() {
  return AugmentConfig{};
}

inline AugmentConfig full_pipeline() {
  AugmentConfig c;
  c.amplitude_scale.enabled = true;
  c.gaussian_noise.enabled = true;
  c.baseline_wander.enabled = true;
  c.lead_dropout.enabled = true;
  c.vcg.enabled = true;
  return c;
}

struct ViewRun {
  int view = 0;
  int64_t epoch = 0;
  uint64_t seed = 7;
};

inline std::vector<float> view_of(const Batch& b, const AugmentConfig& c, int64_t out_length,
                                  ViewRun run = {}) {
  return make_view(b.records, b.rpeaks, b.index, run.view, run.epoch, run.seed, c, out_length)
      .to_vector<float>();
}

inline AugmentParams params_of(const Batch& b, int64_t rec, const AugmentConfig& c,
                               int64_t out_length, ViewRun run = {}) {
  const kernels::AugmentKey key = {run.seed, static_cast<uint32_t>(run.epoch),
                                   static_cast<uint32_t>(b.index[static_cast<size_t>(rec)]),
                                   static_cast<uint32_t>(run.view)};
  return kernels::augment_draw_params(to_kernel_spec(c, out_length), key, kLeads, b.n, out_length);
}

// Element (b, c, t) of a (B, 12, L) buffer.
inline float at(const std::vector<float>& v, int64_t L, int64_t b, int64_t c, int64_t t) {
  return v[static_cast<size_t>((b * kLeads + c) * L + t)];
}

// Pixel-centre linear interpolation of source row `row` over the window, at view sample u, in
// double.
inline double interp_ref(const float* row, int64_t start, int64_t len, int64_t L, int64_t u) {
  double x = static_cast<double>(start) - 0.5 + (u + 0.5) * static_cast<double>(len) / L;
  x = std::min(std::max(x, static_cast<double>(start)), static_cast<double>(start + len - 1));
  const int64_t i0 = static_cast<int64_t>(std::floor(x));
  const int64_t i1 = std::min(i0 + 1, start + len - 1);
  const double f = x - i0;
  return row[i0] + f * (static_cast<double>(row[i1]) - row[i0]);
}

inline bool all_leads_zero(const std::vector<float>& v, int64_t L, int64_t b, int64_t t) {
  for (int c = 0; c < kLeads; ++c) {
    if (at(v, L, b, c, t) != 0.0f) return false;
  }
  return true;
}

// The setup of the tests of one augmentation alone: records `indices` of dataset `data_seed`
// (b), none() with `enable` applied (c), the records' values (src) and the full-length view (out).
struct Alone {
  Batch b;
  AugmentConfig c;
  std::vector<float> src, out;
};

inline Alone alone(const std::vector<uint64_t>& indices, uint64_t data_seed,
                   const std::function<void(AugmentConfig&)>& enable) {
  Alone a;
  a.b = make_batch(indices, data_seed);
  a.c = none();
  enable(a.c);
  a.src = a.b.records.to_vector<float>();
  a.out = view_of(a.b, a.c, a.b.n);
  return a;
}

}  // namespace acl::augment
