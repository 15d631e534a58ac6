// Learning-rate schedules at chosen steps: start, inside and at the end of the warm-up, the middle
// and quarter points of the cosine, the end and past it.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "engine/optim/lr_schedule.h"

namespace acl {
namespace {

TEST(LrSchedule, ConstantIsConstant) {
  ConstantLr s(0.3);
  for (int64_t step : {0, 1, 1000, 1000000}) EXPECT_EQ(s.lr_at(step), 0.3);
  EXPECT_THROW(s.lr_at(-1), std::invalid_argument);
  EXPECT_THROW(ConstantLr(-1.0), std::invalid_argument);
}

TEST(LrSchedule, WarmupCosineAtChosenSteps) {
  // base 0.8, 10 warm-up steps, 110 total, floor 0.05.
  WarmupCosineLr s({0.8, 10, 110, 0.05, 0.0});
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.08);
  EXPECT_DOUBLE_EQ(s.lr_at(5), 0.4);
  EXPECT_DOUBLE_EQ(s.lr_at(9), 0.72);
  EXPECT_DOUBLE_EQ(s.lr_at(10), 0.8);  // end of warm-up: the peak
  // Quarter of the cosine: 0.05 + 0.75 * (1 + cos(pi / 4)) / 2.
  EXPECT_NEAR(s.lr_at(35), 0.05 + 0.75 * (1 + std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_NEAR(s.lr_at(60), 0.05 + 0.75 / 2, 1e-15);  // the middle: halfway between peak and floor
  EXPECT_NEAR(s.lr_at(109), 0.05 + 0.75 * (1 + std::cos(M_PI * 99 / 100)) / 2, 1e-15);
  EXPECT_DOUBLE_EQ(s.lr_at(110), 0.05);  // the end
  EXPECT_DOUBLE_EQ(s.lr_at(100000), 0.05);
  EXPECT_THROW(s.lr_at(-1), std::invalid_argument);
}

TEST(LrSchedule, WarmupCosineIsMonotoneAfterWarmup) {
  WarmupCosineLr s({1.0, 7, 50, 0.0, 0.1});
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.1);  // warmup_start_lr
  for (int64_t t = 1; t < 7; ++t) EXPECT_GT(s.lr_at(t), s.lr_at(t - 1)) << t;
  for (int64_t t = 8; t <= 50; ++t) EXPECT_LT(s.lr_at(t), s.lr_at(t - 1)) << t;
  EXPECT_EQ(s.lr_at(50), 0.0);
}

TEST(LrSchedule, NoWarmupStartsAtBase) {
  WarmupCosineLr s({0.5, 0, 4, 0.0, 0.0});
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.5);
  EXPECT_NEAR(s.lr_at(2), 0.25, 1e-16);
  EXPECT_DOUBLE_EQ(s.lr_at(4), 0.0);
}

TEST(LrSchedule, RejectsBadOptions) {
  EXPECT_THROW(WarmupCosineLr({0.1, 5, 4, 0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(WarmupCosineLr({0.1, 0, 0, 0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(WarmupCosineLr({0.1, -1, 4, 0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(WarmupCosineLr({-0.1, 0, 4, 0.0, 0.0}), std::invalid_argument);
}

}  // namespace
}  // namespace acl
