// Physiology-aware ECG augmentations (DESIGN.md §5), batched, on the CPU or CUDA.
//
// A view is a pure function of (seed, epoch, record index, view, the record, its R-peaks, config):
// every random draw comes from Philox with key = seed and a counter built from (epoch, record
// index, view, augmentation slot, draw index), so CPU and CUDA produce the same views and a view
// does not depend on which other records share its batch or on the number of ranks.
//
// Pipeline order for each view (each step only when enabled):
//   segment (CLOCS-style adjacent segments) and/or random scale crop (a crop of the segment when
//   both are on) -> resample to out_length (linear interpolation) -> cardiac-cycle masking
//   -> temporal shift -> amplitude scaling -> VCG rotation/scaling (3KG) -> baseline wander
//   -> Gaussian noise -> lead dropout
// kernels/augment_params.h documents the Philox keying (one slot per augmentation, so enabling one
// augmentation never changes the draws of another) and the exact definition of each step.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"
#include "kernels/augment_params.h"

namespace acl::augment {

struct ScaleCrop {  // crop a window of s * L_src samples, s ~ U[s_min, s_max], resample to
                    // out_length
  bool enabled = true;
  double s_min = 0.5, s_max = 1.0;
};
struct CycleMask {  // zero whole beats (R-R midpoint to midpoint) with probability p each; the
                    // part before the first midpoint belongs to the first beat, the part after
                    // the last midpoint to the last beat; records without R-peaks are not masked
  bool enabled = true;
  double p = 0.2;
};
struct TimeShift {  // shift all leads by the same k ~ U{-max, max} samples of the view, zero fill
  bool enabled = true;
  double max_fraction = 0.1;  // max = round(max_fraction * out_length)
};
struct Segments {  // CLOCS: the record is cut into n_views adjacent segments; view v takes segment
                   // v
  bool enabled = false;
};
struct AmplitudeScale {  // every lead multiplied by one factor ~ U[min, max]
  bool enabled = false;
  double min = 0.8, max = 1.2;
};
struct GaussianNoise {  // additive N(0, sigma^2) per sample
  bool enabled = false;
  double sigma = 0.05;
};
struct BaselineWander {  // sum of a few slow sinusoids (f ~ U[0.05, f_max] Hz), same on all leads
  bool enabled = false;  // 3 components, each amplitude ~ U(0, amplitude / 3], phase ~ U[0, 2 pi)
  double amplitude = 0.1, f_max = 0.5;
};
struct LeadDropout {  // each lead zeroed with probability p
  bool enabled = false;
  double p = 0.1;
};
struct VcgTransform {  // 3KG: leads -> VCG (inverse Dower), rotate (angles ~ U[-max, max] deg about
                       // x, y, z) and scale (~U[s_min, s_max] per axis), back to 12 leads (Dower)
  bool enabled = false;
  double max_angle_deg = 45, s_min = 0.8, s_max = 1.2;
};

struct AugmentConfig {
  ScaleCrop scale_crop;
  CycleMask cycle_mask;
  TimeShift time_shift;
  Segments segments;
  AmplitudeScale amplitude_scale;
  GaussianNoise gaussian_noise;
  BaselineWander baseline_wander;
  LeadDropout lead_dropout;
  VcgTransform vcg;
  double fs = 100;  // sampling rate of the records (Hz), for baseline wander
  int n_views = 2;  // views per record (Segments cuts the record into this many parts)

  // Throws std::invalid_argument naming the field for a value out of range: the ranges and rules
  // of augment_fields() (augment_fields.h), which also check the config when it is parsed.
  void validate() const;
};

// The R-peaks of a batch, CSR: record b's peaks (sample positions in its source record, ascending)
// are positions[offsets[b] .. offsets[b + 1]). Both i32, on the records' device.
struct BatchRPeaks {
  Tensor offsets;    // (B + 1)
  Tensor positions;  // (total peaks); may be empty
};

// What the owner of a batch already holds, so that ViewMaker::prepare reads no device memory and
// uploads nothing: host copies of the R-peaks (the same CSR as BatchRPeaks) and the record index as
// i32 (B) on the records' device, equal to record_index. A member left empty is derived from the
// tensors instead (a device read, or an upload, for CUDA records).
struct BatchHostCopies {
  const std::vector<int32_t>* rpeak_offsets = nullptr;
  const std::vector<int32_t>* rpeak_positions = nullptr;
  Tensor record_index_i32;
};

// A batch checked once for all of its views (ViewMaker::prepare).
class ViewBatch {
 private:
  friend class ViewMaker;
  Tensor records_;
  BatchRPeaks rpeaks_;
  Tensor index_;  // i32 (B) on the records' device
};

// Makes views of batches with one augmentation config. The constructor checks the config once
// (AugmentConfig::validate: std::invalid_argument naming the key) and turns it into the kernels'
// spec for views of out_length samples; a training loop builds one and calls it every step.
//
// view(...) makes view `view` of each record. records (B, C, L_src) f32 on the CPU or CUDA;
// record_index[b] is record b's index in the dataset (0 <= index < 2^31); epoch < 2^32. Returns
// (B, C, out_length) f32 on the records' device. Throws std::invalid_argument for bad shapes,
// view >= n_views, R-peaks that are not ascending in [0, L_src), or VCG on records without the 12
// leads (I, II, III, aVR, aVL, aVF, V1-V6).
//
// prepare(...) does every check of view(...) that does not depend on the view once per batch (the
// R-peaks on the host copies when given) and puts the record index on the records' device;
// view(batch, ...) then only launches the kernel. view(records, ...) is prepare + view.
class ViewMaker {
 public:
  ViewMaker(const AugmentConfig& config, int64_t out_length);
  Tensor view(const Tensor& records, const BatchRPeaks& rpeaks,
              const std::vector<int64_t>& record_index, int view, int64_t epoch,
              uint64_t seed) const;
  ViewBatch prepare(const Tensor& records, const BatchRPeaks& rpeaks,
                    const std::vector<int64_t>& record_index,
                    const BatchHostCopies& host = {}) const;
  Tensor view(const ViewBatch& batch, int view, int64_t epoch, uint64_t seed) const;
  const AugmentConfig& config() const { return config_; }

 private:
  AugmentConfig config_;
  int64_t out_length_;
  kernels::AugmentSpec spec_;
};

// One view with a config checked on this call: ViewMaker(config, out_length).view(...).
Tensor make_view(const Tensor& records, const BatchRPeaks& rpeaks,
                 const std::vector<int64_t>& record_index, int view, int64_t epoch, uint64_t seed,
                 const AugmentConfig& config, int64_t out_length);

}  // namespace acl::augment
