#include "train/eval/evaluate.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <unordered_set>

#include "train/cache/cache_reader.h"
#include "train/cache/generator_version.h"
#include "train/eval/embeddings.h"
#include "train/eval/encoder_source.h"
#include "train/eval/eval_data.h"
#include "train/eval/finetune.h"
#include "train/eval/linear_probe.h"
#include "train/metrics/label_fraction.h"
#include "train/metrics/leakage.h"
#include "train/pretrain/trainer.h"
#include "train/synth/generator.h"

namespace acl::eval {

namespace {

namespace fs = std::filesystem;
using Log = std::function<void(const std::string&)>;

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

std::vector<std::string> names_of(const cache::CacheReader& c, const std::vector<int64_t>& idx) {
  std::vector<std::string> out;
  out.reserve(idx.size());
  for (int64_t i : idx) out.push_back(c.name(i));
  return out;
}

// How many of `idx`'s records in `c` have a patient in `patients`.
int64_t records_of_patients(const cache::CacheReader& c, const std::vector<int64_t>& idx,
                            const std::unordered_set<std::string>& patients) {
  int64_t n = 0;
  for (int64_t i : idx) n += patients.count(c.patient(i)) ? 1 : 0;
  return n;
}

LeakageCheck check_leakage(const std::string& run_config, const EvalDataset& data) {
  LeakageCheck l;
  if (run_config.empty()) {
    l.note = "random encoder (no pretraining): nothing to compare";
    return l;
  }
  try {
    const nlohmann::json rc = nlohmann::json::parse(run_config);
    const std::string cache_dir = rc.at("data").at("cache").get<std::string>();
    const std::string split = rc.at("data").at("split").get<std::string>();
    if (!fs::exists(fs::path(cache_dir) / "index.json")) {
      l.note = "the pretraining cache " + cache_dir + " is not readable from here: not checked";
      return l;
    }
    const cache::CacheReader pre(cache_dir);
    const std::string pre_draw = cache::synthetic_draw(pre);
    const std::string eval_draw = cache::synthetic_draw(*data.cache);
    if (!pre_draw.empty() && !eval_draw.empty() && pre_draw != eval_draw) {
      l.checked = true;
      l.patients_checked = true;
      l.note = "pretraining records: " + cache_dir + " (" + pre_draw +
               "); evaluated records: " + eval_draw +
               ": different synthetic draws share no record or patient";
      return l;
    }
    std::vector<int64_t> idx;
    if (split == "all") {
      idx.resize(static_cast<size_t>(pre.size()));
      std::iota(idx.begin(), idx.end(), 0);
    } else {
      idx = pre.indices_of_split(split);
    }
    const std::vector<std::string> pre_names = names_of(pre, idx);
    const auto val =
        metrics::overlapping_records(pre_names, names_of(*data.cache, data.val.records));
    const auto test =
        metrics::overlapping_records(pre_names, names_of(*data.cache, data.test.records));
    l.checked = true;
    l.val_overlap = static_cast<int64_t>(val.size());
    l.test_overlap = static_cast<int64_t>(test.size());
    for (const auto* v : {&test, &val})
      for (size_t i = 0; i < v->size() && l.examples.size() < 5; ++i) l.examples.push_back((*v)[i]);
    l.note = "pretraining records: " + cache_dir + " split \"" + split + "\" (" +
             std::to_string(pre_names.size()) + " records), compared by record name";
    if (pre.has_patient_ids() && data.cache->has_patient_ids()) {
      std::unordered_set<std::string> patients;
      for (int64_t i : idx) patients.insert(pre.patient(i));
      l.patients_checked = true;
      l.val_patient_overlap = records_of_patients(*data.cache, data.val.records, patients);
      l.test_patient_overlap = records_of_patients(*data.cache, data.test.records, patients);
      l.note += " and by patient (" + std::to_string(patients.size()) + " patients)";
    }
  } catch (const std::exception& e) {
    l.note = std::string("not checked: ") + e.what();
  }
  return l;
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double sd_of(const std::vector<double>& v) {  // sample sd; 0 for one value
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace

EvalResults run_evaluation(const EvalConfig& config, const Log& log_in) {
  const Log log = log_in ? log_in : [](const std::string&) {};
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  EvalResults res;
  res.config = config;
  const Device device = pretrain::select_device(config.device, &res.device);
  const bool softmax = config.label_mode == LabelMode::kSingleLabel;
  // The encoder first: a wrong encoder path is reported before the dataset is read.
  LoadedEncoder enc = load_encoder(config);
  const EvalDataset data = open_eval_data(config.data, softmax);
  const int k = data.k;
  const int64_t len = input_length(*data.cache, config.data.crop);
  res.dataset = data.cache->dataset();
  res.generator_version = data.cache->synthetic_generator_version();
  res.input = (config.data.crop == 0 ? "whole record (" : "centred crop (") + std::to_string(len) +
              " samples)";
  res.label_names = data.label_names;
  res.test_labels = data.test.labels;
  res.test_n = data.test.size();
  const std::string generator_note =
      cache::generator_version_note(*data.cache, config.data.cache, synth::kGeneratorVersion);
  if (!generator_note.empty()) log(generator_note);
  log(config.label() + " / " + protocol_name(config.protocol) + " / " +
      label_mode_name(config.label_mode) + " on " + cache::describe_dataset(*data.cache) + ": " +
      std::to_string(data.train.size()) + " train, " + std::to_string(data.val.size()) + " val, " +
      std::to_string(data.test.size()) + " test records, " + std::to_string(k) + " labels; input " +
      res.input + "; device " + res.device);

  enc.encoder->to(device);
  if (len < enc.encoder->min_length()) {
    throw std::invalid_argument("data.crop: the encoder needs at least " +
                                std::to_string(enc.encoder->min_length()) +
                                " samples, the input "
                                "has " +
                                std::to_string(len));
  }
  res.encoder_file = enc.file;
  res.encoder_config_hash = enc.config_hash;
  // Only a pretrained encoder has seen records; a random one (random_init, supervised) has not.
  res.leakage = check_leakage(needs_pretrained(config.protocol) ? enc.run_config : "", data);
  if (res.leakage.checked && res.leakage.val_overlap + res.leakage.test_overlap > 0) {
    log("WARNING: leakage: " + std::to_string(res.leakage.test_overlap) + " test and " +
        std::to_string(res.leakage.val_overlap) + " validation records were seen in pretraining (" +
        res.leakage.note + ")");
  }
  if (res.leakage.val_patient_overlap + res.leakage.test_patient_overlap > 0) {
    log("WARNING: leakage: " + std::to_string(res.leakage.test_patient_overlap) + " test and " +
        std::to_string(res.leakage.val_patient_overlap) +
        " validation records belong to patients seen in pretraining (" + res.leakage.note + ")");
  }

  // Frozen-encoder protocols: embeddings once per split.
  Features ftr, fva, fte;
  const bool probe = !trains_encoder(config.protocol);
  if (probe) {
    for (auto split : {std::pair{&ftr, &data.train}, {&fva, &data.val}, {&fte, &data.test}}) {
      Features* f = split.first;  // named, not bound: C++17 lambdas cannot capture a binding
      const auto* s = split.second;
      int64_t next_report = 0;
      const double began = elapsed();
      f->x = compute_embeddings(*enc.encoder, *data.cache, s->records, config.data.crop,
                                config.data.batch_size, device, config.fold_batchnorm,
                                [&](int64_t done, int64_t total) {
                                  if (done >= next_report || done == total) {
                                    log("embeddings " + s->name + ": " + std::to_string(done) +
                                        "/" + std::to_string(total) + fmt(" (%.0f s)", elapsed()));
                                    next_report = done + std::max<int64_t>(total / 4, 1);
                                  }
                                });
      const double took = elapsed() - began;
      log("embeddings " + s->name +
          fmt(": %.3f s, %.0f records/s", took,
              took > 0 ? static_cast<double>(s->size()) / took : 0.0) +
          (config.fold_batchnorm ? " (conv + batch-norm folded)" : " (batch-norm unfolded)"));
      f->y = s->labels;
      f->n = s->size();
    }
  }
  const int64_t d = enc.encoder->embedding_dim();

  std::vector<int64_t> all(static_cast<size_t>(data.train.size()));
  std::iota(all.begin(), all.end(), 0);
  for (double fraction : config.label_fractions) {
    ResultRow row;
    row.label_fraction = fraction;
    const int draws = fraction < 1 ? config.label_seeds : 1;
    std::vector<float> pooled_scores;
    std::vector<uint8_t> pooled_labels;
    std::vector<double> aurocs, auprcs;
    for (int i = 0; i < draws; ++i) {
      DrawResult dr;
      dr.seed = config.seed + static_cast<uint64_t>(i);
      const std::vector<int64_t> rows =
          fraction < 1 ? metrics::sample_label_fraction(data.train.labels, data.train.size(), k,
                                                        all, fraction, 0, dr.seed)
                       : all;
      dr.n_labelled = static_cast<int64_t>(rows.size());
      std::vector<float> scores;
      if (probe) {
        ProbeResult p = linear_probe(ftr, rows, fva, fte, d, k, config.probe, softmax);
        dr.l2 = p.l2;
        scores = std::move(p.test_scores);
      } else {
        LoadedEncoder fresh = load_encoder(config);
        const double enc_lr = config.protocol == Protocol::kFinetune
                                  ? config.finetune.lr * config.finetune.encoder_lr_scale
                                  : config.finetune.lr;
        FinetuneResult f =
            finetune(*fresh.encoder, data, rows, config.finetune, enc_lr, config.data.crop,
                     config.data.batch_size, dr.seed, device, softmax, config.fold_batchnorm,
                     [&](const std::string& l) { log("  " + l); });
        dr.best_epoch = f.best_epoch;
        scores = std::move(f.test_scores);
      }
      const metrics::ClassificationMetrics m =
          metrics::classification_metrics(scores, data.test.labels, data.test.size(), k);
      dr.macro_auroc = m.macro_auroc;
      dr.macro_auprc = m.macro_auprc;
      aurocs.push_back(m.macro_auroc);
      auprcs.push_back(m.macro_auprc);
      log(fmt("fraction %g", fraction) + " seed " + std::to_string(dr.seed) + ": " +
          std::to_string(dr.n_labelled) + " labelled, test macro AUROC " +
          fmt("%.4f AUPRC %.4f (%.0f s)", m.macro_auroc, m.macro_auprc, elapsed()));
      if (i == 0) row.first_scores = scores;
      pooled_scores.insert(pooled_scores.end(), scores.begin(), scores.end());
      pooled_labels.insert(pooled_labels.end(), data.test.labels.begin(), data.test.labels.end());
      row.draws.push_back(dr);
    }
    const int64_t pooled_n = data.test.size() * draws;
    row.auroc_mean = mean_of(aurocs);
    row.auroc_sd = sd_of(aurocs);
    row.auprc_mean = mean_of(auprcs);
    row.auprc_sd = sd_of(auprcs);
    row.pooled = metrics::classification_metrics(pooled_scores, pooled_labels, pooled_n, k);
    if (config.bootstrap_resamples > 0) {
      row.ci =
          metrics::bootstrap_ci(pooled_scores, pooled_labels, pooled_n, k,
                                config.bootstrap_resamples, config.seed, config.bootstrap_level);
    }
    res.rows.push_back(std::move(row));
  }
  return res;
}

}  // namespace acl::eval
