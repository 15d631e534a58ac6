#include "train/experiment/experiment_fields.h"

#include <string>
#include <utility>
#include <vector>

#include "train/augment/augment_fields.h"

namespace acl::experiment {

namespace {

using config::invalid;
using config::Range;
using nlohmann::json;
using C = ExperimentConfig;

const config::Names<Method> kMethods{
    {Method::kAcl, "acl"}, {Method::kSimclr, "simclr"}, {Method::kClocs, "clocs"}};
const config::Names<Positives> kPositives{{Positives::kRecord, "record"},
                                          {Positives::kPatient, "patient"}};
const config::Names<DataOrder> kOrders{{DataOrder::kRecords, "records"},
                                       {DataOrder::kPatients, "patients"}};
const config::Names<Split> kSplits{
    {Split::kTrain, "train"}, {Split::kVal, "val"}, {Split::kTest, "test"}, {Split::kAll, "all"}};
const config::Names<OptimizerName> kOptimizers{
    {OptimizerName::kSgd, "sgd"}, {OptimizerName::kAdamw, "adamw"}, {OptimizerName::kLars, "lars"}};
const config::Names<OnNonfinite> kOnNonfinite{{OnNonfinite::kStop, "stop"},
                                              {OnNonfinite::kSkip, "skip"}};
const config::Names<TrainDevice> kDevices{
    {TrainDevice::kAuto, "auto"}, {TrainDevice::kCpu, "cpu"}, {TrainDevice::kCuda, "cuda"}};
const config::Names<Precision> kPrecisions{{Precision::kF32, "f32"}};

std::string num(double x) {
  return strings::format_number(x);
}

// A field holding a nested config read by its own table (from_json) and written by to_json.
template <typename Get, typename Read>
config::Field<C> nested(std::string key, std::vector<std::string> sub_keys, Get get, Read read) {
  config::Field<C> f(key, std::move(sub_keys));
  f.read = [get, read](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    if (const json* v = s.get_raw(leaf)) read(*v, s.path(leaf), get(c));
  };
  f.write = [get](const C& c) { return get(c).to_json(); };
  return f;
}

config::Field<C> method_field() {
  config::Field<C> f("objective.method");
  // The method's defaults first: every other objective key is read on top of them.
  f.read = [](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    const std::string name = s.get_string(leaf, method_name(c.objective.method));
    c.objective = method_defaults(config::parse_name(kMethods, name, s.path(leaf), "method"));
  };
  f.write = [](const C& c) { return json(method_name(c.objective.method)); };
  return f;
}

config::Field<C> augmentations_field() {
  config::Field<C> f("objective.augmentations", augment::augment_fields().keys());
  f.read = [](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    if (const json* v = s.get_raw(leaf))
      augment::augment_fields().read(*v, s.path(leaf), c.objective.augmentations);
  };
  f.write = [](const C& c) { return augment::augment_fields().write(c.objective.augmentations); };
  return f;
}

config::Field<C> betas_field() {
  const std::string allowed = "an array of two numbers in [0, 1) ([beta1, beta2])";
  config::Field<C> f("optimizer.betas");
  f.read = [allowed](config::JsonObjectReader& s, const std::string& leaf, C& c) {
    const json* v = s.get_raw(leaf);
    if (!v) return;
    if (!v->is_array() || v->size() != 2) s.type_error(leaf, allowed);
    for (const json& b : *v) {
      if (!b.is_number() || !(b.get<double>() >= 0 && b.get<double>() < 1)) {
        s.type_error(leaf, allowed);
      }
    }
    c.optimizer.beta1 = (*v)[0].get<double>();
    c.optimizer.beta2 = (*v)[1].get<double>();
  };
  f.write = [](const C& c) { return json{c.optimizer.beta1, c.optimizer.beta2}; };
  return f;
}

// ---- rules across sections ---------------------------------------------------------------------

void check_data_and_schedule(const C& c) {
  if (c.data.cache.empty()) {
    invalid("data.cache",
            "required: the prepared dataset directory (acl_prepare --out DIR), e.g. "
            "\"data_cache/synthetic\"");
  }
  if (c.optimizer.min_lr > c.optimizer.lr) {
    config::out_of_range("optimizer.schedule.min_lr", c.optimizer.min_lr,
                         "0 <= min_lr <= optimizer.lr = " + num(c.optimizer.lr));
  }
  if (c.encoder.type == models::EncoderType::kLeadwise) {
    // Each lead-wise block divides the length by pool_size; the last block needs >= 1 sample.
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
}

void check_objective(const C& c) {
  const ObjectiveConfig& o = c.objective;
  if (o.lambda_g == 0 && o.lambda_r == 0) {
    invalid("objective.lambda_g", "both loss weights (lambda_g, lambda_r) are 0: nothing to train");
  }
  // Every key that contradicts the method, so that one run of the parser names them all.
  std::vector<std::pair<std::string, std::string>> conflicts;
  if (o.method != Method::kAcl && o.lambda_r > 0) {
    conflicts.emplace_back(
        "objective.lambda_r",
        "is " + json(o.lambda_r).dump() + ", but the region loss belongs to the acl method; " +
            method_name(o.method) + " trains the global loss only (set lambda_r to 0)");
  }
  if (o.method == Method::kAcl && o.lambda_r > 0 &&
      c.encoder.type != models::EncoderType::kLeadwise) {
    conflicts.emplace_back("model.encoder.type",
                           std::string("is \"") + models::encoder_type_name(c.encoder.type) +
                               "\", but the acl method with objective.lambda_r > 0 needs the "
                               "lead-wise encoder (regions pool lead embeddings); set it to "
                               "\"leadwise\" or set objective.lambda_r to 0");
  }
  if (o.method == Method::kClocs && !o.augmentations.segments.enabled) {
    conflicts.emplace_back("objective.augmentations.segments.enabled",
                           "the clocs method takes its views from adjacent segments of a record; "
                           "it must be true");
  }
  if (conflicts.size() == 1) invalid(conflicts[0].first, conflicts[0].second);
  if (conflicts.size() > 1) {
    std::string all = std::string("\"") + method_name(o.method) + "\" contradicts " +
                      std::to_string(conflicts.size()) + " keys; change every one:";
    for (const auto& [key, why] : conflicts) all += " " + key + ": " + why + ";";
    all.pop_back();
    invalid("objective.method", all);
  }
  if (o.method == Method::kAcl && o.lambda_r > 0) {
    c.heads.region.resolve(c.encoder.leads, "model.heads.region");
  }
}

config::FieldTable<C> make_table() {
  using config::boolean;
  using config::choice;
  using config::integer;
  using config::number;
  config::FieldTable<C> t;
  t.add(integer<C>("seed", ACL_FIELD(seed), 0, "seed >= 0"))
      .add(config::string<C>("out_dir", ACL_FIELD(out_dir), "expected a non-empty string"))
      // data
      .add(config::string<C>("data.cache", ACL_FIELD(data.cache)))
      .add(choice<C>("data.split", ACL_FIELD(data.split), kSplits, "split"))
      .add(integer<C>("data.view_length", ACL_FIELD(data.view_length), 1, "view_length >= 1"))
      .add(integer<C>("data.prefetch_batches", ACL_FIELD(data.prefetch_batches), 1,
                      "prefetch_batches >= 1"))
      .add(choice<C>("data.order", ACL_FIELD(data.order), kOrders, "order"))
      // model
      .add(nested("model.encoder", models::encoder_fields().keys(), ACL_FIELD(encoder),
                  [](const json& j, const std::string& at, models::EncoderConfig& e) {
                    e = models::EncoderConfig::from_json(j, at);
                  }))
      .add(nested("model.heads", models::heads_fields().keys(), ACL_FIELD(heads),
                  [](const json& j, const std::string& at, models::HeadsConfig& h) {
                    h = models::HeadsConfig::from_json(j, at);
                  }))
      // objective: the method first (it sets the defaults of the others)
      .add(method_field())
      .add(number<C>("objective.lambda_g", ACL_FIELD(objective.lambda_g),
                     Range::at_least(0, "lambda_g >= 0")))
      .add(number<C>("objective.lambda_r", ACL_FIELD(objective.lambda_r),
                     Range::at_least(0, "lambda_r >= 0")))
      .add(number<C>("objective.tau", ACL_FIELD(objective.tau), Range::above(0, "tau > 0")))
      .add(
          choice<C>("objective.positives", ACL_FIELD(objective.positives), kPositives, "positives"))
      .add(augmentations_field())
      // optimizer
      .add(choice<C>("optimizer.name", ACL_FIELD(optimizer.name), kOptimizers, "optimizer"))
      .add(number<C>("optimizer.lr", ACL_FIELD(optimizer.lr), Range::above(0, "lr > 0")))
      .add(number<C>("optimizer.weight_decay", ACL_FIELD(optimizer.weight_decay),
                     Range::at_least(0, "weight_decay >= 0")))
      .add(number<C>("optimizer.momentum", ACL_FIELD(optimizer.momentum),
                     {0, false, 1, true, "0 <= momentum < 1"}))
      .add(betas_field())
      .add(number<C>("optimizer.eps", ACL_FIELD(optimizer.eps), Range::above(0, "eps > 0")))
      .add(number<C>("optimizer.lars_eta", ACL_FIELD(optimizer.lars_eta),
                     Range::above(0, "lars_eta > 0")))
      .add(number<C>("optimizer.clip_grad_norm", ACL_FIELD(optimizer.clip_grad_norm),
                     Range::at_least(0, "clip_grad_norm >= 0")))
      .add(integer<C>("optimizer.schedule.warmup_steps", ACL_FIELD(optimizer.warmup_steps), 0,
                      "warmup_steps >= 0"))
      .add(number<C>("optimizer.schedule.min_lr", ACL_FIELD(optimizer.min_lr),
                     Range::at_least(0, "min_lr >= 0")))
      // train
      .add(integer<C>("train.steps", ACL_FIELD(train.steps), 1, "steps >= 1"))
      .add(integer<C>("train.batch_size", ACL_FIELD(train.batch_size), 2,
                      "batch_size >= 2 (the other records of the batch are the negatives)"))
      .add(integer<C>("train.log_every", ACL_FIELD(train.log_every), 1, "log_every >= 1"))
      .add(integer<C>("train.checkpoint_every", ACL_FIELD(train.checkpoint_every), 0,
                      "checkpoint_every >= 0"))
      .add(integer<C>("train.keep_checkpoints", ACL_FIELD(train.keep_checkpoints), 1,
                      "keep_checkpoints >= 1"))
      .add(choice<C>("train.on_nonfinite", ACL_FIELD(train.on_nonfinite), kOnNonfinite, "value"))
      .add(choice<C>("train.device", ACL_FIELD(train.device), kDevices, "device",
                     {{"gpu",
                       "unknown device \"gpu\"; did you mean \"cuda\"? (valid: \"auto\", "
                       "\"cpu\", \"cuda\")"}}))
      .add(choice<C>("train.precision", ACL_FIELD(train.precision), kPrecisions, "precision",
                     {{"bf16", "\"bf16\" (mixed precision) is not implemented yet; use \"f32\""}}))
      .add(boolean<C>("train.sync_bn", ACL_FIELD(train.sync_bn)))
      .add(number<C>("train.grad_bucket_mb", ACL_FIELD(train.grad_bucket_mb),
                     Range::above(0, "grad_bucket_mb > 0")))
      .add(number<C>("train.comm_timeout_s", ACL_FIELD(train.comm_timeout_s),
                     Range::above(0, "comm_timeout_s > 0")))
      .add(integer<C>("train.num_threads", ACL_FIELD(train.num_threads), 0,
                      "num_threads >= 0 (0: ACL_NUM_THREADS, else every usable core)"));
  t.rule([](const C& c, const std::string&) {
     check_data_and_schedule(c);
   }).rule([](const C& c, const std::string&) { check_objective(c); });
  return t;
}

}  // namespace

const config::FieldTable<ExperimentConfig>& experiment_fields() {
  static const config::FieldTable<ExperimentConfig> t = make_table();
  return t;
}

const char* method_name(Method m) {
  return config::name_of(kMethods, m).c_str();
}
const char* positives_name(Positives p) {
  return config::name_of(kPositives, p).c_str();
}
const char* split_name(Split s) {
  return config::name_of(kSplits, s).c_str();
}

TrainDevice parse_device(const std::string& name, const std::string& path) {
  return config::parse_name(kDevices, name, path, "device");
}

}  // namespace acl::experiment
