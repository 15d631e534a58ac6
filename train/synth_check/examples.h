// One example record per label of the synthetic generator, for pictures: scanning record indices
// 0, 1, ... of a dataset, the record whose true labels (before annotation noise) are exactly that
// label, otherwise the one with the fewest true labels that contain it; among those, one without
// artefacts (SynthRecord::artefacts == 0) first, then the earliest index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/synth/generator.h"

namespace acl::synth_check {

struct Example {
  std::string label;
  bool found = false;
  uint64_t index = 0;               // record index in the dataset of the config
  uint64_t patient = 0;             // patient id of that record
  int visit = 0;                    // its record number within the patient
  uint32_t artefacts = 0;           // its artefact bits (train/synth/artefacts.h)
  std::vector<std::string> labels;  // all true labels of that record
  std::string file;                 // CSV file name written for it (relative to the directory)
};

// One entry per label_names() entry, in that order; scans at most max_scan indices, stopping
// early once every label has an artefact-free record where it is the only label.
std::vector<Example> find_examples(const synth::SynthConfig& cfg, uint64_t max_scan);

// Writes dir/<label>.csv (header t_s,I,II,III,aVR,aVL,aVF,V1,...,V6; mV) for each found example
// and dir/examples.json (config, label -> {index, patient, visit, labels, artefacts, file},
// labels not found). Creates dir. Throws std::runtime_error naming the file that cannot be written.
void write_examples(const synth::SynthConfig& cfg, uint64_t max_scan,
                    const std::vector<Example>& examples, const std::string& dir);

}  // namespace acl::synth_check
