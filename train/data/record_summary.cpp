#include "train/data/record_summary.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "train/data/data_error.h"
#include "train/data/record_metadata.h"

namespace acl::data {

nlohmann::ordered_json record_summary_json(const Record& r) {
  nlohmann::ordered_json j;
  j["record"] = r.name;
  j["header"] = r.header_path;
  j["fs"] = r.fs;
  j["n_sig"] = r.n_sig;
  j["sig_len"] = r.n_samples;
  j["duration_s"] = r.fs > 0.0 ? static_cast<double>(r.n_samples) / r.fs : 0.0;
  if (!r.uniform_rate()) {
    nlohmann::ordered_json spf = nlohmann::ordered_json::array(),
                           rates = nlohmann::ordered_json::array();
    for (int i = 0; i < r.n_sig; ++i) {
      spf.push_back(r.samples_per_frame(i));
      rates.push_back(r.signal_fs(i));
    }
    j["samples_per_frame"] = spf;
    j["signal_fs"] = rates;
  }
  if (!r.header.base_time.empty()) j["base_time"] = r.header.base_time;
  if (!r.header.base_date.empty()) j["base_date"] = r.header.base_date;
  // Built as locals: ordered_json keeps members in a vector, so references into j would dangle.
  using Json = nlohmann::ordered_json;
  Json leads = Json::array(), units = Json::array(), gains = Json::array(),
       baselines = Json::array(), formats = Json::array(), files = Json::array(),
       checksum_ok = Json::array(), init_ok = Json::array();
  for (const auto& s : r.signals) {
    leads.push_back(s.description);
    units.push_back(s.units);
    gains.push_back(s.gain);
    baselines.push_back(s.baseline);
    formats.push_back(s.format);
    files.push_back(s.file_name);
    checksum_ok.push_back(s.checksum_ok);
    init_ok.push_back(s.initial_value_ok);
  }
  j["leads"] = leads;
  j["units"] = units;
  j["gains"] = gains;
  j["baselines"] = baselines;
  j["formats"] = formats;
  j["files"] = files;
  j["checksum_ok"] = checksum_ok;
  j["initial_value_ok"] = init_ok;
  const RecordMetadata m = parse_record_metadata(r.header.comments);
  if (m.has_age) j["age"] = m.age;
  if (!m.sex.empty()) j["sex"] = m.sex;
  if (!m.dx_codes.empty()) j["dx_codes"] = m.dx_codes;
  if (!m.labels.empty()) j["labels"] = m.labels;
  return j;
}

void write_signal_csv(const Record& r, std::ostream& out) {
  if (r.physical.size() != static_cast<size_t>(r.total_samples())) {
    throw DataError(r.header_path + ": no physical signal to write (read with physical = true)");
  }
  if (!r.uniform_rate()) {
    throw DataError(r.header_path +
                    ": multi-frequency record (signals at different rates): one CSV table holds "
                    "one rate; resample the signals first");
  }
  for (int i = 0; i < r.n_sig; ++i) {
    const std::string& name = r.signals[i].description;
    bool quote = name.find_first_of(",\"\r\n") != std::string::npos;
    if (i) out << ',';
    if (quote) {
      out << '"';
      for (char c : name) out << (c == '"' ? "\"\"" : std::string(1, c));
      out << '"';
    } else {
      out << name;
    }
  }
  out << '\n';
  char buf[32];
  std::string line;
  for (int64_t t = 0; t < r.n_samples; ++t) {
    line.clear();
    for (int i = 0; i < r.n_sig; ++i) {
      if (i) line += ',';
      std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(r.lead(i)[t]));
      line += buf;
    }
    line += '\n';
    out << line;
  }
}

void write_signal_csv_file(const Record& r, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw DataError("cannot write " + path + ": " + std::strerror(errno));
  write_signal_csv(r, f);
  f.flush();
  if (!f) throw DataError("error writing " + path + ": " + std::strerror(errno));
}

}  // namespace acl::data
