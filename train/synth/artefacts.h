// Noise and artefacts of a recording, added to the 8 independent leads (I, II, V1-V6; mV) before
// the other four limb leads are formed, so Einthoven's and Goldberger's identities still hold.
// Types and rates follow clinical resting ECGs and the MIT-BIH noise stress test's types (baseline
// wander, muscle artefact, electrode motion):
//   amplifier noise  white, sd 2-10 uV per lead.
//   baseline wander  a respiratory component at the breathing rate shared by all leads with a
//                    gain of -1..1 each (amplitude log-normal, median 80 uV, at most 0.4 mV) plus
//                    two slow sinusoids of 0.05-0.3 Hz per lead of up to 80 uV.
//   muscle (EMG)     high-passed white noise (first difference), sd 5-15 uV in 50 % of records,
//                    15-50 uV in 35 %, 50-150 uV in 15 %; chest leads at half; 20 % of records have
//                    1-2 bursts of 0.5-2.5 s at three times the level.
//   powerline        35 % of records: 50 Hz (60 %) or 60 Hz, 5-40 uV, gain 0.3-1.2 per lead
//                    (sampled at the record's rate, so it aliases below 100 Hz sampling).
//   electrode motion 7 % of records: 1-2 bursts of 0.3-1.5 s on one or two leads, 3-6 smooth
//                    transients of sd 0.6 mV.
//   lead problems    1 % left/right arm electrodes swapped (I inverted, II and III exchanged);
//                    1.5 % two neighbouring chest electrodes swapped; 0.8 % one chest electrode
//                    disconnected (the lead carries noise only).
// Every amplitude is multiplied by `scale`; scale 0 adds nothing and draws nothing.
#pragma once

#include <cstdint>

#include "train/synth/rng.h"

namespace acl::synth {

enum Artefact : uint32_t {
  kArtefactEmgBurst = 1u << 0,
  kArtefactPowerline = 1u << 1,
  kArtefactMotion = 1u << 2,
  kArtefactArmSwap = 1u << 3,
  kArtefactChestSwap = 1u << 4,
  kArtefactDisconnected = 1u << 5,
};

// leads: (8, n) lead-major I, II, V1..V6. resp_hz: the breathing rate. Returns the Artefact bits
// of what was added beyond noise and wander.
uint32_t add_noise_and_artefacts(float* leads, int n, double fs, double resp_hz, double scale,
                                 Rng& rng);

}  // namespace acl::synth
