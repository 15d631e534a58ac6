#include "train/eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "engine/util/strings.h"
#include "train/metrics/score_table.h"
#include "train/pretrain/run_dir.h"

namespace acl::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string row_key(const json& row) {
  char f[32];
  std::snprintf(f, sizeof f, "%g", row.at("label_fraction").get<double>());
  return row.at("method").get<std::string>() + " / " + row.at("protocol").get<std::string>() +
         " / " + row.value("label_mode", "multi_label") + " @ " + f;
}

std::string fixed(const json& v, int digits) {
  if (!v.is_number()) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>());
  return buf;
}

}  // namespace

json result_rows(const EvalResults& r) {
  json rows = json::array();
  const EvalConfig& c = r.config;
  const std::string ci_text =
      std::to_string(static_cast<int>(std::lround(c.bootstrap_level * 100))) +
      " % percentile bootstrap over test records of the pooled draws (" +
      std::to_string(c.bootstrap_resamples) + " resamples, seed " + std::to_string(c.seed) + ")";
  for (const ResultRow& row : r.rows) {
    json draws = json::array(), seeds = json::array();
    double n_mean = 0;
    for (const DrawResult& d : row.draws) {
      json jd{{"seed", d.seed},
              {"n_labelled", d.n_labelled},
              {"macro_auroc", metrics::number_or_null(d.macro_auroc)},
              {"macro_auprc", metrics::number_or_null(d.macro_auprc)}};
      if (trains_encoder(c.protocol)) {
        jd["best_epoch"] = d.best_epoch;
      } else {
        jd["l2"] = d.l2;
      }
      draws.push_back(jd);
      seeds.push_back(d.seed);
      n_mean += static_cast<double>(d.n_labelled) / static_cast<double>(row.draws.size());
    }
    json per_class = json::object();
    json left_out = json::array();
    for (size_t i = 0; i < r.label_names.size(); ++i)
      per_class[r.label_names[i]] = metrics::number_or_null(row.pooled.auroc.at(i));
    for (int i : row.pooled.classes_left_out) left_out.push_back(r.label_names.at(i));
    json leak{{"checked", r.leakage.checked},
              {"note", r.leakage.note},
              {"val_overlap", r.leakage.val_overlap},
              {"test_overlap", r.leakage.test_overlap},
              {"examples", r.leakage.examples},
              {"patients_checked", r.leakage.patients_checked},
              {"val_patient_overlap", r.leakage.val_patient_overlap},
              {"test_patient_overlap", r.leakage.test_patient_overlap}};
    rows.push_back(
        {{"method", c.label()},
         {"protocol", protocol_name(c.protocol)},
         {"label_mode", label_mode_name(c.label_mode)},
         {"label_fraction", row.label_fraction},
         {"n_labelled", n_mean},
         {"seeds", seeds},
         {"macro_auroc", metrics::number_or_null(row.auroc_mean)},
         {"macro_auroc_sd", metrics::number_or_null(row.auroc_sd)},
         {"macro_auroc_ci",
          {metrics::number_or_null(row.ci.macro_auroc.lo),
           metrics::number_or_null(row.ci.macro_auroc.hi)}},
         {"macro_auprc", metrics::number_or_null(row.auprc_mean)},
         {"macro_auprc_sd", metrics::number_or_null(row.auprc_sd)},
         {"macro_auprc_ci",
          {metrics::number_or_null(row.ci.macro_auprc.lo),
           metrics::number_or_null(row.ci.macro_auprc.hi)}},
         {"pooled_macro_auroc", metrics::number_or_null(row.pooled.macro_auroc)},
         {"pooled_macro_auprc", metrics::number_or_null(row.pooled.macro_auprc)},
         {"ci", ci_text},
         {"auprc_definition", "average precision, step-wise (scikit-learn)"},
         {"per_draw", draws},
         {"per_class_auroc", per_class},
         {"classes_left_out", left_out},
         {"encoder_file", r.encoder_file},
         {"encoder_config_hash", r.encoder_config_hash},
         {"dataset", r.dataset},
         {"generator_version", r.generator_version},
         {"cache", c.data.cache},
         {"split",
          {{"train", c.data.train_split}, {"val", c.data.val_split}, {"test", c.data.test_split}}},
         {"input", r.input},
         {"device", r.device},
         {"leakage", leak}});
  }
  return rows;
}

std::string results_markdown(const json& results) {
  std::vector<double> fractions;
  std::vector<std::string> methods;
  std::map<std::string, json> cell;
  for (const json& row : results.at("rows")) {
    const double f = row.at("label_fraction").get<double>();
    const std::string mode = row.value("label_mode", "multi_label");
    const std::string m =
        row.at("method").get<std::string>() + " | " + row.at("protocol").get<std::string>() +
        (mode == "multi_label" ? "" : " (" + mode + ")") + " | " + row.value("input", "");
    if (std::find(fractions.begin(), fractions.end(), f) == fractions.end()) fractions.push_back(f);
    if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
    cell[m + "@" + std::to_string(f)] = row;
  }
  std::sort(fractions.begin(), fractions.end());
  std::ostringstream md;
  md << "| method | protocol | encoder input |";
  for (double f : fractions) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %g %% labels |", f * 100);
    md << buf;
  }
  md << "\n|---|---|---|";
  for (size_t i = 0; i < fractions.size(); ++i) md << "---|";
  md << "\n";
  for (const std::string& m : methods) {
    md << "| " << m << " |";
    for (double f : fractions) {
      auto it = cell.find(m + "@" + std::to_string(f));
      if (it == cell.end()) {
        md << " |";
        continue;
      }
      const json& r = it->second;
      const bool several = r.at("seeds").size() > 1;
      auto part = [&](const std::string& key) {
        std::string s = fixed(r.at(key), 4);
        if (several) s += " ± " + fixed(r.at(key + "_sd"), 4);
        const json& ci = r.at(key + "_ci");
        if (ci[0].is_number()) s += " [" + fixed(ci[0], 4) + ", " + fixed(ci[1], 4) + "]";
        return s;
      };
      md << " AUROC " << part("macro_auroc") << "<br>AUPRC " << part("macro_auprc") << " |";
    }
    md << "\n";
  }
  md << "\nMacro AUROC / AUPRC on the test split (one-vs-rest; multi_label: one sigmoid per class, "
        "single_label: softmax over the records with one label; AUPRC = average precision). Label "
        "fractions below 100 % are the mean ± sd over the draws (seeds listed in results.json). "
        "Intervals: percentile bootstrap over test records of the pooled test predictions of "
        "every draw; they surround the pooled value (results.json: pooled_macro_auroc / "
        "pooled_macro_auprc), which can sit below the mean of the draws when the draws' models "
        "are calibrated differently.\n";
  if (!results.at("rows").empty()) {
    const json& r0 = results.at("rows")[0];
    md << "Dataset: " << r0.value("dataset", "");
    if (r0.value("generator_version", 0) > 0) {
      md << " (generator v" << r0.value("generator_version", 0) << ")";
    }
    md << ", test split \"" << r0.at("split").value("test", "") << "\".\n";
  }
  for (const json& row : results.at("rows")) {
    const json& l = row.at("leakage");
    if (l.value("test_overlap", 0) + l.value("val_overlap", 0) > 0) {
      md << "\n**Leakage warning** (" << row_key(row) << "): " << l.at("test_overlap")
         << " test and " << l.at("val_overlap")
         << " validation records were seen in pretraining.\n";
    }
    if (l.value("test_patient_overlap", 0) + l.value("val_patient_overlap", 0) > 0) {
      md << "\n**Patient leakage warning** (" << row_key(row)
         << "): " << l.at("test_patient_overlap") << " test and " << l.at("val_patient_overlap")
         << " validation records belong to patients seen in pretraining.\n";
    }
  }
  return md.str();
}

void write_results(const std::string& dir, const EvalResults& r,
                   std::vector<std::string>* replaced) {
  fs::create_directories(dir);
  const fs::path file = fs::path(dir) / "results.json";
  json results{{"rows", json::array()}};
  if (fs::exists(file)) {
    std::ifstream in(file);
    try {
      results = json::parse(in);
    } catch (const json::exception& e) {  // parse_error, out_of_range (number overflow)
      throw std::runtime_error(file.string() + ": not valid JSON (" + e.what() +
                               "); move it away to start a new results file");
    }
    if (!results.is_object() || !results.contains("rows") || !results["rows"].is_array()) {
      throw std::runtime_error(file.string() + ": expected {\"rows\": [...]}");
    }
  }
  const json fresh = result_rows(r);
  json kept = json::array();
  for (const json& old : results["rows"]) {
    bool same = false;
    for (const json& n : fresh) same = same || row_key(old) == row_key(n);
    if (same && replaced) replaced->push_back(row_key(old));
    if (!same) kept.push_back(old);
  }
  for (const json& n : fresh) kept.push_back(n);
  results["rows"] = kept;
  pretrain::write_text_atomic(file.string(), results.dump(2) + "\n");
  pretrain::write_text_atomic((fs::path(dir) / "results.md").string(), results_markdown(results));

  if (r.rows.empty()) return;
  const ResultRow& last = r.rows.back();  // the largest fraction given last in the config
  std::ostringstream csv;
  const size_t k = r.label_names.size();
  for (size_t c = 0; c < k; ++c) csv << (c ? "," : "") << "score_" << r.label_names[c];
  for (size_t c = 0; c < k; ++c) csv << ",label_" << r.label_names[c];
  csv << "\n";
  for (int64_t i = 0; i < r.test_n; ++i) {
    for (size_t c = 0; c < k; ++c) csv << (c ? "," : "") << last.first_scores[i * k + c];
    for (size_t c = 0; c < k; ++c) csv << "," << int(r.test_labels[i * k + c]);
    csv << "\n";
  }
  pretrain::write_text_atomic((fs::path(dir) / ("test_scores_" + r.config.label() + "_" +
                                                protocol_name(r.config.protocol) + ".csv"))
                                  .string(),
                              csv.str());
}

std::vector<std::string> rows_to_replace(const std::string& dir, const EvalConfig& config) {
  const fs::path file = fs::path(dir) / "results.json";
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  json results;
  std::ifstream in(file);
  try {
    results = json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(file.string() + ": not valid JSON (" + e.what() +
                             "); move it away to start a new results file");
  }
  if (!results.is_object() || !results.contains("rows") || !results["rows"].is_array())
    throw std::runtime_error(file.string() + ": expected {\"rows\": [...]}");
  for (double f : config.label_fractions) {
    const std::string key = row_key(json{{"method", config.label()},
                                         {"protocol", protocol_name(config.protocol)},
                                         {"label_mode", label_mode_name(config.label_mode)},
                                         {"label_fraction", f}});
    for (const json& old : results["rows"]) {
      if (old.is_object() && old.contains("method") && old.contains("protocol") &&
          old.contains("label_fraction") && row_key(old) == key) {
        out.push_back(key);
        break;
      }
    }
  }
  return out;
}

void check_results_dir(const std::string& dir, const EvalConfig& config, bool overwrite) {
  const std::vector<std::string> rows = rows_to_replace(dir, config);
  if (rows.empty() || overwrite) return;
  throw std::runtime_error((fs::path(dir) / "results.json").string() + " already holds the rows " +
                           strings::join(rows, "; ") +
                           " of this evaluation; give --overwrite to replace them (the "
                           "earlier files are kept as results.json.old-<K> and "
                           "results.md.old-<K>), another --out, or another name (--set name=...)");
}

std::vector<std::string> keep_earlier_results(const std::string& dir) {
  std::vector<std::string> copies;
  std::error_code ec;
  const int k = pretrain::first_free_old_suffix(
      {(fs::path(dir) / "results.json").string(), (fs::path(dir) / "results.md").string()});
  for (const char* name : {"results.json", "results.md"}) {
    const fs::path from = fs::path(dir) / name;
    if (!fs::exists(from, ec)) continue;
    const fs::path to = fs::path(dir) / (std::string(name) + ".old-" + std::to_string(k));
    fs::copy_file(from, to);
    copies.push_back(to.string());
  }
  return copies;
}

}  // namespace acl::eval
