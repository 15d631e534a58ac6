// Random parameters of one augmented view and the per-sample maths of the augmentation pipeline
// (kernels/augment.h), shared verbatim by the CPU and CUDA kernels: every function here is
// ACL_HOST_DEVICE, so both backends run the same code on the same Philox draws.
//
// Philox keying. A draw of augmentation `slot` for (seed, epoch, record, view) is word w of the
// Philox block
//   philox_block(seed, stream, counter)
//   stream  = 0xA5 << 56 | slot << 48 | view << 32 | record      (view < 2^16, record < 2^32)
//   counter = epoch << 32 | block                                 (epoch < 2^32)
// augment_uniform(key, slot, i) is philox_uniform of word i % 4 of block i / 4; normal i of a slot
// is z0 (i even) or z1 (i odd) of philox_normal_block(block i / 2). Each augmentation owns its
// slot, so enabling one never changes the draws of another, and nothing depends on the batch a
// record is in. The tag 0xA5 keeps these streams apart from the engine's Rng streams (small
// numbers) under the same seed.
//
// Draws per slot (index i of augment_uniform unless said otherwise):
//   crop          raw words 0 and 1 of block 0: the crop fraction s and the crop start
//   cycle mask    i = k for beat k (the record's k-th R-peak, counted over the whole record)
//   shift         raw word 0 of block 0
//   amplitude     i = 0
//   vcg           i = 0, 1, 2: angles about x, y, z; i = 3, 4, 5: scales of x, y, z
//   wander        i = 3j, 3j + 1, 3j + 2: frequency, phase and amplitude of component j
//   noise         normal i = t * n_leads + c for view sample t of lead c
//   lead dropout  i = c for lead c
//
// Discrete decisions (window, shift, beat membership, Bernoulli draws) use integer arithmetic,
// explicit fma, or comparisons of identical uniforms, so they are identical on both devices. The
// per-sample float maths uses explicit fmaf / mul_rn / add_rn, which neither compiler may contract
// differently. What may differ by an ulp: the double-precision parameter maths (nvcc may fuse its
// products and sums, and cos/sin come from different libms) before it is rounded to float, sinf
// (baseline wander) and the double log/cos/sin of Box-Muller (noise).
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/runtime/kernel_error.h"
#include "kernels/runtime/philox.h"

namespace acl::kernels {

enum AugmentSlot : uint32_t {
  kSlotCrop = 0,
  kSlotCycleMask = 1,
  kSlotShift = 2,
  kSlotAmplitude = 3,
  kSlotVcg = 4,
  kSlotWander = 5,
  kSlotNoise = 6,
  kSlotLeadDropout = 7,
};

constexpr uint64_t kAugmentStreamTag = 0xA5;
constexpr int kVcgLeads = 12;       // I, II, III, aVR, aVL, aVF, V1..V6 (PTB-XL order)
constexpr int kVcgIndependent = 8;  // I, II, V1..V6
constexpr int kWanderComponents = 3;
constexpr int kMaxDropoutLeads = 64;                     // the lead-dropout mask is one 64-bit word
constexpr int64_t kMaxAugmentLength = int64_t{1} << 24;  // src_length, out_length
constexpr int64_t kMaxAugmentViews = int64_t{1} << 16;
constexpr int64_t kMaxAugmentEpoch = int64_t{1} << 32;  // epoch < 2^32

// The pipeline's settings, as the kernels take them (train/augment/augment_spec.h builds one from
// an AugmentConfig). Values are validated by the caller; disabled steps ignore their fields.
struct AugmentSpec {
  int n_views = 1;
  bool segments = false;  // view v reads the v-th of n_views adjacent equal segments
  bool scale_crop = false;
  double crop_s_min = 1.0, crop_s_max = 1.0;  // fraction of the segment (or record) kept
  bool cycle_mask = false;
  float mask_p = 0.0f;  // a beat is zeroed when its uniform <= mask_p
  bool time_shift = false;
  int32_t shift_max = 0;  // view samples; k ~ U{-shift_max, ..., shift_max}
  bool amplitude = false;
  double amplitude_min = 1.0, amplitude_max = 1.0;
  bool vcg = false;  // needs n_leads == 12
  double vcg_max_angle_deg = 0.0, vcg_s_min = 1.0, vcg_s_max = 1.0;
  bool wander = false;
  double wander_amplitude = 0.0, wander_f_max = 0.05;  // mV (signal units), Hz
  double fs = 100.0;                                   // Hz of the source records
  bool noise = false;
  float noise_sigma = 0.0f;
  bool lead_dropout = false;
  float dropout_p = 0.0f;  // a lead is zeroed when its uniform <= dropout_p
};

// Where a view's randomness comes from (see the keying above).
struct AugmentKey {
  uint64_t seed;
  uint32_t epoch;
  uint32_t record;  // the record's index in the dataset
  uint32_t view;
};

// The random parameters of one (record, view).
struct AugmentParams {
  int32_t win_start;  // source window [win_start, win_start + win_len), resampled to out_length
  int32_t win_len;
  int32_t shift;        // view sample t takes pre-shift sample t - shift (zero outside)
  float amplitude;      // 1 when amplitude scaling is off
  uint64_t keep_leads;  // bit c set: lead c kept (all set when lead dropout is off)
  float wander_amp[kWanderComponents];          // signal units
  float wander_omega[kWanderComponents];        // radians per view sample
  float wander_phase[kWanderComponents];        // radians
  float vcg[kVcgIndependent][kVcgIndependent];  // (I, II, V1..V6) out = vcg * in
};

// ---- Philox draws ------------------------------------------------------------------------------

ACL_HOST_DEVICE inline PhiloxCounter augment_block(const AugmentKey& k, uint32_t slot,
                                                   uint32_t block) {
  const uint64_t stream = (kAugmentStreamTag << 56) | (static_cast<uint64_t>(slot) << 48) |
                          (static_cast<uint64_t>(k.view) << 32) | k.record;
  const uint64_t counter = (static_cast<uint64_t>(k.epoch) << 32) | block;
  return philox_block(k.seed, stream, counter);
}

ACL_HOST_DEVICE inline float augment_uniform(const AugmentKey& k, uint32_t slot, uint32_t index) {
  return philox_uniform(augment_block(k, slot, index / 4u).v[index % 4u]);
}

// Integer uniform in [0, n) from one 32-bit word (multiply-shift; bias < n / 2^32).
ACL_HOST_DEVICE inline uint32_t augment_below(uint32_t word, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(word) * n) >> 32);
}

// ---- float arithmetic that both compilers round alike ------------------------------------------

// a * b and a + b rounded once each, never fused into an fma by the CUDA compiler.
ACL_HOST_DEVICE inline float mul_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
ACL_HOST_DEVICE inline float add_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// ---- the Dower transform ----------------------------------------------------------------------

// The Dower matrix: lead vectors of I, II, V1..V6 (rows) over the Frank axes x, y, z (columns),
// as tabulated by L. Edenbrandt and O. Pahlm, "Vectorcardiogram synthesized from a 12-lead ECG:
// superiority of the inverse Dower matrix", J Electrocardiol 21(4):361-367, 1988 (after G. E. Dower
// et al., Clin Cardiol 3:87-95, 1980). leads(8) = D * vcg(3).
ACL_HOST_DEVICE inline double dower(int lead, int axis) {
  const double d[kVcgIndependent][3] = {
      {0.632, -0.235, 0.059}, {0.235, 1.066, -0.132}, {-0.515, 0.157, -0.917},
      {0.044, 0.164, -1.387}, {0.882, 0.098, -1.277}, {1.213, 0.127, -0.601},
      {1.125, 0.127, -0.086}, {0.831, 0.076, 0.230},
  };
  return d[lead][axis];
}

// The inverse Dower matrix: vcg(3) = Dinv * leads(8) over (I, II, V1..V6). Edenbrandt and Pahlm
// derived it as the Moore-Penrose pseudo-inverse (D^T D)^-1 D^T of the Dower matrix above and
// tabulate it to three decimals (x: 0.156 -0.010 -0.172 -0.074 0.122 0.231 0.239 0.194; y: -0.227
// 0.887 0.057 -0.019 -0.106 -0.022 0.041 0.048; z: 0.022 0.102 -0.229 -0.310 -0.246 -0.063 0.055
// 0.108). These are the pseudo-inverse to 15 decimals, so Dinv * D = I3 (to ~1e-15) and D * Dinv is
// the orthogonal projection of the 8 leads onto the span of the Dower lead vectors. As in the 3KG
// implementation of fairseq-signals (_3KGECGDataset: vcg = Dinv leads, back with pinv(Dinv)).
ACL_HOST_DEVICE inline double inverse_dower(int axis, int lead) {
  const double m[3][kVcgIndependent] = {
      {0.156084316109211, -0.009915181208538, -0.172448666746419, -0.073769767321323,
       0.122215012218205, 0.231025942556300, 0.239310532244155, 0.193582585221173},
      {-0.227391220320874, 0.886525216049343, 0.057223514369624, -0.018954189772339,
       -0.106367080089442, -0.021985823539317, 0.040946677058534, 0.048256891242796},
      {0.021654284957621, 0.102071662789812, -0.228910854782387, -0.310011612024780,
       -0.245875359608951, -0.063350830968285, 0.054781607901793, 0.108491441777914},
  };
  return m[axis][lead];
}

// Position of independent lead j (I, II, V1..V6) among the 12 leads.
ACL_HOST_DEVICE inline int vcg_lead_index(int j) {
  return j < 2 ? j : j + 4;
}

// ---- parameters of one (record, view) ----------------------------------------------------------

// The source window before the scale crop: the whole record, or segment `view` of n_views.
ACL_HOST_DEVICE inline void augment_base_window(const AugmentSpec& s, uint32_t view,
                                                int64_t src_length, int64_t* start, int64_t* len) {
  if (s.segments) {
    const int64_t a = static_cast<int64_t>(view) * src_length / s.n_views;
    const int64_t b = (static_cast<int64_t>(view) + 1) * src_length / s.n_views;
    *start = a;
    *len = b - a;
  } else {
    *start = 0;
    *len = src_length;
  }
}

ACL_HOST_DEVICE inline AugmentParams augment_draw_params(const AugmentSpec& s, const AugmentKey& k,
                                                         int64_t n_leads, int64_t src_length,
                                                         int64_t out_length) {
  AugmentParams p;
  int64_t start = 0, len = 0;
  augment_base_window(s, k.view, src_length, &start, &len);
  if (s.scale_crop) {
    // s ~ U[s_min, s_max]; n = round(s * len) in [1, len]; start ~ U{0, ..., len - n}.
    const PhiloxCounter b = augment_block(k, kSlotCrop, 0);
    const double frac =
        fma(s.crop_s_max - s.crop_s_min, static_cast<double>(philox_uniform(b.v[0])), s.crop_s_min);
    int64_t n = static_cast<int64_t>(floor(fma(frac, static_cast<double>(len), 0.5)));
    n = n < 1 ? 1 : (n > len ? len : n);
    start += augment_below(b.v[1], static_cast<uint32_t>(len - n + 1));
    len = n;
  }
  p.win_start = static_cast<int32_t>(start);
  p.win_len = static_cast<int32_t>(len);
  const double ratio = static_cast<double>(len) / static_cast<double>(out_length);

  p.shift = 0;
  if (s.time_shift && s.shift_max > 0) {
    const uint32_t w = augment_block(k, kSlotShift, 0).v[0];
    p.shift = static_cast<int32_t>(augment_below(w, 2u * static_cast<uint32_t>(s.shift_max) + 1u)) -
              s.shift_max;
  }

  p.amplitude = 1.0f;
  if (s.amplitude) {
    const double u = augment_uniform(k, kSlotAmplitude, 0);
    p.amplitude = static_cast<float>(fma(s.amplitude_max - s.amplitude_min, u, s.amplitude_min));
  }

  p.keep_leads = ~uint64_t{0};
  if (s.lead_dropout) {
    for (int64_t c = 0; c < n_leads && c < kMaxDropoutLeads; ++c) {
      if (augment_uniform(k, kSlotLeadDropout, static_cast<uint32_t>(c)) <= s.dropout_p) {
        p.keep_leads &= ~(uint64_t{1} << c);
      }
    }
  }

  const double kTwoPi = 6.283185307179586476925286766559;
  for (int j = 0; j < kWanderComponents; ++j) {
    p.wander_amp[j] = p.wander_omega[j] = p.wander_phase[j] = 0.0f;
    if (!s.wander) continue;
    const double uf = augment_uniform(k, kSlotWander, 3u * j);
    const double up = augment_uniform(k, kSlotWander, 3u * j + 1u);
    const double ua = augment_uniform(k, kSlotWander, 3u * j + 2u);
    const double f = fma(s.wander_f_max - 0.05, uf, 0.05);  // Hz of the source's time axis
    p.wander_omega[j] = static_cast<float>(kTwoPi * f * ratio / s.fs);
    p.wander_phase[j] = static_cast<float>(kTwoPi * up);
    p.wander_amp[j] = static_cast<float>(s.wander_amplitude * ua / kWanderComponents);
  }

  // M = D * S * R * Dinv with R = Rz(gamma) Ry(beta) Rx(alpha) and S = diag(sx, sy, sz): rotate,
  // then scale (the order of 3KG), in double, rounded to float once.
  double a[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  if (s.vcg) {
    const double kDegToRad = 0.017453292519943295769236907684886;
    double ang[3], sc[3];
    for (int i = 0; i < 3; ++i) {
      const double ua = augment_uniform(k, kSlotVcg, static_cast<uint32_t>(i));
      const double us = augment_uniform(k, kSlotVcg, static_cast<uint32_t>(3 + i));
      ang[i] = fma(2.0 * s.vcg_max_angle_deg, ua, -s.vcg_max_angle_deg) * kDegToRad;
      sc[i] = fma(s.vcg_s_max - s.vcg_s_min, us, s.vcg_s_min);
    }
    const double cx = cos(ang[0]), sx = sin(ang[0]);
    const double cy = cos(ang[1]), sy = sin(ang[1]);
    const double cz = cos(ang[2]), sz = sin(ang[2]);
    const double rx[3][3] = {{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}};
    const double ry[3][3] = {{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}};
    const double rz[3][3] = {{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}};
    double ryx[3][3];
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        ryx[i][j] = ry[i][0] * rx[0][j] + ry[i][1] * rx[1][j] + ry[i][2] * rx[2][j];
      }
    }
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        a[i][j] = sc[i] * (rz[i][0] * ryx[0][j] + rz[i][1] * ryx[1][j] + rz[i][2] * ryx[2][j]);
      }
    }
  }
  for (int i = 0; i < kVcgIndependent; ++i) {
    double da[3];
    for (int j = 0; j < 3; ++j) {
      da[j] = dower(i, 0) * a[0][j] + dower(i, 1) * a[1][j] + dower(i, 2) * a[2][j];
    }
    for (int j = 0; j < kVcgIndependent; ++j) {
      p.vcg[i][j] = static_cast<float>(da[0] * inverse_dower(0, j) + da[1] * inverse_dower(1, j) +
                                       da[2] * inverse_dower(2, j));
    }
  }
  return p;
}

// ---- per-sample maths ---------------------------------------------------------------------------

// Whether pre-shift view sample u falls in a masked beat. Beat k of a record with R-peaks
// P[0..K) spans the source times [M_k, M_{k+1}) with M_k = (P[k-1] + P[k]) / 2, M_0 = -inf and
// M_K = +inf: the part before the first R-R midpoint belongs to the first beat and the part after
// the last midpoint to the last beat. View sample u sits at source time
//   x(u) = win_start - 0.5 + (u + 0.5) * win_len / out_length,
// compared with the midpoints exactly in integers (2 * out_length * x(u) vs 2 * out_length * M).
// No R-peaks: nothing is masked.
ACL_HOST_DEVICE inline bool augment_beat_masked(const AugmentSpec& s, const AugmentParams& p,
                                                const AugmentKey& k, const int32_t* peaks,
                                                int64_t n_peaks, int64_t out_length, int64_t u) {
  if (n_peaks == 0) return false;
  const int64_t x2 = (2 * static_cast<int64_t>(p.win_start) - 1) * out_length +
                     (2 * u + 1) * static_cast<int64_t>(p.win_len);
  int64_t lo = 1, hi = n_peaks;  // first j in [1, K) whose midpoint lies after x(u), or K
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const int64_t m2 = static_cast<int64_t>(peaks[mid - 1]) + static_cast<int64_t>(peaks[mid]);
    if (m2 * out_length <= x2) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return augment_uniform(k, kSlotCycleMask, static_cast<uint32_t>(lo - 1)) <= s.mask_p;
}

// Linear interpolation of the source row at view sample u (pixel-centre alignment: the window's
// win_len samples and the view's out_length samples cover the same time span), at the source
// position x(u) = win_start - 0.5 + (u + 0.5) * win_len / out_length clamped to the window. The
// integer part and the remainder of x(u) - win_start come from integer arithmetic, the fraction
// from one division in double: exact positions, the same on both devices.
struct SourceTap {
  int64_t i0, i1;
  float frac;
};
ACL_HOST_DEVICE inline SourceTap augment_source_tap(const AugmentParams& p, int64_t u,
                                                    int64_t out_length) {
  const int64_t den = 2 * out_length;
  const int64_t num =
      (2 * u + 1) * static_cast<int64_t>(p.win_len) - out_length;  // den * (x - start)
  const int64_t last = static_cast<int64_t>(p.win_start) + p.win_len - 1;
  SourceTap tap;
  if (num <= 0) {
    tap.i0 = p.win_start;
    tap.frac = 0.0f;
  } else {
    tap.i0 = p.win_start + num / den;
    tap.frac = static_cast<float>(static_cast<double>(num % den) / static_cast<double>(den));
  }
  if (tap.i0 >= last) {
    tap.i0 = last;
    tap.frac = 0.0f;
  }
  tap.i1 = tap.i0 < last ? tap.i0 + 1 : last;
  return tap;
}
ACL_HOST_DEVICE inline float augment_interpolate(const float* row, const SourceTap& tap) {
  const float a = row[tap.i0];
  return fmaf(tap.frac, add_rn(row[tap.i1], -a), a);
}

// Baseline wander at view sample t: sum_j amp_j sin(omega_j t + phase_j).
ACL_HOST_DEVICE inline float augment_wander(const AugmentParams& p, int64_t t) {
  float w = 0.0f;
  for (int j = 0; j < kWanderComponents; ++j) {
    w = fmaf(p.wander_amp[j],
             sinf(fmaf(p.wander_omega[j], static_cast<float>(t), p.wander_phase[j])), w);
  }
  return w;
}

// The VCG transform of one time sample: the 8 independent leads through p.vcg, then III, aVR, aVL,
// aVF formed from the new I and II (Einthoven, Goldberger). in and out hold the 12 leads.
ACL_HOST_DEVICE inline void augment_vcg_apply(const AugmentParams& p, const float* in, float* out) {
  float o8[kVcgIndependent];
  for (int i = 0; i < kVcgIndependent; ++i) {
    float acc = mul_rn(p.vcg[i][0], in[vcg_lead_index(0)]);
    for (int j = 1; j < kVcgIndependent; ++j) acc = fmaf(p.vcg[i][j], in[vcg_lead_index(j)], acc);
    o8[i] = acc;
  }
  const float lead_i = o8[0], lead_ii = o8[1];
  out[0] = lead_i;
  out[1] = lead_ii;
  out[2] = add_rn(lead_ii, -lead_i);                // III = II - I
  out[3] = mul_rn(-0.5f, add_rn(lead_i, lead_ii));  // aVR = -(I + II) / 2
  out[4] = fmaf(-0.5f, lead_ii, lead_i);            // aVL = I - II / 2
  out[5] = fmaf(-0.5f, lead_i, lead_ii);            // aVF = II - I / 2
  for (int i = 2; i < kVcgIndependent; ++i) out[i + 4] = o8[i];
}

// Every lead of view sample t of one record, the whole pipeline after the parameter draw:
//   u = t - shift; zero when u is outside the view or in a masked beat, else the interpolated
//   source times the amplitude factor; VCG transform; + wander(t); + sigma * N(0, 1); lead dropout.
// rec: (n_leads, src_length) of this record; peaks: its n_peaks R-peaks; out: (n_leads, out_length)
// of this record's view, sample t of every lead written.
ACL_HOST_DEVICE inline void augment_time_sample(const AugmentSpec& s, const AugmentParams& p,
                                                const AugmentKey& k, const float* rec,
                                                int64_t n_leads, int64_t src_length,
                                                const int32_t* peaks, int64_t n_peaks,
                                                int64_t out_length, int64_t t, float* out) {
  const int64_t u = t - p.shift;
  bool zero = u < 0 || u >= out_length;
  if (!zero && s.cycle_mask) zero = augment_beat_masked(s, p, k, peaks, n_peaks, out_length, u);
  SourceTap tap = {0, 0, 0.0f};
  if (!zero) tap = augment_source_tap(p, u, out_length);
  const float wander = s.wander ? augment_wander(p, t) : 0.0f;

  float vcg_out[kVcgLeads] = {};
  if (s.vcg) {
    float in[kVcgLeads];
    for (int c = 0; c < kVcgLeads; ++c) {
      in[c] = zero ? 0.0f : mul_rn(augment_interpolate(rec + c * src_length, tap), p.amplitude);
    }
    augment_vcg_apply(p, in, vcg_out);
  }

  uint32_t cached_block = 0xffffffffu;
  PhiloxNormal2 z = {0.0, 0.0};
  for (int64_t c = 0; c < n_leads; ++c) {
    float v;
    if (s.vcg) {
      v = vcg_out[c];
    } else {
      v = zero ? 0.0f : mul_rn(augment_interpolate(rec + c * src_length, tap), p.amplitude);
    }
    v = add_rn(v, wander);
    if (s.noise) {
      const uint64_t index =
          static_cast<uint64_t>(t) * static_cast<uint64_t>(n_leads) + static_cast<uint64_t>(c);
      const uint32_t block = static_cast<uint32_t>(index / 2u);
      if (block != cached_block) {
        z = philox_normal_block(augment_block(k, kSlotNoise, block));
        cached_block = block;
      }
      const float n01 = static_cast<float>(index % 2u == 0 ? z.z0 : z.z1);
      v = fmaf(s.noise_sigma, n01, v);
    }
    if (c < kMaxDropoutLeads && !((p.keep_leads >> c) & 1u)) v = 0.0f;
    out[c * out_length + t] = v;
  }
}

// ---- argument checks shared by both kernel entry points (host only) ---------------------------

inline void augment_check_args(const char* op, int64_t batch, int64_t n_leads, int64_t src_length,
                               int64_t out_length, int view, int64_t epoch, const AugmentSpec& s) {
  if (batch < 0 || n_leads < 1) {
    fail(op, "batch = " + std::to_string(batch) + ", n_leads = " + std::to_string(n_leads) +
                 ": expected batch >= 0 and n_leads >= 1");
  }
  if (src_length < 1 || src_length > kMaxAugmentLength || out_length < 1 ||
      out_length > kMaxAugmentLength) {
    fail(op, "src_length = " + std::to_string(src_length) +
                 ", out_length = " + std::to_string(out_length) + ": expected both in [1, 2^24]");
  }
  if (s.n_views < 1 || s.n_views >= kMaxAugmentViews || view < 0 || view >= s.n_views) {
    fail(op, "view = " + std::to_string(view) + " with n_views = " + std::to_string(s.n_views) +
                 ": expected 0 <= view < n_views < 65536");
  }
  if (epoch < 0 || epoch >= kMaxAugmentEpoch) {
    fail(op, "epoch = " + std::to_string(epoch) + ": expected 0 <= epoch < 2^32");
  }
  if (s.segments && src_length < s.n_views) {
    fail(op, "segments: src_length = " + std::to_string(src_length) +
                 " is shorter than n_views = " + std::to_string(s.n_views));
  }
  if (s.vcg && n_leads != kVcgLeads) {
    fail(op, "vcg needs the 12 leads I, II, III, aVR, aVL, aVF, V1-V6; records have " +
                 std::to_string(n_leads) + " leads");
  }
  if (s.lead_dropout && n_leads > kMaxDropoutLeads) {
    fail(op, "lead dropout supports at most 64 leads; records have " + std::to_string(n_leads));
  }
  if (s.noise &&
      static_cast<uint64_t>(n_leads) * static_cast<uint64_t>(out_length) >= (uint64_t{1} << 33)) {
    fail(op, "noise: n_leads * out_length exceeds 2^33 draws per view");
  }
}

}  // namespace acl::kernels
