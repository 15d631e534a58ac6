#include "models/config.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/config/field_table.h"
#include "engine/util/strings.h"

namespace acl::models {

namespace {

using config::invalid;
using nlohmann::json;

std::vector<int> parse_leads(const json& v, const std::string& key_path) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "independent") return independent_leads();
    if (s == "all") return all_leads();
    invalid(key_path, "expected \"independent\", \"all\" or a list of lead names, got \"" +
                          strings::printable(s) + "\"");
  }
  if (!v.is_array() || v.empty()) {
    invalid(key_path, "expected \"independent\", \"all\" or a non-empty list of lead names, got " +
                          config::describe_json(v));
  }
  std::vector<int> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string where = key_path + "[" + std::to_string(i) + "]";
    if (!v[i].is_string())
      invalid(where, "expected a lead name, got " + config::describe_json(v[i]));
    out.push_back(standard_lead_index(v[i].get<std::string>(), where));
  }
  return out;
}

}  // namespace

// ---- leads -------------------------------------------------------------------------------------

int standard_lead_index(const std::string& name, const std::string& where) {
  const int i = leads::lead_index(name);
  if (i < 0) {
    invalid(where, "unknown lead '" + strings::printable(name) +
                       "' (valid: " + strings::join(leads::lead_names()) + ")");
  }
  return i;
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

namespace {

const config::Names<EncoderType> kEncoderTypes{{EncoderType::kLeadwise, "leadwise"},
                                               {EncoderType::kResnet1d, "resnet1d"}};

// An odd kernel size (padding k / 2 keeps the length).
config::FieldTable<EncoderConfig>::Rule odd(const char* key, int (*get)(const EncoderConfig&)) {
  return [=](const EncoderConfig& c, const std::string& where) {
    const int k = get(c);
    if (k < 1 || k % 2 == 0) {
      invalid(config::join_path(where, key),
              "must be an odd integer >= 1, got " + std::to_string(k));
    }
  };
}

config::FieldTable<EncoderConfig> make_encoder_table() {
  using C = EncoderConfig;
  using config::boolean;
  using config::int_list;
  using config::integer;
  config::FieldTable<C> t;
  // The type comes first: it chooses the defaults of every other key.
  config::Field<C> type("type");  // "leadwise" or "resnet1d" (alias "resnet1d18")
  type.read = [](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    const json* v = s.get_raw(leaf);
    if (!v) return;
    if (!v->is_string()) s.type_error(leaf, "a string");
    const std::string name =
        v->get<std::string>() == "resnet1d18" ? "resnet1d" : v->get<std::string>();
    c = config::parse_name(kEncoderTypes, name, s.path(leaf), "encoder type") ==
                EncoderType::kLeadwise
            ? EncoderConfig::leadwise_default()
            : EncoderConfig::resnet1d18();
  };
  type.write = [](const C& c) { return json(encoder_type_name(c.type)); };
  config::Field<C> leads("leads");  // "independent", "all" or a list of lead names
  leads.read = [](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    if (const json* v = s.get_raw(leaf)) c.leads = parse_leads(*v, s.path(leaf));
  };
  leads.write = [](const C& c) {
    json names = json::array();
    for (int l : c.leads) names.push_back(standard_lead_names().at(l));
    return names;
  };
  t.add(type)
      .add(leads)
      .add(config::number<C>("bn_momentum", ACL_FIELD(bn_momentum),
                             {0, false, 1, false, "0 <= bn_momentum <= 1"}))
      .add(config::number<C>("bn_eps", ACL_FIELD(bn_eps), config::Range::above(0, "bn_eps > 0")))
      .add(int_list<C>("leadwise.channels", ACL_FIELD(leadwise.channels), 1))
      .add(integer<C>("leadwise.kernel_size", ACL_FIELD(leadwise.kernel_size), 1, "odd, >= 1"))
      .add(integer<C>("leadwise.pool_size", ACL_FIELD(leadwise.pool_size), 1, "pool_size >= 1"))
      .add(boolean<C>("leadwise.shared_weights", ACL_FIELD(leadwise.shared_weights)))
      .add(int_list<C>("resnet.blocks", ACL_FIELD(resnet.blocks), 1))
      .add(int_list<C>("resnet.widths", ACL_FIELD(resnet.widths), 1))
      .add(integer<C>("resnet.kernel_size", ACL_FIELD(resnet.kernel_size), 1, "odd, >= 1"))
      .add(integer<C>("resnet.stem_width", ACL_FIELD(resnet.stem_width), 1, "stem_width >= 1"))
      .add(
          integer<C>("resnet.stem_kernel_size", ACL_FIELD(resnet.stem_kernel_size), 1, "odd, >= 1"))
      .add(integer<C>("resnet.stem_stride", ACL_FIELD(resnet.stem_stride), 1, "stem_stride >= 1"))
      .add(boolean<C>("resnet.stem_pool", ACL_FIELD(resnet.stem_pool)));
  t.rule([](const C& c, const std::string& where) {
     const std::string at = config::join_path(where, "leads");
     if (c.leads.empty()) invalid(at, "must not be empty");
     std::set<int> seen;
     for (int l : c.leads) {
       if (l < 0 || l >= kNumStandardLeads)
         invalid(at, "index " + std::to_string(l) + " is outside 0..11");
       if (!seen.insert(l).second)
         invalid(at, "lead " + standard_lead_names()[l] + " appears twice");
     }
   })
      .rule(odd("leadwise.kernel_size", [](const C& c) { return c.leadwise.kernel_size; }))
      .rule(odd("resnet.kernel_size", [](const C& c) { return c.resnet.kernel_size; }))
      .rule(odd("resnet.stem_kernel_size", [](const C& c) { return c.resnet.stem_kernel_size; }))
      .rule([](const C& c, const std::string& where) {
        if (c.resnet.widths.size() != c.resnet.blocks.size()) {
          invalid(config::join_path(where, "resnet.widths"),
                  "has " + std::to_string(c.resnet.widths.size()) +
                      " stages but resnet.blocks has " + std::to_string(c.resnet.blocks.size()));
        }
      });
  return t;
}

}  // namespace

const config::FieldTable<EncoderConfig>& encoder_fields() {
  static const config::FieldTable<EncoderConfig> t = make_encoder_table();
  return t;
}

void EncoderConfig::validate(const std::string& where) const {
  encoder_fields().check(*this, where);
}

EncoderConfig EncoderConfig::from_json(const nlohmann::json& j, const std::string& where) {
  EncoderConfig c;
  encoder_fields().read(j, where, c);
  return c;
}

nlohmann::json EncoderConfig::to_json() const {
  return encoder_fields().write(*this);
}

bool EncoderConfig::operator==(const EncoderConfig& o) const {
  return to_json() == o.to_json();
}

// ---- heads -------------------------------------------------------------------------------------

std::vector<Region> default_regions(const std::vector<int>& leads) {
  std::vector<Region> out;
  for (const leads::AnatomicalRegion& r : leads::anatomical_regions()) {
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
                        strings::join(encoder_names) + ")");
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

namespace {

const config::Names<RegionPooling> kPoolings{{RegionPooling::kMean, "mean"},
                                             {RegionPooling::kConcat, "concat"}};

std::vector<Region> parse_regions(const json& v, const std::string& at) {
  if (v.is_string() && v.get<std::string>() == "default") return {};
  if (!v.is_array() || v.empty()) {
    invalid(at, "expected \"default\" or a non-empty list of {\"name\", \"leads\"}, got " +
                    config::describe_json(v));
  }
  std::vector<Region> out;
  for (size_t i = 0; i < v.size(); ++i) {
    config::JsonObjectReader e(v[i], at + "[" + std::to_string(i) + "]");
    Region region;
    region.name = e.get_string("name", "region" + std::to_string(i));
    const json* leads = e.get_raw("leads");
    if (!leads || !leads->is_array() || leads->empty()) {
      invalid(e.path("leads"), "expected a non-empty list of lead names");
    }
    for (const auto& l : *leads) {
      if (!l.is_string())
        invalid(e.path("leads"), "expected lead names, got " + config::describe_json(l));
      region.leads.push_back(
          standard_lead_names()[standard_lead_index(l.get<std::string>(), e.path("leads"))]);
    }
    e.finish();
    out.push_back(region);
  }
  return out;
}

config::FieldTable<HeadsConfig> make_heads_table() {
  using C = HeadsConfig;
  using config::integer;
  config::Field<C> regions("region.regions");  // "default" or a list of {"name", "leads"}
  regions.read = [](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    if (const json* v = s.get_raw(leaf)) c.region.regions = parse_regions(*v, s.path(leaf));
  };
  regions.write = [](const C& c) {
    if (c.region.regions.empty()) return json("default");
    json out = json::array();
    for (const Region& r : c.region.regions) out.push_back({{"name", r.name}, {"leads", r.leads}});
    return out;
  };
  config::FieldTable<C> t;
  t.add(integer<C>("projection.hidden_dim", ACL_FIELD(projection.hidden_dim), 0, "hidden_dim >= 0"))
      .add(integer<C>("projection.out_dim", ACL_FIELD(projection.out_dim), 1, "out_dim >= 1"))
      .add(regions)
      .add(config::choice<C>("region.pooling", ACL_FIELD(region.pooling), kPoolings, "pooling"))
      .add(config::boolean<C>("region.shared", ACL_FIELD(region.shared)))
      .add(integer<C>("region.hidden_dim", ACL_FIELD(region.hidden_dim), 0, "hidden_dim >= 0"))
      .add(integer<C>("region.out_dim", ACL_FIELD(region.out_dim), 1, "out_dim >= 1"));
  return t;
}

}  // namespace

const config::FieldTable<HeadsConfig>& heads_fields() {
  static const config::FieldTable<HeadsConfig> t = make_heads_table();
  return t;
}

HeadsConfig HeadsConfig::from_json(const nlohmann::json& j, const std::string& where) {
  HeadsConfig c;
  heads_fields().read(j, where, c);
  return c;
}

nlohmann::json HeadsConfig::to_json() const {
  return heads_fields().write(*this);
}

}  // namespace acl::models
