#include "tools/bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <utility>

namespace acl::bench {

const char* const kCsvHeader =
    "device,kernel,shape,dims,impl,median_ms,gbs,tflops,pct_peak_bw,pct_peak_flops,peak_kind,"
    "check_error,check_tol,check_ref,status,note,mem_bytes";

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char s[32];
  std::snprintf(s, sizeof(s), "%.6g", v);
  return s;
}

std::string memory(double bytes) {
  if (!std::isfinite(bytes)) return "";
  char s[48];
  std::snprintf(s, sizeof(s), "  mem %.4g MiB", bytes / (1024.0 * 1024.0));
  return s;
}

std::string percent(double v) {
  if (!std::isfinite(v)) return "-";
  char s[32];
  std::snprintf(s, sizeof(s), "%.1f%%", v);
  return s;
}

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "-";
  char s[32];
  std::snprintf(s, sizeof(s), "%.*f", digits, v);
  return s;
}

}  // namespace

void fill_rates(Row& r, double ms, double flops, double bytes, double peak_gbs,
                double peak_tflops) {
  r.ms = ms;
  r.gbs = bytes / (ms * 1e-3) / 1e9;
  r.tflops = flops / (ms * 1e-3) / 1e12;
  r.pct_bw = 100.0 * r.gbs / peak_gbs;  // NaN when the peak is unknown (NaN)
  r.pct_flops = 100.0 * r.tflops / peak_tflops;
}

Report::Report(std::string device, const std::string& csv_path) : device_(std::move(device)) {
  if (csv_path.empty()) return;
  csv_.open(csv_path);
  if (!csv_) throw std::runtime_error("cannot write " + csv_path);
  csv_ << kCsvHeader << '\n' << std::flush;
}

void Report::print_header() const {
  std::printf("%-36s %-10s %10s %9s %7s %9s %7s %9s\n", "kernel/shape", "impl", "median_ms", "GB/s",
              "%bw", "TFLOP/s", "%peak", "check");
}

void Report::add(const Row& r) {
  if (r.status == "ok") {
    std::printf("%-36s %-10s %10.4f %9.4g %7s %9.4g %7s %9.1e%s\n", r.name().c_str(),
                r.impl.c_str(), r.ms, r.gbs, percent(r.pct_bw).c_str(), r.tflops,
                percent(r.pct_flops).c_str(), r.error, memory(r.mem_bytes).c_str());
  } else if (r.status == "check_failed") {
    std::printf("%-36s %-10s CHECK FAILED: relative error %.3g > %.1g against %s\n",
                r.name().c_str(), r.impl.c_str(), r.error, r.tol, r.check_ref.c_str());
  } else {
    std::printf("%-36s %-10s ERROR: %s\n", r.name().c_str(), r.impl.c_str(), r.note.c_str());
  }
  std::fflush(stdout);
  if (csv_.is_open()) {
    csv_ << csv_field(device_) << ',' << csv_field(r.kernel) << ',' << csv_field(r.shape) << ','
         << csv_field(r.dims) << ',' << csv_field(r.impl) << ',' << csv_number(r.ms) << ','
         << csv_number(r.gbs) << ',' << csv_number(r.tflops) << ',' << csv_number(r.pct_bw) << ','
         << csv_number(r.pct_flops) << ',' << r.peak_kind << ',' << csv_number(r.error) << ','
         << csv_number(r.tol) << ',' << csv_field(r.check_ref) << ',' << r.status << ','
         << csv_field(r.note) << ',' << csv_number(r.mem_bytes) << '\n'
         << std::flush;
  }
  rows_.push_back(r);
}

int Report::failures() const {
  int n = 0;
  for (const Row& r : rows_) n += r.status != "ok";
  return n;
}

void Report::print_conv_summary() const {
  std::vector<std::string> impls, shapes;
  std::map<std::pair<std::string, std::string>, std::pair<double, int>> total;  // ms, passes
  for (const Row& r : rows_) {
    if (r.kernel.rfind("conv1d_", 0) != 0) continue;
    if (std::find(impls.begin(), impls.end(), r.impl) == impls.end()) impls.push_back(r.impl);
    if (std::find(shapes.begin(), shapes.end(), r.shape) == shapes.end()) {
      shapes.push_back(r.shape);
    }
    if (r.status != "ok") continue;
    auto& t = total[{r.shape, r.impl}];
    t.first += r.ms;
    t.second += 1;
  }
  if (shapes.empty()) return;
  auto sum_ms = [&](const std::string& shape, const std::string& impl) {
    auto it = total.find({shape, impl});
    return it != total.end() && it->second.second == 3 ? it->second.first : kNaN;
  };
  std::vector<std::string> others;
  for (const std::string& i : impls) {
    if (i != "acl") others.push_back(i);
  }
  std::printf(
      "\nconv1d fwd+dgrad+wgrad: sum of the three medians (ms); x = its time / acl's "
      "(> 1: acl faster)\n");
  std::printf("%-24s", "shape");
  for (const std::string& i : impls) std::printf(" %12s", (i + "_ms").c_str());
  for (const std::string& i : others) std::printf(" %12s", ("x_" + i).c_str());
  std::printf("\n");
  std::vector<double> log_sum(others.size(), 0.0), worst(others.size(), kNaN);
  std::vector<int> count(others.size(), 0);
  for (const std::string& s : shapes) {
    std::printf("%-24s", s.c_str());
    for (const std::string& i : impls) std::printf(" %12s", fixed(sum_ms(s, i), 4).c_str());
    const double ours = sum_ms(s, "acl");
    for (size_t k = 0; k < others.size(); ++k) {
      const double ratio = sum_ms(s, others[k]) / ours;
      std::printf(" %12s", fixed(ratio, 3).c_str());
      const bool extreme = s.rfind("small_", 0) == 0 || s.rfind("large_", 0) == 0;
      if (!extreme && std::isfinite(ratio) && ratio > 0) {
        log_sum[k] += std::log(ratio);
        count[k] += 1;
        if (!(worst[k] <= ratio)) worst[k] = ratio;
      }
    }
    std::printf("\n");
  }
  if (others.empty()) return;
  std::printf("%-24s", "geomean (encoders)");
  for (size_t k = 0; k < impls.size(); ++k) std::printf(" %12s", "");
  for (size_t k = 0; k < others.size(); ++k) {
    std::printf(" %12s", fixed(count[k] > 0 ? std::exp(log_sum[k] / count[k]) : kNaN, 3).c_str());
  }
  std::printf("\n%-24s", "minimum (encoders)");
  for (size_t k = 0; k < impls.size(); ++k) std::printf(" %12s", "");
  for (size_t k = 0; k < others.size(); ++k) std::printf(" %12s", fixed(worst[k], 3).c_str());
  std::printf("\n");
}

}  // namespace acl::bench
