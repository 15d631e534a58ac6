// Beat times of a synthetic record of `duration` seconds, covering [-1.5 s, duration + 1 s] so
// that waves of beats just outside the record spill into it.
// Sinus: RR_k = RR * (1 + a sin(2 pi f_resp t_k + phi)) * (1 + j z_k), z_k ~ N(0, 1) (respiratory
// sinus arrhythmia plus jitter); the first beat falls uniformly in [-1.5, -1.5 + RR).
// AF: i.i.d. log-normal RR_k = RR * exp(s z_k - s^2 / 2). The first beat inside the record falls
// uniformly in [0, RR); the m = floor((duration - t_first) / RR) intervals inside the record are
// scaled to average exactly RR, so the record's rate label holds although ten seconds hold only a
// handful of very irregular beats; the intervals leading into and out of the record are drawn
// likewise, conditioned on keeping the beats next to the record at least 20 ms outside it.
// RR below 0.3 s is redrawn (refractory), above 2.2 s clamped.
#pragma once

#include <vector>

#include "train/synth/beat_model.h"
#include "train/synth/rng.h"

namespace acl::synth {

std::vector<double> beat_times(Rng& rng, const RhythmParams& rhythm, double duration);

}  // namespace acl::synth
