// Example records per label; see examples.h.
#include "train/synth_check/examples.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "models/leads.h"

namespace acl::synth_check {

std::vector<Example> find_examples(const synth::SynthConfig& cfg, uint64_t max_scan) {
  const auto& names = synth::label_names();
  const size_t n_labels = names.size();
  std::vector<Example> out(n_labels);
  // Rank of a record for a label: 2 x (number of true labels - 1) + (1 if it has artefacts);
  // 0 is the best possible.
  std::vector<int> best_rank(n_labels, 0);
  for (size_t c = 0; c < n_labels; ++c) out[c].label = names[c];
  size_t n_best = 0;
  for (uint64_t i = 0; i < max_scan && n_best < n_labels; ++i) {
    const synth::SynthRecord rec = synth::generate_record(cfg, i);
    const auto& y = rec.true_labels;
    int count = 0;
    for (size_t c = 0; c < n_labels; ++c) count += y[c] ? 1 : 0;
    const int rank = 2 * (count - 1) + (rec.artefacts != 0 ? 1 : 0);
    for (size_t c = 0; c < n_labels; ++c) {
      if (!y[c] || (out[c].found && best_rank[c] <= rank)) continue;
      Example& e = out[c];
      e.found = true;
      e.index = i;
      e.patient = rec.patient_id;
      e.visit = rec.visit;
      e.artefacts = rec.artefacts;
      e.labels.clear();
      for (size_t j = 0; j < n_labels; ++j) {
        if (y[j]) e.labels.emplace_back(names[j]);
      }
      e.file = e.label + ".csv";
      best_rank[c] = rank;
      if (rank == 0) ++n_best;
    }
  }
  return out;
}

namespace {

void write_csv(const synth::SynthRecord& rec, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("write_examples: cannot write " + path);
  std::fputs("t_s", f);
  for (const std::string& name : leads::lead_names()) std::fprintf(f, ",%s", name.c_str());
  std::fputc('\n', f);
  for (int i = 0; i < rec.n_samples; ++i) {
    std::fprintf(f, "%.4f", i / rec.fs);
    for (int l = 0; l < rec.n_leads; ++l) {
      std::fprintf(f, ",%.4f", rec.signal[static_cast<size_t>(l) * rec.n_samples + i]);
    }
    std::fputc('\n', f);
  }
  const bool failed = std::ferror(f) != 0;
  if (std::fclose(f) != 0 || failed) {
    throw std::runtime_error("write_examples: error writing " + path);
  }
}

}  // namespace

void write_examples(const synth::SynthConfig& cfg, uint64_t max_scan,
                    const std::vector<Example>& examples, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("write_examples: cannot create " + dir + ": " + ec.message());
  nlohmann::json j;
  j["seed"] = cfg.seed;
  j["fs"] = cfg.fs;
  j["duration_s"] = cfg.duration_s;
  j["noise_scale"] = cfg.noise_scale;
  j["scanned_up_to"] = max_scan;
  j["examples"] = nlohmann::json::object();
  j["not_found"] = nlohmann::json::array();
  for (const Example& e : examples) {
    if (!e.found) {
      j["not_found"].push_back(e.label);
      continue;
    }
    write_csv(synth::generate_record(cfg, e.index), (std::filesystem::path(dir) / e.file).string());
    j["examples"][e.label] = {{"index", e.index},   {"patient", e.patient},     {"visit", e.visit},
                              {"labels", e.labels}, {"artefacts", e.artefacts}, {"file", e.file}};
  }
  const std::string path = (std::filesystem::path(dir) / "examples.json").string();
  std::ofstream f(path);
  f << j.dump(2) << "\n";
  if (!f) throw std::runtime_error("write_examples: cannot write " + path);
}

}  // namespace acl::synth_check
