// Lead vectors and the Einthoven/Goldberger completion of the 12 leads; see lead_projection.h.
#include "train/synth/lead_projection.h"

#include <algorithm>

#include "models/leads.h"
#include "train/synth/vec3.h"

namespace acl::synth {

const LeadVectors& lead_vectors() {
  static const LeadVectors m = {{
      {1.0, 0.0, 0.0},                 // I    (0 deg)
      {0.5, 0.8660254037844386, 0.0},  // II   (60 deg)
      {-0.515, 0.157, -0.917},         // V1
      {0.044, 0.164, -1.387},          // V2
      {0.882, 0.098, -1.277},          // V3
      {1.213, 0.127, -0.601},          // V4
      {1.125, 0.127, -0.086},          // V5
      {0.831, 0.076, 0.230},           // V6
  }};
  return m;
}

LeadVectors record_lead_vectors(const Patient& patient, Rng& rng) {
  LeadVectors m = lead_vectors();
  for (int l = 2; l < kNumIndependentLeads; ++l) {
    const double turn = (patient.chest_rotation_deg + 10.0 * rng.normal()) * kDeg;
    const double tilt = (patient.chest_tilt_deg + 6.0 * rng.normal()) * kDeg;
    const double gain = patient.chest_gain * std::exp(0.12 * rng.normal());
    const Vec3 v = Rotation(0, turn, tilt)(Vec3{m[l][0], m[l][1], m[l][2]}) * gain;
    m[static_cast<size_t>(l)] = {v.x, v.y, v.z};
  }
  return m;
}

void form_twelve_leads(const float* independent, int n, float* out12) {
  const float* lead_i = independent;
  const float* lead_ii = independent + n;
  float* iii = out12 + leads::kIII * n;
  float* avr = out12 + leads::kAVR * n;
  float* avl = out12 + leads::kAVL * n;
  float* avf = out12 + leads::kAVF * n;
  for (int t = 0; t < n; ++t) {
    const float a = lead_i[t], b = lead_ii[t];
    iii[t] = b - a;
    avr[t] = -0.5f * (a + b);
    avl[t] = a - 0.5f * b;
    avf[t] = b - 0.5f * a;
  }
  std::copy(lead_i, lead_i + n, out12 + leads::kI * n);
  std::copy(lead_ii, lead_ii + n, out12 + leads::kII * n);
  std::copy(independent + 2 * n, independent + kNumIndependentLeads * n, out12 + leads::kV1 * n);
}

}  // namespace acl::synth
