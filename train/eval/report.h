// The results of evaluations as files: results.json ({"rows": [...]}, one row per method,
// protocol and label fraction with every number and where it came from), results.md (a Markdown
// table, method x label fraction) and test_scores_<method>_<protocol>.csv (the first draw's test
// probabilities at the largest label fraction, with the labels, for ROC/PR plots).
//
// A row: {"method", "protocol", "label_mode" ("multi_label" / "single_label"), "label_fraction",
// "n_labelled",
//   "seeds", "macro_auroc", "macro_auroc_sd", "macro_auroc_ci": [lo, hi], "macro_auprc", ...,
//   "ci": "...", "per_draw": [...], "per_class_auroc": {...}, "classes_left_out": [...],
//   "encoder_file", "encoder_config_hash", "dataset", "cache", "split", "input", "leakage": {...}}
// macro_auroc / macro_auprc are means over the draws, pooled_macro_* the values of the pooled
// predictions of every draw (what the interval is around); AUPRC is average precision (step-wise,
// as scikit-learn's average_precision_score).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "train/eval/evaluate.h"

namespace acl::eval {

// The rows of `r` as JSON objects.
nlohmann::json result_rows(const EvalResults& r);

// The Markdown table of results.json's rows: one line per (method, protocol), one column per
// label fraction, "AUROC [lo, hi] / AUPRC [lo, hi]" (mean +- sd when there are several draws).
std::string results_markdown(const nlohmann::json& results);

// Writes DIR/results.json and DIR/results.md holding `rows` added to the rows DIR/results.json
// already has; an existing row with the same method, protocol, label mode and label fraction is
// replaced and its key returned in *replaced. Files are written atomically. Also writes the scores
// CSV.
void write_results(const std::string& dir, const EvalResults& r,
                   std::vector<std::string>* replaced = nullptr);

// The keys ("method / protocol / label mode @ fraction") of the rows an evaluation of `config`
// writes that DIR/results.json already holds: rows a new run would replace.
std::vector<std::string> rows_to_replace(const std::string& dir, const EvalConfig& config);
// Checked before an evaluation starts: throws std::runtime_error naming DIR/results.json and the
// rows when `config` would replace rows there and `overwrite` is false.
void check_results_dir(const std::string& dir, const EvalConfig& config, bool overwrite);
// Copies DIR/results.json and DIR/results.md to results.json.old-<K> and results.md.old-<K> (the
// first free K) before rows are replaced; returns the copies.
std::vector<std::string> keep_earlier_results(const std::string& dir);

}  // namespace acl::eval
