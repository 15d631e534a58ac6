#include "train/eval/eval_config.h"

#include <stdexcept>

#include "engine/config/overrides.h"
#include "engine/util/strings.h"

namespace acl::eval {

namespace {

using config::invalid;
using config::Range;
using nlohmann::json;
using C = EvalConfig;

const config::Names<Protocol> kProtocols{{Protocol::kLinearProbe, "linear_probe"},
                                         {Protocol::kRandomInit, "random_init"},
                                         {Protocol::kFinetune, "finetune"},
                                         {Protocol::kSupervised, "supervised"}};
const config::Names<LabelMode> kLabelModes{{LabelMode::kMultiLabel, "multi_label"},
                                           {LabelMode::kSingleLabel, "single_label"}};

// A non-empty array of numbers in `range`.
template <typename Get>
config::Field<C> number_list(std::string key, Get get, Range range) {
  config::Field<C> f(key);
  f.read = [get, range](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    const json* v = s.get_raw(leaf);
    if (!v) return;
    const std::string allowed = "a non-empty array of numbers (" + range.text + ")";
    if (!v->is_array() || v->empty()) s.type_error(leaf, allowed);
    std::vector<double> out;
    for (const json& x : *v) {
      if (!x.is_number()) s.type_error(leaf, allowed);
      config::check_range(s.path(leaf), x.get<double>(), range);
      out.push_back(x.get<double>());
    }
    get(c) = out;
  };
  f.write = [get](const C& c) { return json(get(c)); };
  f.check = [get, range](const C& c, const std::string& path) {
    if (get(c).empty()) invalid(path, "must not be empty");
    for (double x : get(c)) config::check_range(path, x, range);
  };
  return f;
}

config::Field<C> encoder_config_field() {
  config::Field<C> f("encoder.config", models::encoder_fields().keys());
  f.read = [](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    const json* v = s.get_raw(leaf);
    if (v && !v->is_null()) {
      c.encoder_config = models::EncoderConfig::from_json(*v, s.path(leaf));
      c.encoder_config_given = true;
    }
  };
  // null when the encoder comes from encoder.run (its stored config is the architecture).
  f.write = [](const C& c) { return c.encoder_config_given ? c.encoder_config.to_json() : json(); };
  return f;
}

void check_rules(const C& c) {
  if (c.data.cache.empty()) {
    invalid("data.cache", "required: the prepared dataset directory (acl_prepare --out DIR)");
  }
  if (needs_pretrained(c.protocol) && c.encoder_run.empty()) {
    invalid("encoder.run", std::string("required by protocol \"") + protocol_name(c.protocol) +
                               "\": the pretraining run directory holding encoder.safetensors");
  }
  if (!c.encoder_run.empty() && c.encoder_config_given) {
    invalid("encoder.config",
            "give either encoder.run (its stored encoder config is used) or encoder.config, not "
            "both");
  }
  for (double f : c.label_fractions) {
    if (!(f > 0 && f <= 1)) config::out_of_range("label_fractions", f, "0 < fraction <= 1");
  }
}

config::FieldTable<C> make_table() {
  using config::integer;
  using config::number;
  config::FieldTable<C> t;
  t.add(integer<C>("seed", ACL_FIELD(seed), 0, "seed >= 0"))
      .add(config::string<C>("out_dir", ACL_FIELD(out_dir), "expected a non-empty string"))
      .add(config::string<C>("name", ACL_FIELD(name)))
      .add(config::choice<C>("protocol", ACL_FIELD(protocol), kProtocols, "protocol"))
      .add(config::choice<C>("label_mode", ACL_FIELD(label_mode), kLabelModes, "label mode"))
      .add(config::string<C>("encoder.run", ACL_FIELD(encoder_run)))
      .add(encoder_config_field())
      .add(config::string<C>("data.cache", ACL_FIELD(data.cache)))
      .add(config::string<C>("data.train_split", ACL_FIELD(data.train_split), "a split name"))
      .add(config::string<C>("data.val_split", ACL_FIELD(data.val_split), "a split name"))
      .add(config::string<C>("data.test_split", ACL_FIELD(data.test_split), "a split name"))
      .add(integer<C>("data.crop", ACL_FIELD(data.crop), 0, "crop >= 0 (0: the whole record)"))
      .add(integer<C>("data.batch_size", ACL_FIELD(data.batch_size), 1, "batch_size >= 1"))
      .add(number_list("label_fractions", ACL_FIELD(label_fractions),
                       {0, true, 1, false, "0 < fraction <= 1"}))
      .add(integer<C>("label_seeds", ACL_FIELD(label_seeds), 1, "label_seeds >= 1"))
      .add(number_list("probe.l2_grid", ACL_FIELD(probe.l2_grid), Range::at_least(0, "l2 >= 0")))
      .add(integer<C>("probe.max_iterations", ACL_FIELD(probe.max_iterations), 1,
                      "max_iterations >= 1"))
      .add(number<C>("probe.tolerance", ACL_FIELD(probe.tolerance),
                     Range::above(0, "tolerance > 0")))
      .add(integer<C>("finetune.epochs", ACL_FIELD(finetune.epochs), 1, "epochs >= 1"))
      .add(integer<C>("finetune.batch_size", ACL_FIELD(finetune.batch_size), 2,
                      "batch_size >= 2 (BatchNorm needs two records)"))
      .add(number<C>("finetune.lr", ACL_FIELD(finetune.lr), Range::above(0, "lr > 0")))
      .add(number<C>("finetune.encoder_lr_scale", ACL_FIELD(finetune.encoder_lr_scale),
                     Range::at_least(0, "encoder_lr_scale >= 0 (0 freezes the encoder)")))
      .add(number<C>("finetune.weight_decay", ACL_FIELD(finetune.weight_decay),
                     Range::at_least(0, "weight_decay >= 0")))
      .add(integer<C>("finetune.patience", ACL_FIELD(finetune.patience), 1, "patience >= 1"))
      .add(integer<C>("bootstrap.resamples", ACL_FIELD(bootstrap_resamples), 0,
                      "resamples >= 0 (0: no intervals)"))
      .add(number<C>("bootstrap.level", ACL_FIELD(bootstrap_level),
                     {0, true, 1, true, "0 < level < 1"}))
      .add(config::boolean<C>("fold_batchnorm", ACL_FIELD(fold_batchnorm)))
      .add(config::string<C>("device", ACL_FIELD(device), "\"auto\", \"cpu\" or \"cuda\""));
  t.rule([](const C& c, const std::string&) { check_rules(c); });
  return t;
}

}  // namespace

const char* protocol_name(Protocol p) {
  return config::name_of(kProtocols, p).c_str();
}

const char* label_mode_name(LabelMode m) {
  return config::name_of(kLabelModes, m).c_str();
}

const config::FieldTable<EvalConfig>& eval_fields() {
  static const config::FieldTable<EvalConfig> t = make_table();
  return t;
}

EvalConfig EvalConfig::from_json(const nlohmann::json& j, const std::string& where) {
  return config::read_config(eval_fields(), j, where);
}

nlohmann::json EvalConfig::to_json() const {
  return eval_fields().write(*this);
}

void apply_eval_overrides(nlohmann::json& j, const std::vector<std::string>& overrides) {
  config::apply_overrides(j, overrides, eval_fields().keys(), "label_seeds=3");
}

EvalConfig load_eval_config(const std::string& file, const std::vector<std::string>& overrides) {
  json j = config::read_json_file(file);
  apply_eval_overrides(j, overrides);
  return EvalConfig::from_json(j, file);
}

}  // namespace acl::eval
