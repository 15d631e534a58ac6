// AugmentConfig::validate and the conversion to the kernels' AugmentSpec.
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "train/augment/augment.h"
#include "train/augment/augment_spec.h"

namespace acl::augment {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Throws "augmentations.<field> = <value>: expected <range>" unless ok (NaN is never ok: callers
// write the range test so that NaN makes it false).
void require(bool ok, const char* field, double value, const char* expected) {
  if (!ok) {
    throw std::invalid_argument(std::string("augmentations.") + field + " = " + num(value) +
                                ": expected " + expected);
  }
}

}  // namespace

void AugmentConfig::validate() const {
  // Each upper bound is checked on its own first, so a bad s_max is named as s_max and not as an
  // s_min that exceeds it.
  require(scale_crop.s_max > 0 && scale_crop.s_max <= 1, "scale_crop.s_max", scale_crop.s_max,
          "0 < s_min <= s_max <= 1");
  require(scale_crop.s_min > 0 && scale_crop.s_min <= scale_crop.s_max, "scale_crop.s_min",
          scale_crop.s_min, "0 < s_min <= s_max <= 1");
  require(cycle_mask.p >= 0 && cycle_mask.p < 1, "cycle_mask.p", cycle_mask.p, "0 <= p < 1");
  require(time_shift.max_fraction >= 0 && time_shift.max_fraction < 1, "time_shift.max_fraction",
          time_shift.max_fraction, "0 <= max_fraction < 1");
  require(amplitude_scale.max > 0 && std::isfinite(amplitude_scale.max), "amplitude_scale.max",
          amplitude_scale.max, "0 < min <= max, finite");
  require(amplitude_scale.min > 0 && amplitude_scale.min <= amplitude_scale.max,
          "amplitude_scale.min", amplitude_scale.min, "0 < min <= max");
  require(gaussian_noise.sigma >= 0 && std::isfinite(gaussian_noise.sigma), "gaussian_noise.sigma",
          gaussian_noise.sigma, "a finite sigma >= 0");
  require(baseline_wander.amplitude >= 0 && std::isfinite(baseline_wander.amplitude),
          "baseline_wander.amplitude", baseline_wander.amplitude, "a finite amplitude >= 0");
  require(fs > 0 && std::isfinite(fs), "fs", fs, "a finite sampling rate > 0 (Hz)");
  require(baseline_wander.f_max >= 0.05 && baseline_wander.f_max < fs / 2, "baseline_wander.f_max",
          baseline_wander.f_max, ("0.05 <= f_max < fs / 2 = " + num(fs / 2) + " Hz").c_str());
  require(lead_dropout.p >= 0 && lead_dropout.p < 1, "lead_dropout.p", lead_dropout.p,
          "0 <= p < 1");
  require(vcg.max_angle_deg >= 0 && vcg.max_angle_deg <= 180, "vcg.max_angle_deg",
          vcg.max_angle_deg, "0 <= max_angle_deg <= 180");
  require(vcg.s_max > 0 && std::isfinite(vcg.s_max), "vcg.s_max", vcg.s_max,
          "0 < s_min <= s_max, finite");
  require(vcg.s_min > 0 && vcg.s_min <= vcg.s_max, "vcg.s_min", vcg.s_min, "0 < s_min <= s_max");
  require(n_views >= 1 && n_views < kernels::kMaxAugmentViews, "n_views", n_views,
          "1 <= n_views < 65536");
}

kernels::AugmentSpec to_kernel_spec(const AugmentConfig& c, int64_t out_length) {
  kernels::AugmentSpec s;
  s.n_views = c.n_views;
  s.segments = c.segments.enabled;
  s.scale_crop = c.scale_crop.enabled;
  s.crop_s_min = c.scale_crop.s_min;
  s.crop_s_max = c.scale_crop.s_max;
  s.cycle_mask = c.cycle_mask.enabled;
  s.mask_p = static_cast<float>(c.cycle_mask.p);
  s.time_shift = c.time_shift.enabled;
  s.shift_max = static_cast<int32_t>(
      std::lround(c.time_shift.max_fraction * static_cast<double>(out_length)));
  s.amplitude = c.amplitude_scale.enabled;
  s.amplitude_min = c.amplitude_scale.min;
  s.amplitude_max = c.amplitude_scale.max;
  s.vcg = c.vcg.enabled;
  s.vcg_max_angle_deg = c.vcg.max_angle_deg;
  s.vcg_s_min = c.vcg.s_min;
  s.vcg_s_max = c.vcg.s_max;
  s.wander = c.baseline_wander.enabled;
  s.wander_amplitude = c.baseline_wander.amplitude;
  s.wander_f_max = c.baseline_wander.f_max;
  s.fs = c.fs;
  s.noise = c.gaussian_noise.enabled;
  s.noise_sigma = static_cast<float>(c.gaussian_noise.sigma);
  s.lead_dropout = c.lead_dropout.enabled;
  s.dropout_p = static_cast<float>(c.lead_dropout.p);
  return s;
}

}  // namespace acl::augment
