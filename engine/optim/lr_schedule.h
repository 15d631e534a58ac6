// Learning-rate schedules: lr_at(step) for the 0-based index of the optimizer step about to run.
//
// WarmupCosineLr (SimCLR's schedule with a configurable floor), W = warmup_steps, T = total_steps:
//   step <  W:       lr = warmup_start_lr + (base_lr - warmup_start_lr) * step / W
//   W <= step < T:   lr = final_lr + (base_lr - final_lr) * (1 + cos(pi * (step - W) / (T - W))) /
//   2 step >= T:       lr = final_lr
// so lr_at(0) = warmup_start_lr, lr_at(W) = base_lr, lr_at(T) = final_lr. W = 0 starts at base_lr.
// Requires 0 <= W <= T, T > 0, and non-negative rates; step < 0 throws.
#pragma once

#include <cstdint>

namespace acl {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  virtual double lr_at(int64_t step) const = 0;
};

class ConstantLr : public LrSchedule {
 public:
  explicit ConstantLr(double lr);
  double lr_at(int64_t step) const override;

 private:
  double lr_;
};

struct WarmupCosineOptions {
  double base_lr = 0.1;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double final_lr = 0.0;
  double warmup_start_lr = 0.0;
};

class WarmupCosineLr : public LrSchedule {
 public:
  explicit WarmupCosineLr(WarmupCosineOptions options);
  double lr_at(int64_t step) const override;
  const WarmupCosineOptions& options() const { return options_; }

 private:
  WarmupCosineOptions options_;
};

}  // namespace acl
