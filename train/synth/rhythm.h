// Beat times and types of a synthetic record of `duration` seconds, covering [-1.5 s,
// duration + 1 s] so that waves of beats just outside the record spill into it.
//   sinus    RR_k = RR (1 + a sin(2 pi f_resp t_k + phi)) (1 + j z_k), z_k ~ N(0, 1) (respiratory
//            sinus arrhythmia plus jitter).
//   AF       i.i.d. log-normal RR_k = RR exp(s z_k - s^2 / 2).
//   flutter  atrial waves every 60 / rate s; the ventricles follow every n-th wave (n = 2 or 4,
//            or 2-4 beat by beat for variable block) after an AV delay.
// RR below 0.3 s is redrawn (refractory), above 2.2 s clamped. Ectopic beats then replace beats
// inside the record: a PAC comes at 60-80 % of the RR and resets the sinus node (the beats after
// it move with it); a PVC comes at 50-70 % of the RR and leaves the sinus beats after it in place
// (compensatory pause); bigeminy makes every other beat a PVC.
#pragma once

#include <vector>

#include "train/synth/rng.h"

namespace acl::synth {

enum class RhythmKind { kSinus, kAf, kFlutter };
enum class BeatType { kSinus, kPac, kPvc };

struct RhythmParams {
  RhythmKind kind = RhythmKind::kSinus;
  double mean_rr = 1.0;  // s (flutter: set from the atrial rate and conduction)
  double rsa_amplitude = 0;
  double resp_hz = 0.25;
  double resp_phase = 0;
  double jitter = 0;
  double af_sigma = 0;
  double flutter_period = 0.2;  // s between flutter waves
  double flutter_phase = 0;     // s: time of flutter wave 0
  int flutter_conduction = 2;   // n:1, 0 for variable 2-4:1
  double av_delay = 0.2;        // s from a conducted flutter wave to the QRS
  int pacs = 0, pvcs = 0;       // ectopic beats to place inside the record
  bool bigeminy = false;
};

struct Beat {
  double t = 0;  // R reference, s
  BeatType type = BeatType::kSinus;
  double rr = 1.0;  // the RR the beat's intervals follow (s)
};

std::vector<Beat> beat_times(Rng& rng, const RhythmParams& rhythm, double duration);

}  // namespace acl::synth
