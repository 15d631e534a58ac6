#include "train/pretrain/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/io/checkpoint.h"
#include "train/pretrain/run_dir.h"

namespace acl::pretrain {
namespace {

nlohmann::ordered_json number_or_null(bool present, double v) {
  if (!present || !std::isfinite(v)) return nullptr;
  return v;
}

}  // namespace

void IntervalStats::add(const StepValues& v) {
  sum_.loss += v.loss;
  sum_.loss_global += v.loss_global;
  sum_.loss_region += v.loss_region;
  sum_.acc_global += v.acc_global;
  sum_.acc_region += v.acc_region;
  ++steps_;
}

StepValues IntervalStats::mean() const {
  StepValues m;
  if (steps_ == 0) return m;
  const auto n = static_cast<double>(steps_);
  m.loss = sum_.loss / n;
  m.loss_global = sum_.loss_global / n;
  m.loss_region = sum_.loss_region / n;
  m.acc_global = sum_.acc_global / n;
  m.acc_region = sum_.acc_region / n;
  return m;
}

std::map<std::string, std::string> IntervalStats::save() const {
  return {{"interval.steps", std::to_string(steps_)},
          {"interval.loss", exact_double_string(sum_.loss)},
          {"interval.loss_global", exact_double_string(sum_.loss_global)},
          {"interval.loss_region", exact_double_string(sum_.loss_region)},
          {"interval.acc_global", exact_double_string(sum_.acc_global)},
          {"interval.acc_region", exact_double_string(sum_.acc_region)}};
}

void IntervalStats::load(const std::map<std::string, std::string>& extra) {
  IntervalStats s;
  s.sum_.loss = extra_double(extra, "interval.loss", "train state");
  s.sum_.loss_global = extra_double(extra, "interval.loss_global", "train state");
  s.sum_.loss_region = extra_double(extra, "interval.loss_region", "train state");
  s.sum_.acc_global = extra_double(extra, "interval.acc_global", "train state");
  s.sum_.acc_region = extra_double(extra, "interval.acc_region", "train state");
  const double steps = extra_double(extra, "interval.steps", "train state");
  if (!(steps >= 0) || steps != std::floor(steps)) {
    throw std::runtime_error("train state: extra.interval.steps is not a count");
  }
  s.steps_ = static_cast<int64_t>(steps);
  *this = s;
}

MetricsLog::MetricsLog(const std::string& run_dir, int64_t resume_step)
    : path_((std::filesystem::path(run_dir) / kMetricsFile).string()) {
  std::vector<std::string> kept;
  if (resume_step >= 0) {
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      try {
        nlohmann::json j = nlohmann::json::parse(line);
        if (j.at("step").get<int64_t>() <= resume_step) kept.push_back(line);
      } catch (const nlohmann::json::exception&) {
        // a line torn by a killed process: dropped
      }
    }
  }
  if (resume_step >= 0) {
    // Replaced atomically: a run killed here keeps its earlier metrics.
    std::string text;
    for (const std::string& line : kept) text += line + '\n';
    write_text_atomic(path_, text);
    out_.open(path_, std::ios::out | std::ios::app);
  } else {
    out_.open(path_, std::ios::out | std::ios::trunc);
  }
  if (!out_) throw std::runtime_error("cannot write " + path_);
}

void MetricsLog::write(const MetricsRecord& r) {
  nlohmann::ordered_json j;  // keys in the order documented in metrics.h
  j["step"] = r.step;
  j["epoch"] = r.epoch;
  j["loss"] = number_or_null(true, r.mean.loss);
  j["loss_global"] = number_or_null(r.has_global, r.mean.loss_global);
  j["loss_region"] = number_or_null(r.has_region, r.mean.loss_region);
  j["acc_global"] = number_or_null(r.has_global, r.mean.acc_global);
  j["acc_region"] = number_or_null(r.has_region, r.mean.acc_region);
  j["lr"] = r.lr;
  j["grad_norm"] = number_or_null(true, r.grad_norm);
  j["samples_per_s"] = r.samples_per_s;
  j["skipped"] = r.skipped;
  j["gpu_mem_bytes"] = r.gpu_mem_bytes;
  j["gpu_mem_peak_bytes"] = r.gpu_mem_peak_bytes;
  j["elapsed_s"] = r.elapsed_s;
  out_ << j.dump() << '\n';
  out_.flush();
  if (!out_) throw std::runtime_error("cannot write " + path_);
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[64];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", s);
  }
  return buf;
}

std::string progress_line(const MetricsRecord& r, int64_t total_steps, double eta_s) {
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof buf, "epoch %llu  step %lld/%lld  loss %.4f",
                static_cast<unsigned long long>(r.epoch), static_cast<long long>(r.step),
                static_cast<long long>(total_steps), r.mean.loss);
  os << buf;
  if (r.has_global && r.has_region) {
    std::snprintf(buf, sizeof buf, " (g %.4f r %.4f)  acc g %.3f r %.3f", r.mean.loss_global,
                  r.mean.loss_region, r.mean.acc_global, r.mean.acc_region);
  } else if (r.has_global) {
    std::snprintf(buf, sizeof buf, "  acc %.3f", r.mean.acc_global);
  } else {
    std::snprintf(buf, sizeof buf, "  acc r %.3f", r.mean.acc_region);
  }
  os << buf;
  std::snprintf(buf, sizeof buf, "  lr %.2e  %.0f samples/s", r.lr, r.samples_per_s);
  os << buf;
  if (r.skipped > 0) os << "  skipped " << r.skipped;
  if (r.gpu_mem_peak_bytes > 0) {
    std::snprintf(buf, sizeof buf, "  gpu mem %.0f MiB (peak %.0f)",
                  static_cast<double>(r.gpu_mem_bytes) / (1 << 20),
                  static_cast<double>(r.gpu_mem_peak_bytes) / (1 << 20));
    os << buf;
  }
  os << "  "
     << (r.step >= total_steps ? "took " + format_duration(r.elapsed_s)
                               : "ETA " + format_duration(eta_s));
  return os.str();
}

}  // namespace acl::pretrain
