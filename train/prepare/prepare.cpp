#include "train/prepare/prepare.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "engine/util/strings.h"
#include "train/data/ptbxl.h"
#include "train/data/record_metadata.h"
#include "train/data/wfdb_header.h"
#include "train/data/wfdb_record.h"
#include "train/prepare/pipeline.h"
#include "train/prepare/record_preprocess.h"
#include "train/synth/generator.h"

namespace acl::prepare {
namespace fs = std::filesystem;

namespace {

// The segment and layout headers that the multi-segment master headers among `headers` name. A
// header that cannot be parsed names nothing (it is listed as a bad record when prepared).
std::set<fs::path> segment_headers(const std::vector<fs::path>& headers) {
  std::set<fs::path> out;
  for (const fs::path& h : headers) {
    data::WfdbHeader master;
    try {
      master = data::read_wfdb_header(h.string());
    } catch (const std::exception&) {
      continue;
    }
    for (const data::WfdbSegment& seg : master.segments) {
      if (seg.name != "~") out.insert((h.parent_path() / (seg.name + ".hea")).lexically_normal());
    }
  }
  return out;
}

}  // namespace

PrepareSummary prepare_synthetic(int64_t n_records, const PrepareOptions& o) {
  if (n_records <= 0) throw std::invalid_argument("prepare: --synthetic needs a positive count");
  synth::SynthConfig cfg;
  cfg.seed = o.seed;
  cfg.fs = o.fs;
  cfg.duration_s = o.seconds;
  std::vector<Job> jobs;
  for (int64_t i = 0; i < n_records; ++i) {
    jobs.push_back({"synth_" + std::to_string(i), "synthetic:" + std::to_string(i)});
  }
  std::vector<std::string> names(synth::label_names().begin(), synth::label_names().end());
  nlohmann::json pre = preprocessing_json(o);
  pre["generator"] = {{"version", synth::kGeneratorVersion},
                      {"seed", o.seed},
                      {"fs", o.fs},
                      {"seconds", o.seconds}};
  auto process = [&](size_t i) {
    synth::SynthRecord r = synth::generate_record(cfg, i);
    PreparedRecord out;
    out.signal = std::move(r.signal);
    out.rpeaks = std::move(r.rpeaks);
    finish_signal(out.signal, r.n_samples, out.rpeaks, false, o);
    for (size_t k = 0; k < names.size(); ++k)
      if (r.labels[k]) out.labels.push_back(names[k]);
    out.patient = synthetic_patient_key(r.patient_id);
    out.split = split_for(out.patient, o.seed);  // no patient crosses train/val/test
    return out;
  };
  return run_pipeline("synthetic", jobs, process, names, pre, o);
}

PrepareSummary prepare_wfdb_dir(const std::string& dir, bool cinc_labels, const PrepareOptions& o) {
  if (!fs::is_directory(dir))
    throw std::invalid_argument("prepare: '" + dir + "' is not a directory");
  std::vector<fs::path> headers;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".hea")
      headers.push_back(entry.path());
  }
  const std::set<fs::path> segments = segment_headers(headers);
  std::vector<Job> jobs;
  for (const fs::path& h : headers) {
    if (segments.count(h.lexically_normal())) continue;
    fs::path rel = fs::relative(h, dir);
    jobs.push_back({rel.replace_extension().string(), h.string()});
  }
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.name < b.name; });
  if (jobs.empty()) throw std::invalid_argument("prepare: no .hea header under '" + dir + "'");
  auto process = [&](size_t i) {
    data::Record rec = data::read_record(jobs[i].file);
    PreparedRecord out = preprocess_record(rec, o);
    data::RecordMetadata meta = data::parse_record_metadata(rec.header.comments);
    out.labels = cinc_labels ? meta.dx_codes : meta.labels;
    // The header comments name no patient (record_metadata.h): each record is its own patient.
    out.split = split_for(jobs[i].name, o.seed);
    return out;
  };
  return run_pipeline(cinc_labels ? "cinc" : "wfdb", jobs, process, {}, preprocessing_json(o), o);
}

PrepareSummary prepare_ptbxl(const std::string& dir, const std::string& task_name, int rate,
                             const PrepareOptions& o) {
  data::PtbxlTask task;
  if (!data::ptbxl_task_from_name(task_name, &task)) {
    throw std::invalid_argument("prepare: PTB-XL task '" + task_name + "' is not one of " +
                                strings::join(data::ptbxl_task_names()));
  }
  if (rate != 100 && rate != 500) {
    throw std::invalid_argument("prepare: PTB-XL rate " + std::to_string(rate) +
                                " is not 100 or 500");
  }
  data::ScpStatements statements =
      data::read_scp_statements((fs::path(dir) / "scp_statements.csv").string());
  std::vector<data::PtbxlRecord> rows =
      data::read_ptbxl_database((fs::path(dir) / "ptbxl_database.csv").string());
  std::vector<Job> jobs;
  for (const auto& r : rows) {
    std::string file = rate == 100 ? r.filename_lr : r.filename_hr;
    jobs.push_back({std::to_string(r.ecg_id), (fs::path(dir) / file).string()});
  }
  nlohmann::json pre = preprocessing_json(o);
  pre["ptbxl"] = {{"task", task_name}, {"rate", rate}};
  auto process = [&](size_t i) {
    data::Record rec = data::read_record(jobs[i].file);
    PreparedRecord out = preprocess_record(rec, o);
    out.labels = data::ptbxl_labels(rows[i].scp_codes, statements, task);
    out.patient = std::to_string(rows[i].patient_id);  // strat_fold keeps patients together
    data::Split s = data::ptbxl_split(rows[i].strat_fold);
    out.split =
        s == data::Split::kTrain ? "train" : (s == data::Split::kValidation ? "val" : "test");
    return out;
  };
  return run_pipeline("ptbxl", jobs, process, data::ptbxl_label_vocabulary(statements, task), pre,
                      o);
}

}  // namespace acl::prepare
