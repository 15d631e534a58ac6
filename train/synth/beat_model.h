// The beats of one record: the shapes of its sinus, premature atrial and premature ventricular
// beats as waves of the cardiac dipole (ECGSYN-style; Sameni et al. 2007's dipole variant), built
// from the patient (patient.h) and the record's conditions.
//
// The heart is one dipole d(t) in Frank axes (x left, y inferior, z posterior; mV per unit lead
// vector). A beat with its R reference at t_R adds Gaussian waves v exp(-(t - t_R - c)^2 / (2
// s^2)): a P wave, the QRS (q, two R components so the loop has area, s; conduction blocks change
// them), and the T wave (two Gaussians, slow upstroke and faster downstroke), plus an ST-segment
// plateau. Intervals follow the patient: the QRS waves are scaled in time so that the QRS (the span
// where the magnitude of their summed vector is at least 2 % of its peak) lasts the patient's QRS
// duration; the P wave ends one PR interval before the QRS onset, PR(RR) = PR60 (0.8 + 0.2 RR),
// at least 120 ms (a prolonged PR stays over 200 ms); the T wave ends at QRS onset + QT,
// QT(RR) = QTc sqrt(RR) (Bazett) plus the QRS's widening beyond 100 ms.
//
// Conditions (vectors fixed in anatomy, so a regional condition shows in its region's leads):
//   MI             Q wave away from the region (depth by severity), R loss toward it; T inversion
//                  and, when acute, ST elevation in the region.
//   ST up / down   ST plateau along / against the region's direction.
//   T inversion    T component toward the region set negative (graded depth).
//   LBBB           no septal q, broad slurred R with a late posterior component, discordant ST-T;
//                  incomplete: narrower, smaller.
//   RBBB           terminal rightward-anterior R' (rSR' in V1, wide S in I, V6), T inverted in
//                  V1-V2; incomplete: small r'.
//   LVH            posterior-left QRS voltage gain (tall R in V5-V6, deep S in V1-V2), lateral
//                  strain in some.
//   PAC            P wave from an ectopic focus (other axis), otherwise a sinus beat.
//   PVC            no P; wide (140-180 ms) QRS from the patient's ectopic focus, discordant T.
#pragma once

#include <vector>

#include "train/synth/labels.h"
#include "train/synth/patient.h"
#include "train/synth/rng.h"
#include "train/synth/vec3.h"
#include "train/synth/wave.h"

namespace acl::synth {

struct BeatShape {
  std::vector<Wave> qrs;
  double qrs_on = 0, qrs_off = 0;  // s relative to the R reference (qrs_on < 0)
  bool has_p = true;
  Vec3 p;
  double p_sigma = 0.024;
  double pr60 = 0.16;       // s at 60 bpm
  Vec3 t;                   // T-wave vector
  Vec3 u;                   // U-wave vector (zero for none)
  Vec3 p_terminal;          // terminal P component (biphasic P; zero for none)
  double t_down_ratio = 1;  // gain of the T downstroke relative to the upstroke
  double qt_extra = 0;      // s added to QT (wide QRS)
  Vec3 st;                  // ST plateau vector (zero for none)
};

// Record-level state that shapes the beats.
struct RecordMorphology {
  double axis_drift_deg = 0;  // visit-to-visit change of the QRS axis
  double amplitude = 1;       // visit-to-visit amplitude change
  int st_up_region = -1;      // regional ST elevation (-1: none)
  double st_up_mv = 0;
  int st_down_region = -1;
  double st_down_mv = 0;
  int t_inversion_region = -1;
  double t_inversion_mv = 0;
  double qtc_s = 0.41;
};

struct BeatShapes {
  BeatShape sinus, pac, pvc;
  double qtc_s = 0.41;
};

// Draws from `rng` in a fixed order whatever the conditions (jitter of the condition vectors, the
// ectopic P axis, the PVC shape).
BeatShapes build_beat_shapes(const Patient& patient, const RecordMorphology& record, Rng& rng);

}  // namespace acl::synth
