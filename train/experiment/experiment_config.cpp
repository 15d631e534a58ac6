#include "train/experiment/experiment_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engine/util/strings.h"
#include "train/experiment/experiment_fields.h"

namespace acl::experiment {

namespace {

using nlohmann::json;

// Every dotted path of `j`'s objects (inner objects and their leaves).
void collect_paths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = config::join_path(prefix, it.key());
    out.push_back(p);
    collect_paths(it.value(), p, out);
  }
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    keys.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return keys;
}

}  // namespace

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
  }
  return o;
}

ExperimentConfig ExperimentConfig::from_json(const nlohmann::json& j, const std::string& where) {
  try {
    if (!j.is_object()) {
      throw std::invalid_argument("expected a JSON object at the top level, got " +
                                  config::describe_json(j));
    }
    ExperimentConfig c;
    experiment_fields().read(j, "", c);
    return c;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where.empty() ? e.what() : where + ": " + e.what());
  }
}

nlohmann::json ExperimentConfig::to_json() const {
  return experiment_fields().write(*this);
}

void apply_overrides(nlohmann::json& j, const std::vector<std::string>& overrides) {
  if (overrides.empty()) return;
  if (j.is_null()) j = json::object();
  if (!j.is_object()) {
    throw std::invalid_argument("--set: the config is a " + std::string(j.type_name()) +
                                ", not a JSON object");
  }
  // The schema's paths, and those the file itself writes (so a misspelt key in the file can be
  // overridden; the parser reports it if it stays).
  std::vector<std::string> valid_paths = experiment_fields().keys();
  collect_paths(j, "", valid_paths);

  for (const std::string& ov : overrides) {
    const std::string what = "--set '" + ov + "'";
    const size_t eq = ov.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument(what + ": expected PATH=VALUE (e.g. train.steps=200)");
    }
    const std::string path = strings::trim(ov.substr(0, eq));
    const std::string text = ov.substr(eq + 1);
    if (std::find(valid_paths.begin(), valid_paths.end(), path) == valid_paths.end()) {
      throw std::invalid_argument(what + ": unknown key path '" + path + "'; did you mean '" +
                                  strings::closest(path, valid_paths) + "'?");
    }
    const std::vector<std::string> keys = split_path(path);

    json value;
    try {
      value = json::parse(text);
    } catch (const json::parse_error&) {
      value = text;  // not JSON: a string
    }

    json* t = &j;
    std::string at;
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
      at = config::join_path(at, keys[i]);
      json& next = (*t)[keys[i]];
      if (next.is_null()) next = json::object();
      if (!next.is_object()) {
        throw std::invalid_argument(what + ": " + at + " is " + config::describe_json(next) +
                                    " in the config, not an object");
      }
      t = &next;
    }
    (*t)[keys.back()] = std::move(value);
  }
}

ExperimentConfig load_experiment_config(const std::string& file,
                                        const std::vector<std::string>& overrides) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::invalid_argument(file + ": cannot open the config file (" + std::strerror(errno) +
                                ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(file + ": cannot read the config file");
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::parse_error& e) {
    // nlohmann: "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string msg = e.what();
    const size_t p = msg.find("] ");
    if (p != std::string::npos && msg.rfind("[json.exception", 0) == 0) msg.erase(0, p + 2);
    throw std::invalid_argument(file + ": invalid JSON: " + msg);
  }
  apply_overrides(j, overrides);
  return ExperimentConfig::from_json(j, file);
}

}  // namespace acl::experiment
