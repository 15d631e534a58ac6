#include "engine/optim/lr_schedule.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace acl {
namespace {

void check_step(int64_t step) {
  if (step < 0) throw std::invalid_argument("lr_at: step " + std::to_string(step) + " < 0");
}

}  // namespace

ConstantLr::ConstantLr(double lr) : lr_(lr) {
  if (!(lr >= 0))
    throw std::invalid_argument("ConstantLr: lr must be >= 0, got " + std::to_string(lr));
}

double ConstantLr::lr_at(int64_t step) const {
  check_step(step);
  return lr_;
}

WarmupCosineLr::WarmupCosineLr(WarmupCosineOptions o) : options_(o) {
  if (o.total_steps <= 0 || o.warmup_steps < 0 || o.warmup_steps > o.total_steps) {
    throw std::invalid_argument("WarmupCosineLr: need 0 <= warmup_steps (" +
                                std::to_string(o.warmup_steps) + ") <= total_steps (" +
                                std::to_string(o.total_steps) + ") and total_steps > 0");
  }
  if (!(o.base_lr >= 0) || !(o.final_lr >= 0) || !(o.warmup_start_lr >= 0)) {
    throw std::invalid_argument("WarmupCosineLr: learning rates must be >= 0");
  }
}

double WarmupCosineLr::lr_at(int64_t step) const {
  check_step(step);
  const WarmupCosineOptions& o = options_;
  if (step < o.warmup_steps) {
    return o.warmup_start_lr + (o.base_lr - o.warmup_start_lr) * static_cast<double>(step) /
                                   static_cast<double>(o.warmup_steps);
  }
  if (step >= o.total_steps) return o.final_lr;
  const double progress = static_cast<double>(step - o.warmup_steps) /
                          static_cast<double>(o.total_steps - o.warmup_steps);
  return o.final_lr + (o.base_lr - o.final_lr) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace acl
