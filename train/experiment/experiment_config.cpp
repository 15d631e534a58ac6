#include "train/experiment/experiment_config.h"

#include <stdexcept>

#include "engine/config/overrides.h"
#include "engine/util/strings.h"
#include "train/experiment/experiment_fields.h"

namespace acl::experiment {

namespace {

using nlohmann::json;

// Removes from `file` every leaf equal to the same leaf of `defaults` (and objects left empty).
void erase_defaults(json& file, const json& defaults) {
  std::vector<std::string> keys;
  for (auto it = file.begin(); it != file.end(); ++it) keys.push_back(it.key());
  for (const std::string& key : keys) {
    if (key == "method" || !defaults.contains(key)) continue;
    json& v = file[key];
    if (v.is_object() && defaults[key].is_object()) {
      erase_defaults(v, defaults[key]);
      if (v.empty()) file.erase(key);
    } else if (v == defaults[key]) {
      file.erase(key);
    }
  }
}

// The method named by the last objective.method override, when it names a known method other than
// the file's (a misspelt name is left to the parser, which names the valid ones).
bool switched_method(const json& j, const std::vector<std::string>& overrides, Method* from,
                     Method* to) {
  std::string to_name;
  for (const std::string& ov : overrides) {
    const size_t eq = ov.find('=');
    if (eq == std::string::npos || strings::trim(ov.substr(0, eq)) != "objective.method") continue;
    const json v = config::override_value(ov.substr(eq + 1));
    to_name = v.is_string() ? v.get<std::string>() : std::string();
  }
  std::string from_name = method_name(ObjectiveConfig{}.method);
  if (j.contains("objective") && j["objective"].is_object() && j["objective"].contains("method") &&
      j["objective"]["method"].is_string()) {
    from_name = j["objective"]["method"].get<std::string>();
  }
  bool found_from = false, found_to = false;
  for (Method m : {Method::kAcl, Method::kSimclr, Method::kClocs}) {
    if (from_name == method_name(m)) *from = m, found_from = true;
    if (to_name == method_name(m)) *to = m, found_to = true;
  }
  return found_from && found_to && *from != *to;
}

}  // namespace

void switch_method(nlohmann::json& j, Method from) {
  if (!j.is_object() || !j.contains("objective") || !j["objective"].is_object()) return;
  ExperimentConfig c;
  c.objective = method_defaults(from);
  erase_defaults(j["objective"], c.to_json()["objective"]);
}

ObjectiveConfig method_defaults(Method m) {
  ObjectiveConfig o;
  o.method = m;
  augment::AugmentConfig& a = o.augmentations;
  a = augment::AugmentConfig{};  // the ACL set: scale_crop, cycle_mask, time_shift
  a.n_views = 2;
  if (m == Method::kAcl) return o;
  o.lambda_r = 0;
  a.scale_crop.enabled = false;
  a.cycle_mask.enabled = false;
  a.time_shift.enabled = false;
  if (m == Method::kSimclr) {
    a.amplitude_scale.enabled = true;
    a.gaussian_noise.enabled = true;
    a.baseline_wander.enabled = true;
    a.lead_dropout.enabled = true;
  } else {
    a.segments.enabled = true;
    o.positives = Positives::kPatient;
  }
  return o;
}

ExperimentConfig ExperimentConfig::from_json(const nlohmann::json& j, const std::string& where) {
  return config::read_config(experiment_fields(), j, where);
}

nlohmann::json ExperimentConfig::to_json() const {
  return experiment_fields().write(*this);
}

void apply_overrides(nlohmann::json& j, const std::vector<std::string>& overrides) {
  if (overrides.empty()) return;
  json out = j.is_null() ? json::object() : j;
  Method from = Method::kAcl, to = Method::kAcl;
  if (out.is_object() && switched_method(out, overrides, &from, &to)) switch_method(out, from);
  config::apply_overrides(out, overrides, experiment_fields().keys(), "train.steps=200");
  j = std::move(out);
}

ExperimentConfig load_experiment_config(const std::string& file,
                                        const std::vector<std::string>& overrides) {
  json j = config::read_json_file(file);
  apply_overrides(j, overrides);
  return ExperimentConfig::from_json(j, file);
}

}  // namespace acl::experiment
