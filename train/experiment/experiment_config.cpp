#include "train/experiment/experiment_config.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "models/json_config.h"

namespace acl::experiment {

namespace {

using models::JsonObjectReader;
using nlohmann::json;

// Errors are thrown as "<dotted.key.path>: <what>"; ExperimentConfig::from_json prefixes the
// source ("config.json: ").
[[noreturn]] void invalid(const std::string& key_path, const std::string& what) {
  throw std::invalid_argument(key_path + ": " + what);
}

std::string num(double x) {
  return json(x).dump();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "\"" : ", \"") + n + "\"";
  return s;
}

// ---- typed getters beyond JsonObjectReader's (64-bit integers, ranges, choices) ---------------

int64_t get_int64(JsonObjectReader& r, const std::string& key, int64_t def, int64_t min,
                  const std::string& why = "") {
  const json* v = r.get_raw(key);
  if (!v) return def;
  const std::string expected = "an integer >= " + std::to_string(min) + why;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() &&
       v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    r.type_error(key, expected);
  }
  const int64_t x = v->get<int64_t>();
  if (x < min) r.type_error(key, expected);
  return x;
}

uint64_t get_uint64(JsonObjectReader& r, const std::string& key, uint64_t def) {
  const json* v = r.get_raw(key);
  if (!v) return def;
  if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<int64_t>() >= 0)) {
    r.type_error(key, "a non-negative integer");
  }
  return v->get<uint64_t>();
}

// A number in [lo, hi] (open at either end when lo_open / hi_open); `range` describes it.
double get_in(JsonObjectReader& r, const std::string& key, double def, double lo, bool lo_open,
              double hi, bool hi_open, const std::string& range) {
  const json* v = r.get_raw(key);
  if (!v) return def;
  if (!v->is_number()) r.type_error(key, "a number " + range);
  const double x = v->get<double>();
  const bool ok = std::isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  if (!ok) r.type_error(key, "a number " + range);
  return x;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

double get_positive(JsonObjectReader& r, const std::string& key, double def) {
  return get_in(r, key, def, 0, true, kInf, true, "> 0");
}
double get_nonnegative(JsonObjectReader& r, const std::string& key, double def) {
  return get_in(r, key, def, 0, false, kInf, true, ">= 0");
}
double get_probability(JsonObjectReader& r, const std::string& key, double def) {
  return get_in(r, key, def, 0, false, 1, true, "in [0, 1)");
}

// A string that must be one of `choices`; otherwise names the closest one.
std::string get_choice(JsonObjectReader& r, const std::string& key, const std::string& def,
                       const std::vector<std::string>& choices, const std::string& what) {
  const std::string s = r.get_string(key, def);
  for (const std::string& c : choices)
    if (s == c) return s;
  invalid(r.path(key), "unknown " + what + " \"" + s + "\"; did you mean \"" +
                           models::closest_key(s, choices) + "\"? (valid: " + quoted_list(choices) +
                           ")");
}

std::string get_nonempty_string(JsonObjectReader& r, const std::string& key,
                                const std::string& def) {
  const std::string s = r.get_string(key, def);
  if (r.has(key) && s.empty()) r.type_error(key, "a non-empty string");
  return s;
}

const json& empty_object() {
  static const json e = json::object();
  return e;
}

// The value of `key` as an object to read, or an empty object when absent.
const json& section(JsonObjectReader& r, const std::string& key) {
  const json* v = r.get_raw(key);
  return v ? *v : empty_object();
}

// ---- sections ----------------------------------------------------------------------------------

const std::vector<std::string> kMethods{"acl", "simclr", "clocs"};
const std::vector<std::string> kSplits{"train", "val", "test", "all"};
const std::vector<std::string> kOptimizers{"sgd", "adamw", "lars"};
const std::vector<std::string> kOnNonfinite{"stop", "skip"};
const std::vector<std::string> kDevices{"auto", "cpu", "cuda"};

Method method_from_name(const std::string& s) {
  if (s == "simclr") return Method::kSimclr;
  if (s == "clocs") return Method::kClocs;
  return Method::kAcl;
}

DataConfig parse_data(const json& j) {
  JsonObjectReader r(j, "data");
  DataConfig d;
  d.cache = r.get_string("cache", d.cache);
  if (d.cache.empty()) {
    invalid("data.cache",
            "required: the prepared dataset directory (acl_prepare --out DIR), e.g. "
            "\"data_cache/synthetic\"");
  }
  d.split = get_choice(r, "split", d.split, kSplits, "split");
  d.view_length = get_int64(r, "view_length", d.view_length, 1);
  d.prefetch_batches = r.get_int("prefetch_batches", d.prefetch_batches, 1);
  r.finish();
  return d;
}

void parse_augmentations(const json& j, const std::string& where, augment::AugmentConfig& a) {
  JsonObjectReader r(j, where);
  {
    JsonObjectReader s(section(r, "scale_crop"), r.path("scale_crop"));
    a.scale_crop.enabled = s.get_bool("enabled", a.scale_crop.enabled);
    a.scale_crop.s_min = get_in(s, "s_min", a.scale_crop.s_min, 0, true, 1, false, "in (0, 1]");
    a.scale_crop.s_max = get_in(s, "s_max", a.scale_crop.s_max, 0, true, 1, false, "in (0, 1]");
    if (a.scale_crop.s_min > a.scale_crop.s_max) {
      invalid(s.path("s_min"),
              num(a.scale_crop.s_min) + " is greater than s_max " + num(a.scale_crop.s_max));
    }
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "cycle_mask"), r.path("cycle_mask"));
    a.cycle_mask.enabled = s.get_bool("enabled", a.cycle_mask.enabled);
    a.cycle_mask.p = get_probability(s, "p", a.cycle_mask.p);
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "time_shift"), r.path("time_shift"));
    a.time_shift.enabled = s.get_bool("enabled", a.time_shift.enabled);
    a.time_shift.max_fraction =
        get_in(s, "max_fraction", a.time_shift.max_fraction, 0, false, 1, true, "in [0, 1)");
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "segments"), r.path("segments"));
    a.segments.enabled = s.get_bool("enabled", a.segments.enabled);
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "amplitude_scale"), r.path("amplitude_scale"));
    a.amplitude_scale.enabled = s.get_bool("enabled", a.amplitude_scale.enabled);
    a.amplitude_scale.min = get_positive(s, "min", a.amplitude_scale.min);
    a.amplitude_scale.max = get_positive(s, "max", a.amplitude_scale.max);
    if (a.amplitude_scale.min > a.amplitude_scale.max) {
      invalid(s.path("min"),
              num(a.amplitude_scale.min) + " is greater than max " + num(a.amplitude_scale.max));
    }
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "gaussian_noise"), r.path("gaussian_noise"));
    a.gaussian_noise.enabled = s.get_bool("enabled", a.gaussian_noise.enabled);
    a.gaussian_noise.sigma = get_nonnegative(s, "sigma", a.gaussian_noise.sigma);
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "baseline_wander"), r.path("baseline_wander"));
    a.baseline_wander.enabled = s.get_bool("enabled", a.baseline_wander.enabled);
    a.baseline_wander.amplitude = get_nonnegative(s, "amplitude", a.baseline_wander.amplitude);
    a.baseline_wander.f_max =
        get_in(s, "f_max", a.baseline_wander.f_max, 0.05, false, kInf, true, ">= 0.05 (Hz)");
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "lead_dropout"), r.path("lead_dropout"));
    a.lead_dropout.enabled = s.get_bool("enabled", a.lead_dropout.enabled);
    a.lead_dropout.p = get_probability(s, "p", a.lead_dropout.p);
    s.finish();
  }
  {
    JsonObjectReader s(section(r, "vcg"), r.path("vcg"));
    a.vcg.enabled = s.get_bool("enabled", a.vcg.enabled);
    a.vcg.max_angle_deg =
        get_in(s, "max_angle_deg", a.vcg.max_angle_deg, 0, false, 180, false, "in [0, 180]");
    a.vcg.s_min = get_positive(s, "s_min", a.vcg.s_min);
    a.vcg.s_max = get_positive(s, "s_max", a.vcg.s_max);
    if (a.vcg.s_min > a.vcg.s_max) {
      invalid(s.path("s_min"), num(a.vcg.s_min) + " is greater than s_max " + num(a.vcg.s_max));
    }
    s.finish();
  }
  r.finish();
}

ObjectiveConfig parse_objective(const json& j) {
  JsonObjectReader r(j, "objective");
  // The method's defaults first, then every explicit key on top of them.
  ObjectiveConfig o =
      method_defaults(method_from_name(get_choice(r, "method", "acl", kMethods, "method")));
  o.lambda_g = get_nonnegative(r, "lambda_g", o.lambda_g);
  o.lambda_r = get_nonnegative(r, "lambda_r", o.lambda_r);
  o.tau = get_positive(r, "tau", o.tau);
  if (const json* v = r.get_raw("augmentations")) {
    parse_augmentations(*v, r.path("augmentations"), o.augmentations);
  }
  r.finish();
  return o;
}

OptimizerConfig parse_optimizer(const json& j) {
  JsonObjectReader r(j, "optimizer");
  OptimizerConfig o;
  o.name = get_choice(r, "name", o.name, kOptimizers, "optimizer");
  o.lr = get_positive(r, "lr", o.lr);
  o.weight_decay = get_nonnegative(r, "weight_decay", o.weight_decay);
  o.momentum = get_in(r, "momentum", o.momentum, 0, false, 1, true, "in [0, 1)");
  if (const json* v = r.get_raw("betas")) {
    const std::string expected = "an array of two numbers in [0, 1) ([beta1, beta2])";
    if (!v->is_array() || v->size() != 2) r.type_error("betas", expected);
    for (const json& b : *v) {
      if (!b.is_number() || !(b.get<double>() >= 0 && b.get<double>() < 1)) {
        r.type_error("betas", expected);
      }
    }
    o.beta1 = (*v)[0].get<double>();
    o.beta2 = (*v)[1].get<double>();
  }
  o.eps = get_positive(r, "eps", o.eps);
  o.lars_eta = get_positive(r, "lars_eta", o.lars_eta);
  o.clip_grad_norm = get_nonnegative(r, "clip_grad_norm", o.clip_grad_norm);
  {
    JsonObjectReader s(section(r, "schedule"), r.path("schedule"));
    o.warmup_steps = get_int64(s, "warmup_steps", o.warmup_steps, 0);
    o.min_lr = get_nonnegative(s, "min_lr", o.min_lr);
    if (o.min_lr > o.lr) {
      invalid(s.path("min_lr"), num(o.min_lr) + " is greater than optimizer.lr " + num(o.lr));
    }
    s.finish();
  }
  r.finish();
  return o;
}

TrainConfig parse_train(const json& j) {
  JsonObjectReader r(j, "train");
  TrainConfig t;
  t.steps = get_int64(r, "steps", t.steps, 1);
  t.batch_size = get_int64(r, "batch_size", t.batch_size, 2,
                           " (the other records of the batch are the negatives)");
  t.log_every = get_int64(r, "log_every", t.log_every, 1);
  t.checkpoint_every = get_int64(r, "checkpoint_every", t.checkpoint_every, 0);
  t.keep_checkpoints = r.get_int("keep_checkpoints", t.keep_checkpoints, 1);
  t.on_nonfinite = get_choice(r, "on_nonfinite", t.on_nonfinite, kOnNonfinite, "value");
  if (r.has("device") && r.get_string("device", t.device) == "gpu") {
    invalid(r.path("device"), "unknown device \"gpu\"; did you mean \"cuda\"? (valid: " +
                                  quoted_list(kDevices) + ")");
  }
  t.device = get_choice(r, "device", t.device, kDevices, "device");
  t.precision = r.get_string("precision", t.precision);
  if (t.precision == "bf16") {
    invalid(r.path("precision"), "\"bf16\" (mixed precision) is not implemented yet; use \"f32\"");
  }
  if (t.precision != "f32") {
    invalid(r.path("precision"), "unknown precision \"" + t.precision + "\" (valid: \"f32\")");
  }
  r.finish();
  return t;
}

// Rules that tie sections together; run after every key has been read.
void check_cross_fields(const ExperimentConfig& c) {
  const ObjectiveConfig& o = c.objective;
  const std::string method = method_name(o.method);

  if (c.encoder.type == models::EncoderType::kLeadwise) {
    // Each lead-wise block halves (pool_size) the length; the last block needs >= 1 sample.
    int64_t need = 1;
    for (size_t i = 0; i < c.encoder.leadwise.channels.size() && need <= c.data.view_length; ++i)
      need *= c.encoder.leadwise.pool_size;
    if (c.data.view_length < need) {
      invalid("data.view_length",
              std::to_string(c.data.view_length) + " samples are too short for the lead-wise " +
                  "encoder's " + std::to_string(c.encoder.leadwise.channels.size()) +
                  " pooling blocks (pool_size " + std::to_string(c.encoder.leadwise.pool_size) +
                  "): it needs at least " + std::to_string(need));
    }
  }

  if (c.optimizer.warmup_steps > c.train.steps) {
    invalid("optimizer.schedule.warmup_steps", std::to_string(c.optimizer.warmup_steps) +
                                                   " is more than train.steps (" +
                                                   std::to_string(c.train.steps) + ")");
  }

  if (o.lambda_g == 0 && o.lambda_r == 0) {
    invalid("objective.lambda_g", "both loss weights (lambda_g, lambda_r) are 0: nothing to train");
  }
  if (o.method != Method::kAcl && o.lambda_r > 0) {
    invalid("objective.lambda_r", "is " + num(o.lambda_r) + ", but the region loss belongs to " +
                                      "the acl method; " + method +
                                      " trains the global loss only (set lambda_r to 0)");
  }
  if (o.method == Method::kAcl && o.lambda_r > 0) {
    if (c.encoder.type != models::EncoderType::kLeadwise) {
      invalid("model.encoder.type",
              std::string("is \"") + models::encoder_type_name(c.encoder.type) +
                  "\", but the acl method with objective.lambda_r > 0 needs the lead-wise "
                  "encoder (regions pool lead embeddings); set it to \"leadwise\" or set "
                  "objective.lambda_r to 0");
    }
    c.heads.region.resolve(c.encoder.leads, "model.heads.region");
  }

  const augment::AugmentConfig& a = o.augmentations;
  if (o.method == Method::kClocs && !a.segments.enabled) {
    invalid("objective.augmentations.segments.enabled",
            "the clocs method takes its views from adjacent segments of a record; it must be "
            "true");
  }
  // The augmentations' own rules, checked here with the default fs of 100 Hz; the views are
  // validated again with the cache's rate when they are made.
  try {
    a.validate();
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();  // "augmentations.<field> = <value>: expected ..."
    throw std::invalid_argument(msg.rfind("augmentations.", 0) == 0
                                    ? "objective." + msg
                                    : "objective.augmentations: " + msg);
  }
}

ExperimentConfig parse(const json& j) {
  if (!j.is_object()) {
    throw std::invalid_argument("expected a JSON object at the top level, got " +
                                models::describe_json(j));
  }
  // The top-level reader has an empty path, so its messages begin with ".key"; from_json drops
  // that dot.
  JsonObjectReader top(j, "");
  ExperimentConfig c;
  c.seed = get_uint64(top, "seed", c.seed);
  c.out_dir = get_nonempty_string(top, "out_dir", c.out_dir);
  c.data = parse_data(section(top, "data"));
  {
    JsonObjectReader m(section(top, "model"), "model");
    if (const json* e = m.get_raw("encoder")) {
      c.encoder = models::EncoderConfig::from_json(*e, "model.encoder");
    }
    if (const json* h = m.get_raw("heads")) {
      c.heads = models::HeadsConfig::from_json(*h, "model.heads");
    }
    m.finish();
  }
  c.objective = parse_objective(section(top, "objective"));
  c.optimizer = parse_optimizer(section(top, "optimizer"));
  c.train = parse_train(section(top, "train"));
  top.finish();
  check_cross_fields(c);
  return c;
}

json augmentations_to_json(const augment::AugmentConfig& a) {
  return {{"scale_crop",
           {{"enabled", a.scale_crop.enabled},
            {"s_min", a.scale_crop.s_min},
            {"s_max", a.scale_crop.s_max}}},
          {"cycle_mask", {{"enabled", a.cycle_mask.enabled}, {"p", a.cycle_mask.p}}},
          {"time_shift",
           {{"enabled", a.time_shift.enabled}, {"max_fraction", a.time_shift.max_fraction}}},
          {"segments", {{"enabled", a.segments.enabled}}},
          {"amplitude_scale",
           {{"enabled", a.amplitude_scale.enabled},
            {"min", a.amplitude_scale.min},
            {"max", a.amplitude_scale.max}}},
          {"gaussian_noise",
           {{"enabled", a.gaussian_noise.enabled}, {"sigma", a.gaussian_noise.sigma}}},
          {"baseline_wander",
           {{"enabled", a.baseline_wander.enabled},
            {"amplitude", a.baseline_wander.amplitude},
            {"f_max", a.baseline_wander.f_max}}},
          {"lead_dropout", {{"enabled", a.lead_dropout.enabled}, {"p", a.lead_dropout.p}}},
          {"vcg",
           {{"enabled", a.vcg.enabled},
            {"max_angle_deg", a.vcg.max_angle_deg},
            {"s_min", a.vcg.s_min},
            {"s_max", a.vcg.s_max}}}};
}

// ---- overrides ---------------------------------------------------------------------------------

// Adds to `schema` every key of `extra` it lacks (recursively through objects).
void add_missing_keys(json& schema, const json& extra) {
  if (!schema.is_object() || !extra.is_object()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (!schema.contains(it.key())) {
      schema[it.key()] = it.value();
    } else {
      add_missing_keys(schema[it.key()], it.value());
    }
  }
}

// Every dotted path of `j`'s objects (inner objects and their leaves).
void collect_paths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = prefix.empty() ? it.key() : prefix + "." + it.key();
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

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::kAcl:
      return "acl";
    case Method::kSimclr:
      return "simclr";
    case Method::kClocs:
      return "clocs";
  }
  return "acl";
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
  }
  return o;
}

ExperimentConfig ExperimentConfig::from_json(const nlohmann::json& j, const std::string& where) {
  try {
    return parse(j);
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    if (!msg.empty() && msg[0] == '.') msg.erase(0, 1);
    throw std::invalid_argument(where.empty() ? msg : where + ": " + msg);
  }
}

nlohmann::json ExperimentConfig::to_json() const {
  return {
      {"seed", seed},
      {"out_dir", out_dir},
      {"data",
       {{"cache", data.cache},
        {"split", data.split},
        {"view_length", data.view_length},
        {"prefetch_batches", data.prefetch_batches}}},
      {"model", {{"encoder", encoder.to_json()}, {"heads", heads.to_json()}}},
      {"objective",
       {{"method", method_name(objective.method)},
        {"lambda_g", objective.lambda_g},
        {"lambda_r", objective.lambda_r},
        {"tau", objective.tau},
        {"augmentations", augmentations_to_json(objective.augmentations)}}},
      {"optimizer",
       {{"name", optimizer.name},
        {"lr", optimizer.lr},
        {"weight_decay", optimizer.weight_decay},
        {"momentum", optimizer.momentum},
        {"betas", {optimizer.beta1, optimizer.beta2}},
        {"eps", optimizer.eps},
        {"lars_eta", optimizer.lars_eta},
        {"clip_grad_norm", optimizer.clip_grad_norm},
        {"schedule", {{"warmup_steps", optimizer.warmup_steps}, {"min_lr", optimizer.min_lr}}}}},
      {"train",
       {{"steps", train.steps},
        {"batch_size", train.batch_size},
        {"log_every", train.log_every},
        {"checkpoint_every", train.checkpoint_every},
        {"keep_checkpoints", train.keep_checkpoints},
        {"on_nonfinite", train.on_nonfinite},
        {"device", train.device},
        {"precision", train.precision}}}};
}

void apply_overrides(nlohmann::json& j, const std::vector<std::string>& overrides) {
  if (overrides.empty()) return;
  if (j.is_null()) j = json::object();
  if (!j.is_object()) {
    throw std::invalid_argument("--set: the config is a " + std::string(j.type_name()) +
                                ", not a JSON object");
  }
  json schema = ExperimentConfig{}.to_json();
  add_missing_keys(schema, j);
  std::vector<std::string> valid_paths;
  collect_paths(schema, "", valid_paths);

  for (const std::string& ov : overrides) {
    const std::string what = "--set '" + ov + "'";
    const size_t eq = ov.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument(what + ": expected PATH=VALUE (e.g. train.steps=200)");
    }
    const std::string path = trim(ov.substr(0, eq));
    const std::string text = ov.substr(eq + 1);
    const std::vector<std::string> keys = split_path(path);

    const json* s = &schema;
    for (const std::string& k : keys) {
      if (k.empty() || !s->is_object() || !s->contains(k)) {
        throw std::invalid_argument(what + ": unknown key path '" + path + "'; did you mean '" +
                                    models::closest_key(path, valid_paths) + "'?");
      }
      s = &s->at(k);
    }

    json value;
    try {
      value = json::parse(text);
    } catch (const json::parse_error&) {
      value = text;  // not JSON: a string
    }

    json* t = &j;
    std::string at;
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
      at += (at.empty() ? "" : ".") + keys[i];
      json& next = (*t)[keys[i]];
      if (next.is_null()) next = json::object();
      if (!next.is_object()) {
        throw std::invalid_argument(what + ": " + at + " is " + models::describe_json(next) +
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
