// One evaluation run (acl_eval): the protocol of `config` at every label fraction, each fraction
// < 1 drawn config.label_seeds times (seeds seed, seed + 1, ...; metrics::sample_label_fraction,
// class-stratified and nested, so every method gets the same draws for the same seed), scored on
// the test split: per draw the macro AUROC / AUPRC, per fraction their mean and sd over draws and
// the bootstrap interval of the pooled test predictions of all draws. Multi-label: one sigmoid per
// class; single-label: the records with one label, softmax; macro one-vs-rest over the classes
// with positives and negatives in the test split.
// finetune / supervised start every draw from the same encoder (the pretrained one, or the random
// init of seed `seed`); the draw's seed sets the head's init and the record order.
// The leakage check (linear_probe, finetune) compares the pretraining run's records (its config's
// data.cache and data.split) with the evaluation's validation and test records, by record name,
// and by patient when both caches store patients.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/eval/eval_config.h"
#include "train/metrics/metrics.h"

namespace acl::eval {

struct DrawResult {
  uint64_t seed = 0;
  int64_t n_labelled = 0;
  double macro_auroc = 0, macro_auprc = 0;
  double l2 = 0;       // linear_probe / random_init: the chosen L2 strength
  int best_epoch = 0;  // finetune / supervised: the epoch kept
};

struct ResultRow {
  double label_fraction = 1;
  std::vector<DrawResult> draws;
  double auroc_mean = 0, auroc_sd = 0, auprc_mean = 0, auprc_sd = 0;  // sd: 0 for one draw
  metrics::BootstrapResult ci;            // pooled test predictions of every draw
  metrics::ClassificationMetrics pooled;  // per class, pooled
  std::vector<float> first_scores;        // (test n, k) of the first draw
};

struct LeakageCheck {
  bool checked = false;
  std::string note;  // why it was not checked, or what was compared
  int64_t val_overlap = 0, test_overlap = 0;
  std::vector<std::string> examples;  // up to 5 overlapping record names
  // When both caches store patients: validation / test records whose patient had a record in
  // pretraining (records of one patient share anatomy, so this leaks too).
  bool patients_checked = false;
  int64_t val_patient_overlap = 0, test_patient_overlap = 0;
};

struct EvalResults {
  EvalConfig config;
  std::string dataset, input;  // input: "whole record (N samples)" or "centred crop (N samples)"
  int generator_version = 0;   // the synthetic generator that made the cache; 0 for real data
  std::string encoder_file, encoder_config_hash;
  std::vector<std::string> label_names;
  std::vector<uint8_t> test_labels;  // (test n, k)
  int64_t test_n = 0;
  std::string device;
  LeakageCheck leakage;
  std::vector<ResultRow> rows;  // one per label fraction, config order
};

// Runs the evaluation; `log` receives progress lines. Throws with a message naming the key or the
// file for bad input.
EvalResults run_evaluation(const EvalConfig& config,
                           const std::function<void(const std::string&)>& log = {});

}  // namespace acl::eval
