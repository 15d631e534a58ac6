// One Gaussian wave of the cardiac dipole: v exp(-(t - t_R - centre)^2 / (2 sigma^2)).
#pragma once

#include "train/synth/vec3.h"

namespace acl::synth {

struct Wave {
  double centre = 0;  // s relative to the beat's R reference
  double sigma = 0;   // s
  Vec3 v;             // mV
};

}  // namespace acl::synth
