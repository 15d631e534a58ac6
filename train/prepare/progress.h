// A progress line on stderr for long jobs: items done of total, failures, rate and ETA, redrawn at
// most every `interval_s` seconds (and once at the end).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace acl::prepare {

class ProgressLine {
 public:
  ProgressLine(std::string label, int64_t total, bool enabled, double interval_s = 0.5);
  void update(int64_t done, int64_t failed);
  void finish(int64_t done, int64_t failed);
  double elapsed_s() const;

 private:
  void draw(int64_t done, int64_t failed, bool final_line);
  std::string label_;
  int64_t total_;
  bool enabled_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace acl::prepare
