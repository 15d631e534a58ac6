// acl_bench's results: one Row per measured (kernel, shape, implementation), printed as a terminal
// table, written to the CSV file as it is measured, and summarised per conv1d shape at the end.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "tools/bench/check.h"

namespace acl::bench {

struct Row {
  std::string kernel, shape, dims, impl;  // kernel "conv1d_fwd", shape "r18_100hz_l1"
  double ms = kNaN, gbs = kNaN, tflops = kNaN, pct_bw = kNaN, pct_flops = kNaN;
  std::string peak_kind;  // "fp32", "tf32" or "" (no peak known)
  double error = kNaN, tol = kNaN;
  std::string check_ref;    // what the output was compared with
  std::string status;       // "ok", "check_failed" or "error"
  std::string note;         // cuDNN's algorithm, an error message, ...
  double mem_bytes = kNaN;  // device memory the call writes beyond its inputs (see kCsvHeader)
  std::string name() const { return kernel + "/" + shape; }
};

// The CSV columns; tools/bench_torch.py writes the same and tools/compare_bench.py reads them.
// mem_bytes: the memory one call needs beyond its inputs, outputs included. acl rows: computed,
// the buffers the kernels write (they allocate nothing themselves); PyTorch rows: measured, the
// caching allocator's peak during the call minus what was allocated before it. Empty where not
// reported (every row but the contrastive loss).
extern const char* const kCsvHeader;

// A row's rates from its median and its case's FLOP and byte counts; the fractions of the peaks
// are NaN where a peak is unknown (NaN).
void fill_rates(Row& r, double ms, double flops, double bytes, double peak_gbs, double peak_tflops);

class Report {
 public:
  // Opens `csv_path` (when not empty) and writes the header; `device` fills the device column.
  Report(std::string device, const std::string& csv_path);

  void print_header() const;
  // Prints the row, appends it to the CSV file (flushed) and keeps it for the summary.
  void add(const Row& r);
  // Rows whose status is not "ok".
  int failures() const;

  // Per conv1d shape: fwd + dgrad + wgrad medians summed per implementation (only when all three
  // passes of that implementation were timed), then every other implementation's total over
  // acl's (> 1: acl is faster), with the geometric mean and the minimum over the encoder shapes
  // that have both (the extremes, tags small_* and large_*, are printed but left out).
  void print_conv_summary() const;

 private:
  std::string device_;
  std::ofstream csv_;
  std::vector<Row> rows_;
};

}  // namespace acl::bench
