// Projection of the cardiac dipole onto the 12 leads.
//
// The 8 independent leads are dot products of the dipole (Frank x left, y inferior, z posterior)
// with lead vectors: limb leads in the frontal plane at the hexaxial angles (I at 0 deg, II at
// 60 deg, unit length), precordial V1-V6 from the Dower transform (Dower et al. 1980, as tabulated
// by Edenbrandt & Pahlm 1988), which gives them horizontal and sagittal components. The other four
// limb leads are formed from I and II afterwards (Einthoven III = II - I; Goldberger
// aVR = -(I + II) / 2, aVL = I - II / 2, aVF = II - I / 2), so the identities hold to float
// rounding whatever noise was added to I and II.
//
// Each record places the chest electrodes anew: the patient's electrode band (rotated about the
// vertical axis and tilted, patient.h) and each electrode's own jitter (rotation N(0, 10) deg
// about the vertical axis -- about 2 cm of misplacement --, N(0, 6) deg of tilt, gain log-normal
// sd 0.12), times the patient's chest-wall gain.
// Limb leads stay at the hexaxial angles.
#pragma once

#include <array>

#include "train/synth/patient.h"
#include "train/synth/rng.h"

namespace acl::synth {

inline constexpr int kNumIndependentLeads = 8;  // I, II, V1..V6

// Rows: I, II, V1, V2, V3, V4, V5, V6; columns: x, y, z.
using LeadVectors = std::array<std::array<double, 3>, kNumIndependentLeads>;
const LeadVectors& lead_vectors();

// The lead vectors of one recording of `patient` (draws from `rng` in a fixed order).
LeadVectors record_lead_vectors(const Patient& patient, Rng& rng);

// independent: (8, n) lead-major I, II, V1..V6. out12: (12, n) in the order I, II, III, aVR, aVL,
// aVF, V1..V6.
void form_twelve_leads(const float* independent, int n, float* out12);

}  // namespace acl::synth
