// The augmentation config's field table, AugmentConfig::validate and the conversion to the
// kernels' AugmentSpec.
#include <cmath>
#include <string>

#include "engine/util/strings.h"
#include "train/augment/augment.h"
#include "train/augment/augment_fields.h"
#include "train/augment/augment_spec.h"

namespace acl::augment {

namespace {

using config::Range;
using C = AugmentConfig;

// "<lo key> <= <hi key>": throws naming the lower key when lo > hi.
config::FieldTable<C>::Rule ordered(const char* lo_key, const char* hi_key, std::string allowed,
                                    double (*lo)(const C&), double (*hi)(const C&)) {
  return [=](const C& c, const std::string& where) {
    if (lo(c) > hi(c)) {
      config::out_of_range(config::join_path(where, lo_key), lo(c),
                           allowed + " (" + hi_key + " = " + strings::format_number(hi(c)) + ")");
    }
  };
}

config::FieldTable<C> make_table() {
  using config::boolean;
  using config::number;
  const std::string crop = "0 < s_min <= s_max <= 1", amp = "0 < min <= max",
                    vcg = "0 < s_min <= s_max";
  config::FieldTable<C> t;
  t.add(boolean<C>("scale_crop.enabled", ACL_FIELD(scale_crop.enabled)))
      .add(number<C>("scale_crop.s_min", ACL_FIELD(scale_crop.s_min), {0, true, 1, false, crop}))
      .add(number<C>("scale_crop.s_max", ACL_FIELD(scale_crop.s_max), {0, true, 1, false, crop}))
      .add(boolean<C>("cycle_mask.enabled", ACL_FIELD(cycle_mask.enabled)))
      .add(number<C>("cycle_mask.p", ACL_FIELD(cycle_mask.p), {0, false, 1, true, "0 <= p < 1"}))
      .add(boolean<C>("time_shift.enabled", ACL_FIELD(time_shift.enabled)))
      .add(number<C>("time_shift.max_fraction", ACL_FIELD(time_shift.max_fraction),
                     {0, false, 1, true, "0 <= max_fraction < 1"}))
      .add(boolean<C>("segments.enabled", ACL_FIELD(segments.enabled)))
      .add(boolean<C>("amplitude_scale.enabled", ACL_FIELD(amplitude_scale.enabled)))
      .add(number<C>("amplitude_scale.min", ACL_FIELD(amplitude_scale.min), Range::above(0, amp)))
      .add(number<C>("amplitude_scale.max", ACL_FIELD(amplitude_scale.max), Range::above(0, amp)))
      .add(boolean<C>("gaussian_noise.enabled", ACL_FIELD(gaussian_noise.enabled)))
      .add(number<C>("gaussian_noise.sigma", ACL_FIELD(gaussian_noise.sigma),
                     Range::at_least(0, "a finite sigma >= 0")))
      .add(boolean<C>("baseline_wander.enabled", ACL_FIELD(baseline_wander.enabled)))
      .add(number<C>("baseline_wander.amplitude", ACL_FIELD(baseline_wander.amplitude),
                     Range::at_least(0, "a finite amplitude >= 0")))
      .add(number<C>("baseline_wander.f_max", ACL_FIELD(baseline_wander.f_max),
                     Range::at_least(0.05, "0.05 <= f_max < fs / 2")))
      .add(boolean<C>("lead_dropout.enabled", ACL_FIELD(lead_dropout.enabled)))
      .add(
          number<C>("lead_dropout.p", ACL_FIELD(lead_dropout.p), {0, false, 1, true, "0 <= p < 1"}))
      .add(boolean<C>("vcg.enabled", ACL_FIELD(vcg.enabled)))
      .add(number<C>("vcg.max_angle_deg", ACL_FIELD(vcg.max_angle_deg),
                     {0, false, 180, false, "0 <= max_angle_deg <= 180"}))
      .add(number<C>("vcg.s_min", ACL_FIELD(vcg.s_min), Range::above(0, vcg)))
      .add(number<C>("vcg.s_max", ACL_FIELD(vcg.s_max), Range::above(0, vcg)));
  t.rule(ordered(
             "scale_crop.s_min", "s_max", crop, [](const C& c) { return c.scale_crop.s_min; },
             [](const C& c) { return c.scale_crop.s_max; }))
      .rule(ordered(
          "amplitude_scale.min", "max", amp, [](const C& c) { return c.amplitude_scale.min; },
          [](const C& c) { return c.amplitude_scale.max; }))
      .rule(ordered(
          "vcg.s_min", "s_max", vcg, [](const C& c) { return c.vcg.s_min; },
          [](const C& c) { return c.vcg.s_max; }))
      .rule([](const C& c, const std::string& where) {
        // fs is the records' rate: 100 Hz (the default) when a config is parsed, the cache's rate
        // when the objective is built.
        config::check_range(config::join_path(where, "fs"), c.fs,
                            Range::above(0, "a finite sampling rate > 0 (Hz)"));
        if (!(c.baseline_wander.f_max < c.fs / 2)) {
          config::out_of_range(
              config::join_path(where, "baseline_wander.f_max"), c.baseline_wander.f_max,
              "0.05 <= f_max < fs / 2 = " + strings::format_number(c.fs / 2) + " Hz");
        }
        if (c.n_views < 1 || c.n_views >= kernels::kMaxAugmentViews) {
          config::out_of_range(config::join_path(where, "n_views"), c.n_views,
                               "1 <= n_views < " + std::to_string(kernels::kMaxAugmentViews));
        }
      });
  return t;
}

}  // namespace

const config::FieldTable<AugmentConfig>& augment_fields() {
  static const config::FieldTable<AugmentConfig> t = make_table();
  return t;
}

void AugmentConfig::validate() const {
  augment_fields().check(*this, "augmentations");
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
