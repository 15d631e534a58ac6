// Model configuration: the encoder (lead-wise or whole-ECG ResNet) and the heads, with their JSON
// form. Every key is optional and typed; unknown keys and mistyped values are errors naming the key
// path (engine/config/field_table.h: encoder_fields() and heads_fields() are the tables). to_json()
// writes every key, resolved, so the result can be stored with a checkpoint and read back into an
// equal config.
//
// Encoder JSON ("encoder" object of a run config):
//   {
//     "type": "leadwise",            // or "resnet1d" (alias "resnet1d18")
//     "leads": "independent",        // "independent" (II, III, V1-V6), "all" (12), or a list of
//                                    // names; default "independent" for leadwise, "all" for
//                                    // resnet1d
//     "bn_momentum": 0.1, "bn_eps": 1e-5,
//     "leadwise": {"channels": [8, 16, 32, 64, 64], "kernel_size": 3, "pool_size": 2,
//                  "shared_weights": false},
//     "resnet": {"blocks": [2, 2, 2, 2], "widths": [64, 128, 256, 512], "kernel_size": 7,
//                "stem_width": 64, "stem_kernel_size": 15, "stem_stride": 2, "stem_pool": true}
//   }
// Heads JSON ("heads" object):
//   {
//     "projection": {"hidden_dim": 512, "out_dim": 128},
//     "region": {"regions": "default", "pooling": "mean", "shared": false,
//                "hidden_dim": 128, "out_dim": 128}
//   }
// where "regions" is "default" or a list of {"name": "inferior", "leads": ["II", "III"]}.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/leads.h"

namespace acl::config {
template <typename T>
class FieldTable;
}  // namespace acl::config

namespace acl::models {

// ---- leads -------------------------------------------------------------------------------------

// The lead table is models/leads.h; configs name leads by its spellings.
inline constexpr int kNumStandardLeads = leads::kNumLeads;
// I, II, III, aVR, aVL, aVF, V1, ..., V6: the channel order of every encoder input (PTB-XL order).
inline const std::vector<std::string>& standard_lead_names() {
  return leads::lead_names();
}
// leads::lead_index of a lead name; throws std::invalid_argument naming `where`, the name and the
// valid names when it is none of the 12.
int standard_lead_index(const std::string& name, const std::string& where = "lead");
using leads::all_leads;          // 0..11
using leads::independent_leads;  // II, III, V1-V6

// ---- encoder -----------------------------------------------------------------------------------

enum class EncoderType { kLeadwise, kResnet1d };
const char* encoder_type_name(EncoderType t);  // "leadwise", "resnet1d"

// The lead-wise branch: blocks of conv(k, padding k/2, no bias) - BN - ReLU - maxpool(pool_size),
// one per entry of `channels`, then global average pooling.
struct LeadwiseConfig {
  std::vector<int> channels{8, 16, 32, 64, 64};
  int kernel_size = 3;  // odd
  int pool_size = 2;    // max-pool kernel and stride after each block
  bool shared_weights = false;
};

// The whole-ECG ResNet (torchvision's BasicBlock layout in 1-D); the defaults are resnet1d18.
struct ResnetConfig {
  std::vector<int> blocks{2, 2, 2, 2};         // basic blocks per stage
  std::vector<int> widths{64, 128, 256, 512};  // channels per stage (same length as blocks)
  int kernel_size = 7;                         // odd; padding kernel_size / 2
  int stem_width = 64;
  int stem_kernel_size = 15;  // odd; padding stem_kernel_size / 2
  int stem_stride = 2;
  bool stem_pool = true;  // max_pool1d(3, 2, 1) after the stem
};

struct EncoderConfig {
  EncoderType type = EncoderType::kLeadwise;
  std::vector<int> leads = independent_leads();  // indices into the 12 standard leads, distinct
  double bn_momentum = 0.1;
  double bn_eps = 1e-5;
  LeadwiseConfig leadwise;
  ResnetConfig resnet;

  static EncoderConfig leadwise_default();  // 8 independent leads, channels 8-16-32-64-64
  static EncoderConfig resnet1d18();        // 12 leads

  // Throws std::invalid_argument naming the key path (under `where`) of the first invalid value.
  void validate(const std::string& where = "encoder") const;
  static EncoderConfig from_json(const nlohmann::json& j, const std::string& where = "encoder");
  nlohmann::json to_json() const;
  bool operator==(const EncoderConfig& o) const;
  bool operator!=(const EncoderConfig& o) const { return !(*this == o); }
};

// ---- heads -------------------------------------------------------------------------------------

// Linear(in, hidden, no bias) - BN - ReLU - Linear(hidden, out); hidden_dim 0: Linear(in, out).
struct ProjectionHeadConfig {
  int hidden_dim = 512;
  int out_dim = 128;
};

enum class RegionPooling { kMean, kConcat };

struct Region {
  std::string name;
  std::vector<std::string> leads;  // standard lead names
};

// The anatomical regions of DESIGN §5 restricted to `leads` (standard indices), empty regions
// dropped: on 12 leads inferior {II, III, aVF}, septal {V1, V2}, anterior {V3, V4}, lateral
// {I, aVL, V5, V6}; on the 8 independent leads inferior {II, III}, septal, anterior, lateral
// {V5, V6}.
std::vector<Region> default_regions(const std::vector<int>& leads);

struct RegionHeadConfig {
  std::vector<Region> regions;  // empty: default_regions(encoder leads)
  RegionPooling pooling = RegionPooling::kMean;
  bool shared = false;  // one head for every region instead of one per region
  int hidden_dim = 128;
  int out_dim = 128;

  // Each region as positions in `encoder_leads` (the lead embeddings' order). Throws
  // std::invalid_argument naming the region and lead when a lead is not among the encoder's, a
  // region is empty or repeats a lead, or (shared heads with concat pooling) regions differ in
  // size.
  std::vector<std::vector<int>> resolve(const std::vector<int>& encoder_leads,
                                        const std::string& where = "heads.region") const;
  std::vector<Region> resolved_regions(const std::vector<int>& encoder_leads) const;
};

struct HeadsConfig {
  ProjectionHeadConfig projection;
  RegionHeadConfig region;

  static HeadsConfig from_json(const nlohmann::json& j, const std::string& where = "heads");
  nlohmann::json to_json() const;
};

// The JSON keys of each config with their ranges and rules: one table drives from_json, to_json,
// validate and the key reference.
const config::FieldTable<EncoderConfig>& encoder_fields();
const config::FieldTable<HeadsConfig>& heads_fields();

}  // namespace acl::models
