// Training metrics: per-interval means, RUN/metrics.jsonl and the progress line.
//
// metrics.jsonl holds one JSON object per logged step (every train.log_every steps and at the
// last step):
//   {"step": 120, "epoch": 3, "loss": 4.21, "loss_global": 2.03, "loss_region": 2.18,
//    "acc_global": 0.61, "acc_region": 0.37, "lr": 0.00098, "grad_norm": 1.7,
//    "samples_per_s": 812.5, "skipped": 0, "gpu_mem_bytes": 0, "gpu_mem_peak_bytes": 0,
//    "elapsed_s": 18.4}
// Losses and accuracies are means over the optimizer steps since the previous line; lr and
// grad_norm are those of the logged step; samples_per_s counts records (each gives n_views views)
// over the interval's wall time; skipped is the running count of batches skipped for a non-finite
// loss; gpu_mem_* are the CUDA caching allocator's current and peak bytes (0 on the CPU). A term
// the method does not have is null.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace acl::pretrain {

struct StepValues {
  double loss = 0, loss_global = 0, loss_region = 0, acc_global = 0, acc_region = 0;
};

// Sums of StepValues over an interval. save()/load() round-trip the sums exactly (hexadecimal
// floating point), so a resumed run logs the same means as a run that never stopped.
class IntervalStats {
 public:
  void add(const StepValues& v);
  StepValues mean() const;
  int64_t steps() const { return steps_; }
  void reset() { *this = IntervalStats(); }
  std::map<std::string, std::string> save() const;  // keys "interval.*"
  // Restores from save()'s keys; throws std::runtime_error naming a malformed key.
  void load(const std::map<std::string, std::string>& extra);

 private:
  StepValues sum_;
  int64_t steps_ = 0;
};

struct MetricsRecord {
  int64_t step = 0;
  uint64_t epoch = 0;
  StepValues mean;
  bool has_global = true, has_region = true;
  double lr = 0, grad_norm = 0, samples_per_s = 0, elapsed_s = 0;
  int64_t skipped = 0;
  uint64_t gpu_mem_bytes = 0, gpu_mem_peak_bytes = 0;
};

// Appends records to RUN/metrics.jsonl, one flushed line each.
class MetricsLog {
 public:
  // A fresh run (`resume_step` < 0) starts the file empty; a resumed run keeps the lines up to
  // `resume_step` and drops later ones (written after the checkpoint it resumes from).
  MetricsLog(const std::string& run_dir, int64_t resume_step);
  void write(const MetricsRecord& r);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

// "epoch 3  step 120/600  loss 4.2103 (g 2.0311 r 2.1792)  acc g 0.61 r 0.37  lr 9.80e-04
//  812 samples/s  ETA 1m02s"
std::string progress_line(const MetricsRecord& r, int64_t total_steps, double eta_s);
// "1h02m", "4m05s", "12s".
std::string format_duration(double seconds);

}  // namespace acl::pretrain
