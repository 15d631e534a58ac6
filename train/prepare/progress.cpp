#include "train/prepare/progress.h"

#include <cstdio>

namespace acl::prepare {

ProgressLine::ProgressLine(std::string label, int64_t total, bool enabled, double interval_s)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      interval_s_(interval_s),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressLine::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLine::update(int64_t done, int64_t failed) {
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_draw_).count() < interval_s_) return;
  last_draw_ = now;
  draw(done, failed, false);
}

void ProgressLine::finish(int64_t done, int64_t failed) {
  draw(done, failed, true);
}

void ProgressLine::draw(int64_t done, int64_t failed, bool final_line) {
  if (!enabled_) return;
  double t = elapsed_s();
  double rate = t > 0 ? static_cast<double>(done) / t : 0.0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  std::fprintf(stderr, "\r%s %lld/%lld records (%lld bad)  %.0f records/s  %s %.0f s   ",
               label_.c_str(), static_cast<long long>(done), static_cast<long long>(total_),
               static_cast<long long>(failed), rate, final_line ? "took" : "ETA",
               final_line ? t : eta);
  if (final_line) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace acl::prepare
