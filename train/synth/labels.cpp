// Label names and which labels belong to the patient; see labels.h.
#include "train/synth/labels.h"

#include <cstddef>

namespace acl::synth {

const std::array<const char*, kNumLabels>& label_names() {
  static const std::array<const char*, kNumLabels> names = {"normal",
                                                            "inferior_mi",
                                                            "anterior_mi",
                                                            "septal_mi",
                                                            "lateral_mi",
                                                            "st_elevation",
                                                            "st_depression",
                                                            "t_inversion",
                                                            "lbbb",
                                                            "rbbb",
                                                            "incomplete_lbbb",
                                                            "incomplete_rbbb",
                                                            "lvh",
                                                            "left_axis_deviation",
                                                            "right_axis_deviation",
                                                            "first_degree_av_block",
                                                            "atrial_fibrillation",
                                                            "atrial_flutter",
                                                            "pac",
                                                            "pvc",
                                                            "sinus_bradycardia",
                                                            "sinus_tachycardia"};
  return names;
}

void set_normal(LabelVector& y) {
  bool any = false;
  for (int l = 1; l < kNumLabels; ++l) any = any || y[static_cast<size_t>(l)];
  y[kNormal] = any ? 0 : 1;
}

bool is_patient_label(int label) {
  switch (label) {
    case kInferiorMi:
    case kAnteriorMi:
    case kSeptalMi:
    case kLateralMi:
    case kLbbb:
    case kRbbb:
    case kIncompleteLbbb:
    case kIncompleteRbbb:
    case kLvh:
    case kLeftAxisDeviation:
    case kRightAxisDeviation:
    case kFirstDegreeAvBlock:
      return true;
    default:
      return false;
  }
}

}  // namespace acl::synth
