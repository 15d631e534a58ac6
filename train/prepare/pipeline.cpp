#include "train/prepare/pipeline.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "models/leads.h"
#include "train/cache/cache_writer.h"
#include "train/prepare/progress.h"

namespace acl::prepare {

int64_t stored_length(const PrepareOptions& o) {
  return std::llround(o.fs * o.seconds);
}

nlohmann::json preprocessing_json(const PrepareOptions& o) {
  nlohmann::json j = {{"fs", o.fs},
                      {"seconds", o.seconds},
                      {"crop", "center"},
                      {"standardize_per_lead", o.standardize},
                      {"allow_missing_leads", o.allow_missing_leads},
                      {"seed", o.seed}};
  if (o.bandpass) {
    j["bandpass"] = {{"low_hz", o.band_low_hz},
                     {"high_hz", o.band_high_hz},
                     {"order", o.band_order},
                     {"zero_phase", true}};
  }
  return j;
}

std::string split_for(const std::string& name, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ (seed * 0x9E3779B97F4A7C15ull);
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  int bucket = static_cast<int>(h % 10);
  return bucket < 8 ? "train" : (bucket == 8 ? "val" : "test");
}

std::string synthetic_patient_key(uint64_t patient_id) {
  return "p" + std::to_string(patient_id);
}

namespace {

std::string tsv_field(std::string s) {
  std::replace(s.begin(), s.end(), '\t', ' ');
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

}  // namespace

PrepareSummary run_pipeline(const std::string& dataset, const std::vector<Job>& jobs,
                            const ProcessFn& process, std::vector<std::string> label_names,
                            nlohmann::json preprocessing, const PrepareOptions& options) {
  namespace fs = std::filesystem;
  if (options.out.empty()) throw std::invalid_argument("prepare: no output directory given");
  const bool growing_vocabulary = label_names.empty();
  std::map<std::string, size_t> label_index;
  for (size_t k = 0; k < label_names.size(); ++k) label_index[label_names[k]] = k;

  cache::CacheSpec spec;
  spec.dataset = dataset;
  spec.fs = options.fs;
  spec.length = stored_length(options);
  spec.lead_names = leads::lead_names();
  spec.label_names = label_names;
  spec.records_per_shard = options.records_per_shard;
  spec.preprocessing = std::move(preprocessing);
  cache::CacheWriter writer(options.out, spec);

  PrepareSummary summary;
  summary.cache_dir = options.out;
  summary.bad_records_file = (fs::path(options.out) / "bad_records.tsv").string();
  int threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  ProgressLine progress("prepare", static_cast<int64_t>(jobs.size()), options.progress);

  const size_t chunk = static_cast<size_t>(threads) * 64;
  std::vector<std::optional<PreparedRecord>> results;
  std::vector<std::string> errors;
  for (size_t begin = 0; begin < jobs.size(); begin += chunk) {
    size_t end = std::min(jobs.size(), begin + chunk);
    results.assign(end - begin, std::nullopt);
    errors.assign(end - begin, std::string());
    std::atomic<size_t> next{begin};
    auto worker = [&] {
      for (size_t i = next++; i < end; i = next++) {
        try {
          results[i - begin] = process(i);
        } catch (const std::exception& e) {
          errors[i - begin] = e.what();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& th : pool) th.join();

    for (size_t i = begin; i < end; ++i) {
      std::optional<PreparedRecord>& r = results[i - begin];
      std::string reason = errors[i - begin];
      if (r) {
        std::vector<uint8_t> multi_hot(label_names.size(), 0);
        for (const std::string& l : r->labels) {
          auto it = label_index.find(l);
          if (it == label_index.end()) {
            if (!growing_vocabulary) {
              reason = "label '" + l + "' is not in the label set";
              break;
            }
            it = label_index.emplace(l, label_names.size()).first;
            label_names.push_back(l);
            writer.set_label_names(label_names);
            multi_hot.push_back(0);
          }
          multi_hot[it->second] = 1;
        }
        if (reason.empty()) {
          writer.append(jobs[i].name, r->signal.data(), r->rpeaks, multi_hot, r->split, r->patient);
          ++summary.prepared;
          if (!r->note.empty()) summary.notes.push_back({jobs[i].name, jobs[i].file, r->note});
        }
      }
      if (!reason.empty()) summary.bad.push_back({jobs[i].name, jobs[i].file, reason});
      r.reset();
    }
    progress.update(static_cast<int64_t>(end), static_cast<int64_t>(summary.bad.size()));
  }
  writer.finish();
  progress.finish(static_cast<int64_t>(jobs.size()), static_cast<int64_t>(summary.bad.size()));

  std::ofstream bad(summary.bad_records_file);
  bad << "record\tfile\treason\n";
  for (const BadRecord& b : summary.bad) {
    bad << tsv_field(b.record) << '\t' << tsv_field(b.file) << '\t' << tsv_field(b.reason) << '\n';
  }
  if (!bad) throw std::runtime_error("prepare: cannot write " + summary.bad_records_file);
  if (!summary.notes.empty()) {
    summary.notes_file = (fs::path(options.out) / "notes.tsv").string();
    std::ofstream notes(summary.notes_file);
    notes << "record\tfile\tnote\n";
    for (const BadRecord& n : summary.notes) {
      notes << tsv_field(n.record) << '\t' << tsv_field(n.file) << '\t' << tsv_field(n.reason)
            << '\n';
    }
    if (!notes) throw std::runtime_error("prepare: cannot write " + summary.notes_file);
  }
  summary.seconds = progress.elapsed_s();
  return summary;
}

}  // namespace acl::prepare
