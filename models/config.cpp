#include "models/config.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "models/json_config.h"

namespace acl::models {

namespace {

[[noreturn]] void invalid(const std::string& key_path, const std::string& what) {
  throw std::invalid_argument(key_path + ": " + what);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string int_list(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

void check_odd_kernel(const std::string& key_path, int k) {
  if (k < 1 || k % 2 == 0)
    invalid(key_path, "must be an odd integer >= 1, got " + std::to_string(k));
}

void check_positive_list(const std::string& key_path, const std::vector<int>& v) {
  if (v.empty()) invalid(key_path, "must not be empty");
  for (int x : v)
    if (x < 1) invalid(key_path, "entries must be >= 1, got " + int_list(v));
}

std::vector<int> parse_leads(const nlohmann::json& v, const std::string& key_path) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "independent") return independent_leads();
    if (s == "all") return all_leads();
    invalid(key_path,
            "expected \"independent\", \"all\" or a list of lead names, got \"" + s + "\"");
  }
  if (!v.is_array() || v.empty()) {
    invalid(key_path, "expected \"independent\", \"all\" or a non-empty list of lead names, got " +
                          describe_json(v));
  }
  std::vector<int> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string where = key_path + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) invalid(where, "expected a lead name, got " + describe_json(v[i]));
    out.push_back(standard_lead_index(v[i].get<std::string>(), where));
  }
  return out;
}

// The 12-lead anatomical regions of DESIGN §5.
const std::vector<Region>& anatomical_regions() {
  static const std::vector<Region> r{{"inferior", {"II", "III", "aVF"}},
                                     {"septal", {"V1", "V2"}},
                                     {"anterior", {"V3", "V4"}},
                                     {"lateral", {"I", "aVL", "V5", "V6"}}};
  return r;
}

}  // namespace

// ---- leads -------------------------------------------------------------------------------------

const std::vector<std::string>& standard_lead_names() {
  static const std::vector<std::string> names{"I",  "II", "III", "aVR", "aVL", "aVF",
                                              "V1", "V2", "V3",  "V4",  "V5",  "V6"};
  return names;
}

int standard_lead_index(const std::string& name, const std::string& where) {
  const auto& names = standard_lead_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (lower(names[i]) == lower(name)) return static_cast<int>(i);
  invalid(where, "unknown lead '" + name + "' (valid: " + join_names(names) + ")");
}

std::vector<int> independent_leads() {
  return {1, 2, 6, 7, 8, 9, 10, 11};
}

std::vector<int> all_leads() {
  std::vector<int> v(kNumStandardLeads);
  for (int i = 0; i < kNumStandardLeads; ++i) v[i] = i;
  return v;
}

// ---- encoder -----------------------------------------------------------------------------------

const char* encoder_type_name(EncoderType t) {
  return t == EncoderType::kLeadwise ? "leadwise" : "resnet1d";
}

EncoderConfig EncoderConfig::leadwise_default() {
  return EncoderConfig{};
}

EncoderConfig EncoderConfig::resnet1d18() {
  EncoderConfig c;
  c.type = EncoderType::kResnet1d;
  c.leads = all_leads();
  return c;
}

void EncoderConfig::validate(const std::string& where) const {
  if (leads.empty()) invalid(where + ".leads", "must not be empty");
  std::set<int> seen;
  for (int l : leads) {
    if (l < 0 || l >= kNumStandardLeads) {
      invalid(where + ".leads", "index " + std::to_string(l) + " is outside 0..11");
    }
    if (!seen.insert(l).second) {
      invalid(where + ".leads", "lead " + standard_lead_names()[l] + " appears twice");
    }
  }
  if (!(bn_momentum >= 0 && bn_momentum <= 1)) {
    invalid(where + ".bn_momentum", "must be in [0, 1], got " + std::to_string(bn_momentum));
  }
  if (!(bn_eps > 0)) invalid(where + ".bn_eps", "must be > 0, got " + std::to_string(bn_eps));
  check_positive_list(where + ".leadwise.channels", leadwise.channels);
  check_odd_kernel(where + ".leadwise.kernel_size", leadwise.kernel_size);
  if (leadwise.pool_size < 1) {
    invalid(where + ".leadwise.pool_size",
            "must be >= 1, got " + std::to_string(leadwise.pool_size));
  }
  check_positive_list(where + ".resnet.blocks", resnet.blocks);
  check_positive_list(where + ".resnet.widths", resnet.widths);
  if (resnet.widths.size() != resnet.blocks.size()) {
    invalid(where + ".resnet.widths", "has " + std::to_string(resnet.widths.size()) +
                                          " stages but resnet.blocks has " +
                                          std::to_string(resnet.blocks.size()));
  }
  check_odd_kernel(where + ".resnet.kernel_size", resnet.kernel_size);
  check_odd_kernel(where + ".resnet.stem_kernel_size", resnet.stem_kernel_size);
  if (resnet.stem_width < 1) invalid(where + ".resnet.stem_width", "must be >= 1");
  if (resnet.stem_stride < 1) invalid(where + ".resnet.stem_stride", "must be >= 1");
}

EncoderConfig EncoderConfig::from_json(const nlohmann::json& j, const std::string& where) {
  JsonObjectReader r(j, where);
  EncoderConfig c;
  const std::string type = r.get_string("type", "leadwise");
  if (type == "leadwise") {
    c = leadwise_default();
  } else if (type == "resnet1d" || type == "resnet1d18") {
    c = resnet1d18();
  } else {
    invalid(r.path("type"), "expected \"leadwise\" or \"resnet1d\", got \"" + type + "\"");
  }
  if (const nlohmann::json* v = r.get_raw("leads")) c.leads = parse_leads(*v, r.path("leads"));
  c.bn_momentum = r.get_number("bn_momentum", c.bn_momentum);
  c.bn_eps = r.get_number("bn_eps", c.bn_eps);
  if (const nlohmann::json* v = r.get_raw("leadwise")) {
    JsonObjectReader lw(*v, r.path("leadwise"));
    LeadwiseConfig& L = c.leadwise;
    L.channels = lw.get_int_array("channels", L.channels, 1);
    L.kernel_size = lw.get_int("kernel_size", L.kernel_size, 1);
    L.pool_size = lw.get_int("pool_size", L.pool_size, 1);
    L.shared_weights = lw.get_bool("shared_weights", L.shared_weights);
    lw.finish();
  }
  if (const nlohmann::json* v = r.get_raw("resnet")) {
    JsonObjectReader rs(*v, r.path("resnet"));
    ResnetConfig& R = c.resnet;
    R.blocks = rs.get_int_array("blocks", R.blocks, 1);
    R.widths = rs.get_int_array("widths", R.widths, 1);
    R.kernel_size = rs.get_int("kernel_size", R.kernel_size, 1);
    R.stem_width = rs.get_int("stem_width", R.stem_width, 1);
    R.stem_kernel_size = rs.get_int("stem_kernel_size", R.stem_kernel_size, 1);
    R.stem_stride = rs.get_int("stem_stride", R.stem_stride, 1);
    R.stem_pool = rs.get_bool("stem_pool", R.stem_pool);
    rs.finish();
  }
  r.finish();
  c.validate(where);
  return c;
}

nlohmann::json EncoderConfig::to_json() const {
  nlohmann::json lead_names = nlohmann::json::array();
  for (int l : leads) lead_names.push_back(standard_lead_names().at(l));
  return {{"type", encoder_type_name(type)},
          {"leads", lead_names},
          {"bn_momentum", bn_momentum},
          {"bn_eps", bn_eps},
          {"leadwise",
           {{"channels", leadwise.channels},
            {"kernel_size", leadwise.kernel_size},
            {"pool_size", leadwise.pool_size},
            {"shared_weights", leadwise.shared_weights}}},
          {"resnet",
           {{"blocks", resnet.blocks},
            {"widths", resnet.widths},
            {"kernel_size", resnet.kernel_size},
            {"stem_width", resnet.stem_width},
            {"stem_kernel_size", resnet.stem_kernel_size},
            {"stem_stride", resnet.stem_stride},
            {"stem_pool", resnet.stem_pool}}}};
}

bool EncoderConfig::operator==(const EncoderConfig& o) const {
  return to_json() == o.to_json();
}

// ---- heads -------------------------------------------------------------------------------------

std::vector<Region> default_regions(const std::vector<int>& leads) {
  std::vector<Region> out;
  for (const Region& r : anatomical_regions()) {
    Region kept{r.name, {}};
    for (const std::string& name : r.leads) {
      if (std::find(leads.begin(), leads.end(), standard_lead_index(name)) != leads.end())
        kept.leads.push_back(name);
    }
    if (!kept.leads.empty()) out.push_back(kept);
  }
  return out;
}

std::vector<Region> RegionHeadConfig::resolved_regions(
    const std::vector<int>& encoder_leads) const {
  return regions.empty() ? default_regions(encoder_leads) : regions;
}

std::vector<std::vector<int>> RegionHeadConfig::resolve(const std::vector<int>& encoder_leads,
                                                        const std::string& where) const {
  const std::vector<Region> rs = resolved_regions(encoder_leads);
  if (rs.empty()) invalid(where + ".regions", "no region has a lead among the encoder's leads");
  std::vector<std::string> encoder_names;
  for (int l : encoder_leads) encoder_names.push_back(standard_lead_names().at(l));
  std::vector<std::vector<int>> out;
  for (size_t i = 0; i < rs.size(); ++i) {
    const std::string at = where + ".regions[" + std::to_string(i) + "] (" + rs[i].name + ")";
    if (rs[i].leads.empty()) invalid(at, "has no leads");
    std::vector<int> pos;
    for (const std::string& name : rs[i].leads) {
      const int idx = standard_lead_index(name, at);
      auto it = std::find(encoder_leads.begin(), encoder_leads.end(), idx);
      if (it == encoder_leads.end()) {
        invalid(at, "lead " + name + " is not among the encoder's leads (" +
                        join_names(encoder_names) + ")");
      }
      const int p = static_cast<int>(it - encoder_leads.begin());
      if (std::find(pos.begin(), pos.end(), p) != pos.end()) invalid(at, "repeats lead " + name);
      pos.push_back(p);
    }
    if (shared && pooling == RegionPooling::kConcat && !out.empty() &&
        pos.size() != out[0].size()) {
      invalid(at, "has " + std::to_string(pos.size()) + " leads but region 0 has " +
                      std::to_string(out[0].size()) +
                      ": a shared head with concat pooling needs regions of equal size");
    }
    out.push_back(pos);
  }
  return out;
}

HeadsConfig HeadsConfig::from_json(const nlohmann::json& j, const std::string& where) {
  JsonObjectReader r(j, where);
  HeadsConfig c;
  if (const nlohmann::json* v = r.get_raw("projection")) {
    JsonObjectReader p(*v, r.path("projection"));
    c.projection.hidden_dim = p.get_int("hidden_dim", c.projection.hidden_dim, 0);
    c.projection.out_dim = p.get_int("out_dim", c.projection.out_dim, 1);
    p.finish();
  }
  if (const nlohmann::json* v = r.get_raw("region")) {
    JsonObjectReader g(*v, r.path("region"));
    RegionHeadConfig& R = c.region;
    if (const nlohmann::json* rv = g.get_raw("regions")) {
      const std::string at = g.path("regions");
      if (rv->is_string() && rv->get<std::string>() == "default") {
        R.regions.clear();
      } else if (rv->is_array() && !rv->empty()) {
        for (size_t i = 0; i < rv->size(); ++i) {
          JsonObjectReader e((*rv)[i], at + "[" + std::to_string(i) + "]");
          Region region;
          region.name = e.get_string("name", "region" + std::to_string(i));
          const nlohmann::json* leads = e.get_raw("leads");
          if (!leads || !leads->is_array() || leads->empty()) {
            invalid(e.path("leads"), "expected a non-empty list of lead names");
          }
          for (const auto& l : *leads) {
            if (!l.is_string())
              invalid(e.path("leads"), "expected lead names, got " + describe_json(l));
            const int idx = standard_lead_index(l.get<std::string>(), e.path("leads"));
            region.leads.push_back(standard_lead_names()[idx]);
          }
          e.finish();
          R.regions.push_back(region);
        }
      } else {
        invalid(at, "expected \"default\" or a non-empty list of {\"name\", \"leads\"}, got " +
                        describe_json(*rv));
      }
    }
    const std::string pooling = g.get_string("pooling", "mean");
    if (pooling == "mean") {
      R.pooling = RegionPooling::kMean;
    } else if (pooling == "concat") {
      R.pooling = RegionPooling::kConcat;
    } else {
      invalid(g.path("pooling"), "expected \"mean\" or \"concat\", got \"" + pooling + "\"");
    }
    R.shared = g.get_bool("shared", R.shared);
    R.hidden_dim = g.get_int("hidden_dim", R.hidden_dim, 0);
    R.out_dim = g.get_int("out_dim", R.out_dim, 1);
    g.finish();
  }
  r.finish();
  return c;
}

nlohmann::json HeadsConfig::to_json() const {
  nlohmann::json regions;
  if (region.regions.empty()) {
    regions = "default";
  } else {
    regions = nlohmann::json::array();
    for (const Region& r : region.regions)
      regions.push_back({{"name", r.name}, {"leads", r.leads}});
  }
  return {{"projection", {{"hidden_dim", projection.hidden_dim}, {"out_dim", projection.out_dim}}},
          {"region",
           {{"regions", regions},
            {"pooling", region.pooling == RegionPooling::kMean ? "mean" : "concat"},
            {"shared", region.shared},
            {"hidden_dim", region.hidden_dim},
            {"out_dim", region.out_dim}}}};
}

}  // namespace acl::models
