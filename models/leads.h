// The 12 standard ECG leads, the one table every reader, preprocessor and model uses: their
// canonical (PTB-XL) order I, II, III, aVR, aVL, aVF, V1-V6, the 8 independent leads, the
// anatomical regions of DESIGN §5, and the spellings of lead names that are accepted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace acl::leads {

inline constexpr int kNumLeads = 12;
enum LeadIndex : int { kI, kII, kIII, kAVR, kAVL, kAVF, kV1, kV2, kV3, kV4, kV5, kV6 };

// I, II, III, aVR, aVL, aVF, V1, ..., V6: the channel order of every prepared record and every
// encoder input.
const std::vector<std::string>& lead_names();

// Index 0..11 of a lead name, or -1 when it is not one of the 12. Case-insensitive; ignores
// blanks (space, tab, CR, LF), '_' and a "lead" prefix ("Lead II", "lead_v2"); accepts MIT-BIH
// modified limb leads (MLI, MLII, MLIII) and the D1/DI, D2/DII, D3/DIII spellings of the limb
// leads. A leading
// '-' (Cabrera -aVR) is not the same lead: -1.
int lead_index(std::string_view name);

// The 8 independent leads II, III, V1-V6 (the other limb leads are linear combinations of I, II).
const std::vector<int>& independent_leads();
const std::vector<int>& all_leads();  // 0..11

struct AnatomicalRegion {
  std::string name;
  std::vector<std::string> leads;  // canonical lead names
};
// DESIGN §5 on 12 leads: inferior {II, III, aVF}, septal {V1, V2}, anterior {V3, V4}, lateral
// {I, aVL, V5, V6}.
const std::vector<AnatomicalRegion>& anatomical_regions();

}  // namespace acl::leads
