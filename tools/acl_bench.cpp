// acl_bench: microbenchmarks of the engine's kernels on the encoders' shapes, with cuDNN as the
// yardstick for conv1d. Methods, commands and results: docs/benchmarks.md.
//
// GPU (--device cuda, the default). Every case is checked before it is timed; then it is run
// `--warmup` times and timed `--reps` times, each repetition preceded by an L2 flush (a memset of a
// buffer twice the L2 size, outside the timed region) and timed with CUDA events on the compute
// stream. A row reports the median time, the achieved GB/s (minimum traffic: every input read once,
// every output written once) and TFLOP/s, and their fractions of the device's peaks (bandwidth from
// the memory clock and bus width; FP32 from SMs x FP32 lanes x 2 x SM clock; dense TF32 tensor-core
// FLOP/clock/SM where known: sm_80 and sm_90). Rows ("impl") per conv1d shape and pass:
//   acl         the engine's CUDA kernel (strict FP32: no TF32, no tensor cores); checked against
//               its CPU twin on the same shape with batch 2 (a full-batch CPU reference would take
//               minutes).
//   cudnn_fp32  cuDNN with CUDNN_FMA_MATH (strict FP32); checked against acl's CUDA output on the
//               same full-batch inputs.
//   cudnn_tf32  cuDNN with CUDNN_DEFAULT_MATH (TF32 tensor cores allowed on sm_80 and newer); the
//               same check with a looser tolerance.
// cuDNN rows exist when the build found cuDNN (ACL_HAVE_CUDNN; tools/bench_cudnn_conv.h). The
// convolutions have no bias (the encoders' have none), in every implementation. After the rows, a
// summary per conv1d shape: fwd + dgrad + wgrad (sum of the three medians) per implementation and
// cuDNN's time over acl's (> 1: acl is faster), with the geometric mean and the minimum over the
// encoder shapes (not the extremes).
//
// Pretraining kernels (acl only): the fused contrastive loss (kernels/contrastive.h) on
// M = 2 views x N records x R regions rows, as contrastive_fwd (the forward kernel),
// contrastive_bwd (the backward kernel) and contrastive_fwd_bwd (the engine's op on the raw z:
// l2_normalize, both kernels, l2_normalize backward), checked against the float64 CPU twin on the
// full shape for M <= 4096 and otherwise on the rows of the first 4096 / (2 R) records (the same
// kernels at M = 4096) plus 16 rows of the full-size result recomputed in float64; and one view of
// augment_view (kernels/augment.h) for a batch of 256 12-lead records, checked against
// augment_view_cpu on the same inputs. Their mem_bytes column is the memory the call writes (the
// kernels allocate nothing else).
//
// CPU (--device cpu): the conv1d CPU kernels (im2col + OpenBLAS; threads from
// OPENBLAS_NUM_THREADS) at batch --batch (default 8), each checked against the float64 CPU kernel
// on the same inputs, and the contrastive loss CPU twin (f32) at M <= 4096 against the same twin in
// float64, timed with a steady clock (median of --reps after --warmup; no cache flush).
//
// --csv FILE writes every row (also failed ones) as it is measured; tools/bench_torch.py writes the
// same columns and tools/compare_bench.py merges the two into docs/benchmarks.md's tables. --list
// prints the conv1d cases and their dimensions without running anything (bench_torch.py --list
// prints the same lines). Exit status: 0 when every check passed, 1 otherwise. Without a usable
// GPU (or in a CPU-only build) --device cuda says so and exits 0.
//
//   acl_bench [--device cuda|cpu] [--filter TEXT] [--impl TEXT] [--reps 10] [--warmup 2]
//             [--batch N] [--csv FILE] [--no-cudnn] [--list]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/device_select.h"
#include "engine/rng.h"
#include "engine/tensor.h"
#include "kernels/contrastive.h"
#include "kernels/conv1d.h"
#include "kernels/normalize.h"

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

#include "engine/cuda/cuda_check.h"
#include "engine/cuda/device_info.h"
#include "engine/cuda/stream.h"
#include "kernels/augment.h"
#include "kernels/batchnorm.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/pooling.h"
#include "kernels/softmax.h"
#ifdef ACL_HAVE_CUDNN
#include "tools/bench_cudnn_conv.h"
#endif
#endif

namespace {

using acl::Device;
using acl::DType;
using acl::Shape;
using acl::Tensor;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Options {
  std::string device = "cuda";
  std::string filter, impl_filter, csv;
  int reps = 10, warmup = 2, batch = 0;  // batch 0: each shape's own
  bool no_cudnn = false, list = false;
};

// ---- conv1d shapes ------------------------------------------------------------------------------
// Kept equal to CONV_SHAPES in tools/bench_torch.py (`acl_bench --list` and `bench_torch.py --list`
// print the same lines). Tags: r18 = resnet1d18 (EncoderConfig::resnet1d18: 12 leads, stem k15
// stride 2 + max_pool1d(3, 2, 1), stages of widths 64-128-256-512 with k7, stride 2 into stages
// 2-4 and a 1x1 stride-2 downsample "ds" on their shortcut); lw12 / lw8 = the lead-wise encoder
// (groups = leads, per-lead channels 8-16-32-64-64, k3, max_pool1d(2) after each block) on 12 leads
// and on the default 8 independent leads; 100hz / 250hz = 10 s records of 1000 / 2500 samples.
struct ConvShape {
  const char* tag;
  int B, Cin, Cout, L, K, stride, pad, groups;
};

const ConvShape kConvShapes[] = {
    // resnet1d18, 12 x 1000 (100 Hz): stem 1000 -> 500, pool -> 250, stages at 250/125/63/32
    {"r18_100hz_stem", 256, 12, 64, 1000, 15, 2, 7, 1},
    {"r18_100hz_l1", 256, 64, 64, 250, 7, 1, 3, 1},
    {"r18_100hz_l2_in", 256, 64, 128, 250, 7, 2, 3, 1},
    {"r18_100hz_l2_ds", 256, 64, 128, 250, 1, 2, 0, 1},
    {"r18_100hz_l2", 256, 128, 128, 125, 7, 1, 3, 1},
    {"r18_100hz_l3_in", 256, 128, 256, 125, 7, 2, 3, 1},
    {"r18_100hz_l3_ds", 256, 128, 256, 125, 1, 2, 0, 1},
    {"r18_100hz_l3", 256, 256, 256, 63, 7, 1, 3, 1},
    {"r18_100hz_l4_in", 256, 256, 512, 63, 7, 2, 3, 1},
    {"r18_100hz_l4_ds", 256, 256, 512, 63, 1, 2, 0, 1},
    {"r18_100hz_l4", 256, 512, 512, 32, 7, 1, 3, 1},
    // resnet1d18, 12 x 2500 (250 Hz): stem 2500 -> 1250, pool -> 625, stages at 625/313/157/79
    {"r18_250hz_stem", 256, 12, 64, 2500, 15, 2, 7, 1},
    {"r18_250hz_l1", 256, 64, 64, 625, 7, 1, 3, 1},
    {"r18_250hz_l2_in", 256, 64, 128, 625, 7, 2, 3, 1},
    {"r18_250hz_l2_ds", 256, 64, 128, 625, 1, 2, 0, 1},
    {"r18_250hz_l2", 256, 128, 128, 313, 7, 1, 3, 1},
    {"r18_250hz_l3_in", 256, 128, 256, 313, 7, 2, 3, 1},
    {"r18_250hz_l3_ds", 256, 128, 256, 313, 1, 2, 0, 1},
    {"r18_250hz_l3", 256, 256, 256, 157, 7, 1, 3, 1},
    {"r18_250hz_l4_in", 256, 256, 512, 157, 7, 2, 3, 1},
    {"r18_250hz_l4_ds", 256, 256, 512, 157, 1, 2, 0, 1},
    {"r18_250hz_l4", 256, 512, 512, 79, 7, 1, 3, 1},
    // lead-wise, 12 leads = 12 groups, 12 x 1000: blocks at 1000/500/250/125/62
    {"lw12_100hz_b1", 256, 12, 96, 1000, 3, 1, 1, 12},
    {"lw12_100hz_b2", 256, 96, 192, 500, 3, 1, 1, 12},
    {"lw12_100hz_b3", 256, 192, 384, 250, 3, 1, 1, 12},
    {"lw12_100hz_b4", 256, 384, 768, 125, 3, 1, 1, 12},
    {"lw12_100hz_b5", 256, 768, 768, 62, 3, 1, 1, 12},
    // lead-wise, 12 groups, 12 x 2500: blocks at 2500/1250/625/312/156
    {"lw12_250hz_b1", 256, 12, 96, 2500, 3, 1, 1, 12},
    {"lw12_250hz_b2", 256, 96, 192, 1250, 3, 1, 1, 12},
    {"lw12_250hz_b3", 256, 192, 384, 625, 3, 1, 1, 12},
    {"lw12_250hz_b4", 256, 384, 768, 312, 3, 1, 1, 12},
    {"lw12_250hz_b5", 256, 768, 768, 156, 3, 1, 1, 12},
    // lead-wise default: 8 independent leads = 8 groups, 8 x 1000
    {"lw8_100hz_b1", 256, 8, 64, 1000, 3, 1, 1, 8},
    {"lw8_100hz_b2", 256, 64, 128, 500, 3, 1, 1, 8},
    {"lw8_100hz_b3", 256, 128, 256, 250, 3, 1, 1, 8},
    {"lw8_100hz_b4", 256, 256, 512, 125, 3, 1, 1, 8},
    {"lw8_100hz_b5", 256, 512, 512, 62, 3, 1, 1, 8},
    // extremes: a latency-bound small batch on the shortest stage; a long sequence with the stem's
    // wide kernel at stage-1 width; the widest stage at the 250 Hz stage-2 length with k15
    {"small_b16_c64_l32", 16, 64, 64, 32, 7, 1, 3, 1},
    {"large_c64_l2500_k15", 256, 64, 64, 2500, 15, 1, 7, 1},
    {"large_c512_l313_k15", 256, 512, 512, 313, 15, 1, 7, 1},
};

enum class ConvPass { forward, backward_data, backward_weight };
constexpr ConvPass kConvPasses[] = {ConvPass::forward, ConvPass::backward_data,
                                    ConvPass::backward_weight};
const char* pass_name(ConvPass p) {
  return p == ConvPass::forward ? "fwd" : p == ConvPass::backward_data ? "dgrad" : "wgrad";
}

int conv_batch(const ConvShape& c, int batch_override) {
  return batch_override > 0 ? batch_override : c.B;
}

int conv_out_length(const ConvShape& c) {
  return acl::kernels::conv1d_out_length(c.L, c.K, c.stride, c.pad, 1);
}

// "B256 Cin12 Cout64 L1000 K15 s2 p7 g1 Lout500" (bench_torch.py writes the same text).
std::string conv_dims(const ConvShape& c, int B) {
  char s[160];
  std::snprintf(s, sizeof(s), "B%d Cin%d Cout%d L%d K%d s%d p%d g%d Lout%d", B, c.Cin, c.Cout, c.L,
                c.K, c.stride, c.pad, c.groups, conv_out_length(c));
  return s;
}

// The same for the three passes: one multiply-add per (output element, Cin/groups, K).
double conv_flops(const ConvShape& c, int B) {
  return 2.0 * B * c.Cout * conv_out_length(c) * (c.Cin / c.groups) * c.K;
}
// Each pass reads two of (x, w, dy or y) and writes the third.
double conv_bytes(const ConvShape& c, int B) {
  const double x = static_cast<double>(B) * c.Cin * c.L;
  const double y = static_cast<double>(B) * c.Cout * conv_out_length(c);
  const double w = static_cast<double>(c.Cout) * (c.Cin / c.groups) * c.K;
  return 4.0 * (x + y + w);
}

// Tolerances on max |got - ref| / max |ref|. FP32 against FP32 (or float64): the sums run over
// Cin/groups x K terms for fwd and dgrad; wgrad sums B x Lout terms, in a different order in every
// implementation, hence 10x looser. TF32 rounds each input to a 10-bit mantissa (relative error up
// to 2^-11, about 4.9e-4, per operand) before FP32 accumulation: on these random-normal inputs the
// rounding errors partly cancel and stay well below 1e-2 of the largest output, while a wrong
// layout, padding or algorithm gives errors of order 1.
double fp32_tolerance(ConvPass p) {
  return p == ConvPass::backward_weight ? 1e-3 : 1e-4;
}
constexpr double kTf32Tolerance = 1e-2;

// max |got - ref| / (max |ref|) over two host vectors; NaN when the sizes differ or any element
// of either is NaN (so an output element left unwritten over a NaN fill fails every tolerance).
template <typename A, typename B>
double rel_error(const std::vector<A>& got, const std::vector<B>& ref) {
  if (got.size() != ref.size()) return kNaN;
  double scale = 0, worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double r = static_cast<double>(ref[i]);
    const double e = std::fabs(static_cast<double>(got[i]) - r);
    if (std::isnan(e)) return kNaN;
    scale = std::max(scale, std::fabs(r));
    worst = std::max(worst, e);
  }
  return scale > 0 ? worst / scale : worst;
}

// The largest of several errors; NaN when any is NaN.
double worst_of(std::initializer_list<double> errors) {
  double w = 0;
  for (double e : errors) {
    if (std::isnan(e)) return kNaN;
    w = std::max(w, e);
  }
  return w;
}

double median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool selected(const Options& o, const std::string& name, const std::string& impl) {
  return (o.filter.empty() || name.find(o.filter) != std::string::npos) &&
         (o.impl_filter.empty() || impl.find(o.impl_filter) != std::string::npos);
}

// ---- results: the terminal table, the CSV file and the conv1d summary ---------------------------
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
const char* const kCsvHeader =
    "device,kernel,shape,dims,impl,median_ms,gbs,tflops,pct_peak_bw,pct_peak_flops,peak_kind,"
    "check_error,check_tol,check_ref,status,note,mem_bytes";

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

class Report {
 public:
  Report(std::string device, const std::string& csv_path) : device_(std::move(device)) {
    if (csv_path.empty()) return;
    csv_.open(csv_path);
    if (!csv_) throw std::runtime_error("cannot write " + csv_path);
    csv_ << kCsvHeader << '\n' << std::flush;
  }

  void print_header() const {
    std::printf("%-36s %-10s %10s %9s %7s %9s %7s %9s\n", "kernel/shape", "impl", "median_ms",
                "GB/s", "%bw", "TFLOP/s", "%peak", "check");
  }

  void add(const Row& r) {
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

  int failures() const {
    int n = 0;
    for (const Row& r : rows_) n += r.status != "ok";
    return n;
  }

  // Per conv1d shape: fwd + dgrad + wgrad medians summed per implementation (only when all three
  // passes of that implementation were timed), then every other implementation's total over
  // acl's (> 1: acl is faster), with the geometric mean and the minimum over the encoder shapes
  // that have both (the extremes, tags small_* and large_*, are printed but left out).
  void print_conv_summary() const {
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

 private:
  static std::string memory(double bytes) {
    if (!std::isfinite(bytes)) return "";
    char s[48];
    std::snprintf(s, sizeof(s), "  mem %.4g MiB", bytes / (1024.0 * 1024.0));
    return s;
  }
  static std::string percent(double v) {
    if (!std::isfinite(v)) return "-";
    char s[32];
    std::snprintf(s, sizeof(s), "%.1f%%", v);
    return s;
  }
  static std::string fixed(double v, int digits) {
    if (!std::isfinite(v)) return "-";
    char s[32];
    std::snprintf(s, sizeof(s), "%.*f", digits, v);
    return s;
  }

  std::string device_;
  std::ofstream csv_;
  std::vector<Row> rows_;
};

// A row's rates from its median and its case's FLOP and byte counts.
void fill_rates(Row& r, double ms, double flops, double bytes, double peak_gbs,
                double peak_tflops) {
  r.ms = ms;
  r.gbs = bytes / (ms * 1e-3) / 1e9;
  r.tflops = flops / (ms * 1e-3) / 1e12;
  r.pct_bw = 100.0 * r.gbs / peak_gbs;  // NaN when the peak is unknown (NaN)
  r.pct_flops = 100.0 * r.tflops / peak_tflops;
}

int list_conv_cases(const Options& o) {
  for (const ConvShape& c : kConvShapes) {
    for (ConvPass p : kConvPasses) {
      std::printf("conv1d_%s/%s %s\n", pass_name(p), c.tag,
                  conv_dims(c, conv_batch(c, o.batch)).c_str());
    }
  }
  return 0;
}

// ---- the contrastive loss: shapes, inputs and the float64 reference ---------------------------
// Kept equal to CONTRASTIVE_SHAPES in tools/bench_torch.py. M = kViews x N records x R regions
// rows of d dimensions, ordered as the trainer's ids (train/pretrain/objective.cpp): row
// (view * N + record) * R + region has ids (record, region, view). global_*: the projection
// head's loss (R = 1) at batch N; region_*: the four default anatomical regions; large_*: an
// extreme (not a configured batch). Each row has one positive (its other view), so every row is
// an anchor and anchors = M.
struct ContrastiveShape {
  const char* tag;
  int N, R, d;
};

constexpr int kViews = 2;
constexpr double kTau = 0.1;                 // objective.tau's default
constexpr int kContrastiveCheckRows = 4096;  // largest M checked against the CPU twin in full

const ContrastiveShape kContrastiveShapes[] = {
    {"global_b256", 256, 1, 128},      // M 512
    {"global_b512", 512, 1, 128},      // M 1024
    {"region_b256", 256, 4, 128},      // M 2048: the region loss at the configs' batch 256
    {"region_b512", 512, 4, 128},      // M 4096
    {"region_b512_d64", 512, 4, 64},   // M 4096, d 64
    {"region_b2048", 2048, 4, 128},    // M 16384
    {"large_b8192_r4", 8192, 4, 128},  // M 65536
};

enum class LossPass { forward, backward, forward_backward };
constexpr LossPass kLossPasses[] = {LossPass::forward, LossPass::backward,
                                    LossPass::forward_backward};
const char* loss_kernel(LossPass p) {
  return p == LossPass::forward    ? "contrastive_fwd"
         : p == LossPass::backward ? "contrastive_bwd"
                                   : "contrastive_fwd_bwd";
}

int contrastive_rows(const ContrastiveShape& c) {
  return kViews * c.N * c.R;
}

// "M4096 d128 N512 R4 V2 tau0.1" (bench_torch.py writes the same text).
std::string contrastive_dims(const ContrastiveShape& c) {
  char s[96];
  std::snprintf(s, sizeof(s), "M%d d%d N%d R%d V%d tau%g", contrastive_rows(c), c.d, c.N, c.R,
                kViews, kTau);
  return s;
}

// FLOPs counted: forward 2 M^2 d (the similarity matrix Z Z^T); backward 4 M^2 d (Z Z^T formed
// again, then the coefficient matrix times Z); fwd_bwd the sum, 6 M^2 d. The exp, the masks and
// the O(M d) normalisation are not counted.
double contrastive_flops(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c), base = 2.0 * m * m * c.d;
  return p == LossPass::forward ? base : p == LossPass::backward ? 2.0 * base : 3.0 * base;
}

// Minimum traffic: zhat (or z) and ids read once; forward writes the four row statistics,
// backward reads two of them and writes the gradient, fwd_bwd does both plus the normalisation's
// zhat and norms (written and read back once each).
double contrastive_bytes(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c), md = m * c.d;
  const double fwd = 4.0 * (md + 3 * m + 4 * m), bwd = 4.0 * (md + 3 * m + 2 * m + md);
  return p == LossPass::forward    ? fwd
         : p == LossPass::backward ? bwd
                                   : fwd + bwd + 4.0 * (2 * md + 2 * m + md);
}

// What the call writes beyond its inputs (the kernels allocate nothing else): forward the four
// row statistics and three scalars; backward the gradient; fwd_bwd zhat, the norms, the
// statistics, grad_loss, grad_zhat and grad_z. A naive implementation holds at least the M x M
// similarity matrix (4 M^2 bytes in f32) on top.
double contrastive_mem_bytes(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c), md = m * c.d;
  const double stats = 16.0 * m + 12.0;
  return p == LossPass::forward    ? stats
         : p == LossPass::backward ? 4.0 * md
                                   : 4.0 * md + 4.0 * m + stats + 4.0 + 8.0 * md;
}

std::string contrastive_memory_note(const ContrastiveShape& c, LossPass p) {
  const double m = contrastive_rows(c);
  char s[160];
  std::snprintf(s, sizeof(s), "writes %.4g MiB (%s); an M x M f32 matrix is %.4g MiB",
                contrastive_mem_bytes(c, p) / (1024.0 * 1024.0),
                p == LossPass::forward    ? "row statistics, 16 B per row"
                : p == LossPass::backward ? "grad_zhat"
                                          : "zhat, norms, statistics, two gradients",
                4.0 * m * m / (1024.0 * 1024.0));
  return s;
}

// Inputs of N records: per (record, region) a standard-normal base vector, per view that vector
// plus 0.7 x its own standard normal, so a row's positive is closer than its negatives. Drawn
// record by record, so the inputs of N' < N records are exactly the rows of records < N' of the
// N-record inputs.
struct ContrastiveInputs {
  int M = 0, d = 0;
  std::vector<float> z;      // (M, d) raw
  std::vector<float> zhat;   // (M, d) rows of z over their L2 norm (computed in double)
  std::vector<int32_t> ids;  // (M, 3) record, region, view
};

ContrastiveInputs contrastive_inputs(const ContrastiveShape& c, int N) {
  ContrastiveInputs in;
  in.M = kViews * N * c.R;
  in.d = c.d;
  const size_t d = static_cast<size_t>(c.d);
  in.z.resize(static_cast<size_t>(in.M) * d);
  in.zhat.resize(in.z.size());
  in.ids.resize(static_cast<size_t>(in.M) * 3);
  acl::Rng rng(20, 0);
  std::vector<float> base(d), noise(d);
  for (int b = 0; b < N; ++b) {
    for (int r = 0; r < c.R; ++r) {
      rng.fill_normal(base.data(), c.d, 0.0f, 1.0f);
      for (int v = 0; v < kViews; ++v) {
        rng.fill_normal(noise.data(), c.d, 0.0f, 1.0f);
        const size_t row = static_cast<size_t>((v * N + b) * c.R + r);
        double n2 = 0;
        for (size_t k = 0; k < d; ++k) {
          const float x = base[k] + 0.7f * noise[k];
          in.z[row * d + k] = x;
          n2 += static_cast<double>(x) * x;
        }
        const double inv = 1.0 / std::sqrt(n2);
        for (size_t k = 0; k < d; ++k) {
          in.zhat[row * d + k] = static_cast<float>(in.z[row * d + k] * inv);
        }
        in.ids[row * 3 + 0] = b;
        in.ids[row * 3 + 1] = r;
        in.ids[row * 3 + 2] = v;
      }
    }
  }
  return in;
}

// The CPU twin in float64 on the same (float) inputs: the statistics of the forward and, with
// grad_loss = 1, the gradients of the loss with respect to zhat and to z.
struct ContrastiveRef {
  double loss = 0;
  float accuracy = 0;
  int32_t anchors = 0;
  std::vector<double> lse, spos, grad_zhat, grad_z;
  std::vector<int32_t> pos;
};

ContrastiveRef contrastive_reference(const ContrastiveInputs& in, bool want_grad_z) {
  namespace k = acl::kernels;
  const int M = in.M, d = in.d;
  const size_t md = static_cast<size_t>(M) * d;
  ContrastiveRef r;
  r.lse.resize(M);
  r.spos.resize(M);
  r.pos.resize(M);
  r.grad_zhat.resize(md);
  std::vector<double> zhat(md), norms(M);
  std::vector<int32_t> hit(M);
  if (want_grad_z) {  // normalise in float64 too, as the engine's op does in its dtype
    const std::vector<double> z(in.z.begin(), in.z.end());
    k::l2_normalize_forward_cpu<double>(zhat.data(), norms.data(), z.data(), M, d, 1e-12);
  } else {
    zhat.assign(in.zhat.begin(), in.zhat.end());
  }
  k::contrastive_forward_cpu<double>(&r.loss, &r.accuracy, &r.anchors, r.lse.data(), r.pos.data(),
                                     r.spos.data(), hit.data(), zhat.data(), in.ids.data(), M, d,
                                     1.0 / kTau);
  const double one = 1.0;
  k::contrastive_backward_cpu<double>(r.grad_zhat.data(), &one, zhat.data(), in.ids.data(),
                                      r.lse.data(), r.pos.data(), r.anchors, M, d, 1.0 / kTau);
  if (want_grad_z) {
    r.grad_z.resize(md);
    k::l2_normalize_backward_cpu<double>(r.grad_z.data(), r.grad_zhat.data(), zhat.data(),
                                         norms.data(), M, d, 1e-12);
  }
  return r;
}

// Tolerance on max |got - ref| / max |ref| of the loss, the row statistics and the gradients
// against float64: s_ij = <zhat_i, zhat_j> / tau carries ~6e-8 sqrt(d) / tau of f32 error, which
// the softmax weights inherit, and each row sums up to M terms in an implementation-specific
// order (tests/test_contrastive.cpp: kCudaRtol, the same bound).
constexpr double kContrastiveTol = 1e-4;

// The forward's error: the worst relative error of the loss, row_lse and row_spos; infinite when
// an integer output differs (row_pos, anchors) or the accuracy is off by more than near-ties
// can explain (2 rows flipping, as tests/test_contrastive.cpp allows).
double forward_error(const ContrastiveRef& ref, float loss, float accuracy, int32_t anchors,
                     const std::vector<float>& lse, const std::vector<float>& spos,
                     const std::vector<int32_t>& pos, std::string* why) {
  if (anchors != ref.anchors || pos != ref.pos) {
    *why = "anchors " + std::to_string(anchors) + " (expected " + std::to_string(ref.anchors) +
           ") or row_pos differ";
    return std::numeric_limits<double>::infinity();
  }
  if (std::fabs(accuracy - ref.accuracy) > 2.01 / std::max(1, ref.anchors)) {
    *why = "accuracy " + std::to_string(accuracy) + ", expected " + std::to_string(ref.accuracy);
    return std::numeric_limits<double>::infinity();
  }
  const double e_loss = rel_error(std::vector<float>{loss}, std::vector<double>{ref.loss});
  return worst_of({e_loss, rel_error(lse, ref.lse), rel_error(spos, ref.spos)});
}

// ---- CPU
// ------------------------------------------------------------------------------------------
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

template <typename T>
void conv_cpu(const ConvShape& c, ConvPass pass, int B, T* out, const T* x, const T* w,
              const T* dy) {
  namespace k = acl::kernels;
  if (pass == ConvPass::forward) {
    k::conv1d_forward_cpu<T>(out, x, w, nullptr, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                             c.groups);
  } else if (pass == ConvPass::backward_data) {
    k::conv1d_backward_data_cpu<T>(out, dy, w, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                   c.groups);
  } else {
    k::conv1d_backward_weight_cpu<T>(out, nullptr, dy, x, B, c.Cin, c.Cout, c.L, c.K, c.stride,
                                     c.pad, 1, c.groups);
  }
}

Shape conv_out_shape(const ConvShape& c, ConvPass pass, int B) {
  return pass == ConvPass::forward         ? Shape{B, c.Cout, conv_out_length(c)}
         : pass == ConvPass::backward_data ? Shape{B, c.Cin, c.L}
                                           : Shape{c.Cout, c.Cin / c.groups, c.K};
}

double cpu_median_ms(const std::function<void()>& launch, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) launch();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    launch();
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return median(ms);
}

// The contrastive loss on the CPU (kernels/cpu/contrastive.cpp, f32) for M <= 4096, each row
// checked against the float64 twin on the same inputs. fwd: the fused forward on zhat; bwd: the
// fused backward (after one untimed forward); fwd_bwd: l2_normalize forward, loss forward, loss
// backward, l2_normalize backward on the raw z: the engine's contrastive_loss op without its
// autograd bookkeeping.
void run_cpu_contrastive(const Options& o, Report& report, const std::string& threads) {
  namespace k = acl::kernels;
  bool said_skip = false;
  for (const ContrastiveShape& c : kContrastiveShapes) {
    const int M = contrastive_rows(c), d = c.d;
    for (LossPass pass : kLossPasses) {
      Row r;
      r.kernel = loss_kernel(pass);
      r.shape = c.tag;
      r.dims = contrastive_dims(c);
      r.impl = "acl";
      r.check_ref = "cpu_f64";
      r.tol = kContrastiveTol;
      r.note = threads;
      if (!selected(o, r.name(), r.impl)) continue;
      if (M > kContrastiveCheckRows) {
        if (!said_skip) {
          std::printf(
              "(contrastive shapes with M > %d are timed on the GPU only: the float64 "
              "check is O(M^2 d))\n",
              kContrastiveCheckRows);
          said_skip = true;
        }
        continue;
      }
      try {
        const ContrastiveInputs in = contrastive_inputs(c, c.N);
        const ContrastiveRef ref = contrastive_reference(in, pass == LossPass::forward_backward);
        const size_t md = static_cast<size_t>(M) * d;
        const double inv_tau = 1.0 / kTau;
        float loss = 0, accuracy = 0;
        int32_t anchors = 0;
        const float one = 1.0f;
        std::vector<float> lse(M), spos(M), norms(M), zn(md), gzhat(md), gz(md);
        std::vector<int32_t> pos(M), hit(M);
        auto forward = [&](const float* zhat) {
          k::contrastive_forward_cpu<float>(&loss, &accuracy, &anchors, lse.data(), pos.data(),
                                            spos.data(), hit.data(), zhat, in.ids.data(), M, d,
                                            inv_tau);
        };
        auto backward = [&](const float* zhat) {
          k::contrastive_backward_cpu<float>(gzhat.data(), &one, zhat, in.ids.data(), lse.data(),
                                             pos.data(), anchors, M, d, inv_tau);
        };
        std::function<void()> launch;
        if (pass == LossPass::forward) {
          launch = [&]() { forward(in.zhat.data()); };
        } else if (pass == LossPass::backward) {
          forward(in.zhat.data());
          launch = [&]() { backward(in.zhat.data()); };
        } else {
          launch = [&]() {
            k::l2_normalize_forward_cpu<float>(zn.data(), norms.data(), in.z.data(), M, d, 1e-12);
            forward(zn.data());
            backward(zn.data());
            k::l2_normalize_backward_cpu<float>(gz.data(), gzhat.data(), zn.data(), norms.data(), M,
                                                d, 1e-12);
          };
        }
        launch();
        std::string why;
        if (pass == LossPass::forward) {
          r.error = forward_error(ref, loss, accuracy, anchors, lse, spos, pos, &why);
        } else if (pass == LossPass::backward) {
          r.error = rel_error(gzhat, ref.grad_zhat);
        } else {
          r.error = worst_of({rel_error(std::vector<float>{loss}, std::vector<double>{ref.loss}),
                              rel_error(gz, ref.grad_z)});
        }
        if (!why.empty()) r.note = why;
        if (!(r.error <= r.tol)) {
          r.status = "check_failed";
          report.add(r);
          continue;
        }
        fill_rates(r, cpu_median_ms(launch, o.warmup, o.reps), contrastive_flops(c, pass),
                   contrastive_bytes(c, pass), kNaN, kNaN);
        r.status = "ok";
      } catch (const std::exception& e) {
        r.status = "error";
        r.note = e.what();
      }
      report.add(r);
    }
  }
}

int run_cpu(const Options& o) {
  const int B_default = 8;
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  const std::string threads =
      std::string("OPENBLAS_NUM_THREADS=") + (blas_threads != nullptr ? blas_threads : "unset");
  std::printf(
      "device: cpu, %s, %s; conv1d and the contrastive loss, steady-clock medians, no cache "
      "flush\n",
      cpu_model().c_str(), threads.c_str());
  Report report("cpu: " + cpu_model(), o.csv);
  report.print_header();
  for (const ConvShape& c : kConvShapes) {
    const int B = o.batch > 0 ? o.batch : B_default;
    for (ConvPass pass : kConvPasses) {
      Row r;
      r.kernel = std::string("conv1d_") + pass_name(pass);
      r.shape = c.tag;
      r.dims = conv_dims(c, B);
      r.impl = "acl";
      r.check_ref = "cpu_f64";
      r.tol = fp32_tolerance(pass);
      r.note = threads;
      if (!selected(o, r.name(), r.impl)) continue;
      try {
        acl::Rng rng(1, 0);
        const Tensor x = Tensor::normal(Shape{B, c.Cin, c.L}, 0, 1, rng);
        const Tensor w = Tensor::normal(Shape{c.Cout, c.Cin / c.groups, c.K}, 0, 1, rng);
        const Tensor dy = Tensor::normal(Shape{B, c.Cout, conv_out_length(c)}, 0, 1, rng);
        Tensor out = Tensor::empty(conv_out_shape(c, pass, B));
        const Tensor xd = x.to(DType::f64), wd = w.to(DType::f64), dyd = dy.to(DType::f64);
        Tensor ref = Tensor::empty(out.shape(), DType::f64);
        conv_cpu<double>(c, pass, B, ref.data<double>(), xd.data<double>(), wd.data<double>(),
                         dyd.data<double>());
        auto launch = [&]() {
          conv_cpu<float>(c, pass, B, out.data<float>(), x.data<float>(), w.data<float>(),
                          dy.data<float>());
        };
        launch();
        r.error = rel_error(out.to_vector<float>(), ref.to_vector<double>());
        if (!(r.error <= r.tol)) {
          r.status = "check_failed";
          report.add(r);
          continue;
        }
        for (int i = 0; i < o.warmup; ++i) launch();
        std::vector<double> ms;
        for (int i = 0; i < o.reps; ++i) {
          const auto t0 = std::chrono::steady_clock::now();
          launch();
          const auto t1 = std::chrono::steady_clock::now();
          ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        fill_rates(r, median(ms), conv_flops(c, B), conv_bytes(c, B), kNaN, kNaN);
        r.status = "ok";
      } catch (const std::exception& e) {
        r.status = "error";
        r.note = e.what();
      }
      report.add(r);
    }
  }
  run_cpu_contrastive(o, report, threads);
  report.print_conv_summary();
  return report.failures() == 0 ? 0 : 1;
}

#ifdef ACL_HAVE_CUDA
// ---- GPU
// ------------------------------------------------------------------------------------------
struct Peaks {
  double gbs = 0;             // memory bandwidth, 1e9 B/s
  double fp32_tflops = 0;     // FP32 FMA throughput (no tensor cores), 1e12 FLOP/s
  double tf32_tflops = kNaN;  // dense TF32 tensor-core throughput; NaN where not tabulated
};

Peaks device_peaks(const acl::CudaDeviceInfo& info, int device) {
  int clock_khz = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
  const double clock_hz = clock_khz * 1e3;
  // FP32 lanes per SM: 64 on sm_80 (A100), 128 on sm_86 and newer (incl. sm_90).
  const int lanes = info.sm_major == 8 && info.sm_minor == 0 ? 64 : 128;
  // Dense TF32 tensor-core FLOP per clock per SM: 1024 on sm_80 (A100: 156 TFLOP/s at 1.41 GHz),
  // 2048 on sm_90 (H100/H200 SXM: 495 TFLOP/s at 1.83 GHz).
  const int tf32_per_sm = info.sm_major == 8 && info.sm_minor == 0   ? 1024
                          : info.sm_major == 9 && info.sm_minor == 0 ? 2048
                                                                     : 0;
  Peaks p;
  p.gbs = info.peak_memory_bandwidth_gbs;
  p.fp32_tflops = 2.0 * info.multiprocessors * lanes * clock_hz / 1e12;
  if (tf32_per_sm > 0) p.tf32_tflops = 1.0 * info.multiprocessors * tf32_per_sm * clock_hz / 1e12;
  return p;
}

Tensor random_cuda(const Shape& s, uint64_t seed) {
  acl::Rng rng(seed, 0);
  return Tensor::normal(s, 0, 1, rng).to(Device::CUDA);
}

// A checked case, ready to time: `launch` enqueues one run on the compute stream.
struct Prepared {
  std::function<void()> launch;
  double error = kNaN;  // of the check
  std::string note;
};

// One row to measure. `prepare` runs the check and allocates the full-size inputs.
struct Case {
  std::string kernel, shape, dims, impl = "acl";
  double flops = 0, bytes = 0;  // per launch at the timed size
  bool tf32 = false;            // %peak against the TF32 tensor-core peak instead of FP32
  double tol = 1e-4;
  double mem_bytes = kNaN;  // Row::mem_bytes
  std::string check_ref = "cpu_twin";
  std::function<Prepared()> prepare;
};

// The usual case: `make(n)` allocates the inputs and outputs for size n as a shared_ptr,
// `launch(state, n)` runs the CUDA kernel, `check(state, n)` compares its output with the CPU twin
// and returns the relative error. The check runs at `small`, the timing at `full`.
template <typename Make, typename Launch, typename Check>
std::function<Prepared()> checked(int full, int small, Make make, Launch launch, Check check) {
  return [=]() {
    Prepared p;
    {
      auto s = make(small);
      launch(*s, small);
      p.error = check(*s, small);
    }
    auto t = make(full);
    p.launch = [t, launch, full]() { launch(*t, full); };
    return p;
  };
}

class Timer {
 public:
  // The flush buffer: twice the L2 size, at least 64 MiB.
  explicit Timer(size_t l2_bytes)
      : flush_(Tensor::empty(
            Shape{static_cast<int64_t>(std::max<size_t>(2 * l2_bytes, size_t{64} << 20) / 4)},
            DType::f32, Device::CUDA)) {}

  // Median milliseconds of `reps` launches, each after an L2 flush.
  double median_ms(const std::function<void()>& launch, int warmup, int reps) {
    cudaStream_t s = acl::compute_stream();
    for (int i = 0; i < warmup; ++i) launch();
    CUDA_CHECK(cudaStreamSynchronize(s));
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) {
      CUDA_CHECK(cudaMemsetAsync(flush_.raw_data(), i & 0xff, flush_.nbytes(), s));
      acl::CudaEvent start(true), stop(true);
      start.record(s);
      launch();
      stop.record(s);
      stop.synchronize();
      ms.push_back(stop.elapsed_ms_since(start));
    }
    return median(ms);
  }

 private:
  Tensor flush_;
};

// ---- conv1d on the GPU
// ----------------------------------------------------------------------------
struct ConvTensors {
  Tensor x, w, dy;  // inputs (the pass reads two of them)
  Tensor out;       // y, dx or dw
};

ConvTensors conv_tensors(const ConvShape& c, ConvPass pass, int B) {
  ConvTensors t;
  t.x = random_cuda(Shape{B, c.Cin, c.L}, 1);
  t.w = random_cuda(Shape{c.Cout, c.Cin / c.groups, c.K}, 2);
  t.dy = random_cuda(Shape{B, c.Cout, conv_out_length(c)}, 4);
  t.out = Tensor::empty(conv_out_shape(c, pass, B), DType::f32, Device::CUDA);
  return t;
}

void launch_conv(const ConvShape& c, ConvPass pass, const ConvTensors& t, int B) {
  namespace k = acl::kernels;
  cudaStream_t s = acl::compute_stream();
  const float *x = t.x.data<float>(), *w = t.w.data<float>(), *dy = t.dy.data<float>();
  float* out = t.out.data<float>();
  if (pass == ConvPass::forward) {
    k::conv1d_forward_cuda<float>(out, x, w, nullptr, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad,
                                  1, c.groups, s);
  } else if (pass == ConvPass::backward_data) {
    k::conv1d_backward_data_cuda<float>(out, dy, w, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                        c.groups, s);
  } else {
    k::conv1d_backward_weight_cuda<float>(out, nullptr, dy, x, B, c.Cin, c.Cout, c.L, c.K, c.stride,
                                          c.pad, 1, c.groups, s);
  }
}

// The CPU twin's result on host copies of t's inputs.
std::vector<float> conv_reference(const ConvShape& c, ConvPass pass, const ConvTensors& t, int B) {
  const Tensor hx = t.x.to(Device::CPU), hw = t.w.to(Device::CPU), hdy = t.dy.to(Device::CPU);
  Tensor out = Tensor::empty(t.out.shape());
  conv_cpu<float>(c, pass, B, out.data<float>(), hx.data<float>(), hw.data<float>(),
                  hdy.data<float>());
  return out.to_vector<float>();
}

Case conv_case(const ConvShape& c, ConvPass pass, int B) {
  Case k;
  k.kernel = std::string("conv1d_") + pass_name(pass);
  k.shape = c.tag;
  k.dims = conv_dims(c, B);
  k.flops = conv_flops(c, B);
  k.bytes = conv_bytes(c, B);
  k.tol = fp32_tolerance(pass);
  return k;
}

#ifdef ACL_HAVE_CUDNN
using CudnnHandlePtr = std::shared_ptr<acl::bench::CudnnHandle>;

acl::bench::CudnnConvPass cudnn_pass(ConvPass p) {
  using acl::bench::CudnnConvPass;
  return p == ConvPass::forward         ? CudnnConvPass::forward
         : p == ConvPass::backward_data ? CudnnConvPass::backward_data
                                        : CudnnConvPass::backward_filter;
}

// cuDNN on full-batch inputs, checked against acl's CUDA kernel on the same inputs.
Case cudnn_conv_case(const ConvShape& c, ConvPass pass, int B, acl::bench::CudnnMath math,
                     const CudnnHandlePtr& handle) {
  using acl::bench::CudnnMath;
  Case k = conv_case(c, pass, B);
  k.impl = math == CudnnMath::fp32 ? "cudnn_fp32" : "cudnn_tf32";
  k.tf32 = math == CudnnMath::tf32;
  if (math == CudnnMath::tf32) k.tol = kTf32Tolerance;
  k.check_ref = "acl_cuda";
  k.prepare = [c, pass, B, math, handle]() {
    auto t = std::make_shared<ConvTensors>(conv_tensors(c, pass, B));
    launch_conv(c, pass, *t, B);
    const std::vector<float> ours = t->out.to_vector<float>();
    acl::bench::Conv1dGeometry g;
    g.B = B;
    g.Cin = c.Cin;
    g.Cout = c.Cout;
    g.L = c.L;
    g.K = c.K;
    g.stride = c.stride;
    g.pad = c.pad;
    g.dil = 1;
    g.groups = c.groups;
    acl::bench::Conv1dBuffers buf;
    buf.x = t->x.data<float>();
    buf.w = t->w.data<float>();
    buf.dy = t->dy.data<float>();
    buf.out = t->out.data<float>();
    auto conv = std::make_shared<acl::bench::CudnnConv1d>(*handle, g, cudnn_pass(pass), math, buf);
    CUDA_CHECK(cudaMemsetAsync(t->out.raw_data(), 0xff, t->out.nbytes(), acl::compute_stream()));
    conv->launch();  // over a NaN-filled output: an unwritten element fails the check
    Prepared p;
    p.error = rel_error(t->out.to_vector<float>(), ours);
    p.note = conv->describe();
    p.launch = [t, conv, handle]() { conv->launch(); };
    return p;
  };
  return k;
}
#else
using CudnnHandlePtr = std::shared_ptr<void>;  // always null: this build has no cuDNN
#endif  // ACL_HAVE_CUDNN

void add_conv_cases(std::vector<Case>& cases, const Options& o,
                    [[maybe_unused]] const CudnnHandlePtr& cudnn) {
  for (const ConvShape& c : kConvShapes) {
    const int B = conv_batch(c, o.batch);
    for (ConvPass pass : kConvPasses) {
      Case k = conv_case(c, pass, B);
      auto make = [c, pass](int n) {
        return std::make_shared<ConvTensors>(conv_tensors(c, pass, n));
      };
      auto launch = [c, pass](const ConvTensors& t, int n) { launch_conv(c, pass, t, n); };
      auto check = [c, pass](const ConvTensors& t, int n) {
        return rel_error(t.out.to_vector<float>(), conv_reference(c, pass, t, n));
      };
      k.prepare = checked(B, std::min(B, 2), make, launch, check);
      cases.push_back(std::move(k));
#ifdef ACL_HAVE_CUDNN
      if (cudnn) {
        cases.push_back(cudnn_conv_case(c, pass, B, acl::bench::CudnnMath::fp32, cudnn));
        cases.push_back(cudnn_conv_case(c, pass, B, acl::bench::CudnnMath::tf32, cudnn));
      }
#endif
    }
  }
}

// ---- the other families, on one shape each
// -------------------------------------------------------
void add_other_cases(std::vector<Case>& cases) {
  namespace k = acl::kernels;
  const int B = 256, C = 64, L = 250;  // a resnet1d18 stage-1 activation at 100 Hz
  const double n = static_cast<double>(B) * C * L;
  struct XY {
    Tensor x, y;
  };
  {
    Case c;
    c.kernel = "relu_fwd";
    c.shape = c.dims = "256x64x250";
    c.bytes = 8.0 * n;
    c.flops = n;
    auto make = [](int b) {
      auto t = std::make_shared<XY>();
      t->x = random_cuda(Shape{b, C, L}, 5);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const XY& t, int) {
      k::relu_forward_cuda<float>(t.y.data<float>(), t.x.data<float>(), t.x.numel(),
                                  acl::compute_stream());
    };
    auto check = [](const XY& t, int) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      k::relu_forward_cpu<float>(hy.data<float>(), hx.data<float>(), hx.numel());
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(B, 2, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    c.kernel = "batchnorm1d_train_fwd";
    c.shape = c.dims = "256x64x250";
    c.bytes = 8.0 * n;  // the minimum: one read, one write (the kernel reads x three times)
    c.flops = 6.0 * n;
    struct T {
      Tensor x, y, m, is;
    };
    auto make = [](int b) {
      auto t = std::make_shared<T>();
      t->x = random_cuda(Shape{b, C, L}, 6);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      t->m = Tensor::empty(Shape{C}, DType::f32, Device::CUDA);
      t->is = Tensor::empty(Shape{C}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int b) {
      k::batchnorm1d_forward_train_cuda<float>(
          t.y.data<float>(), t.m.data<float>(), t.is.data<float>(), nullptr, nullptr,
          t.x.data<float>(), nullptr, nullptr, b, C, L, 0.1, 1e-5, acl::compute_stream());
    };
    auto check = [](const T& t, int b) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      Tensor hm = Tensor::empty(Shape{C}), his = Tensor::empty(Shape{C});
      k::batchnorm1d_forward_train_cpu<float>(hy.data<float>(), hm.data<float>(), his.data<float>(),
                                              nullptr, nullptr, hx.data<float>(), nullptr, nullptr,
                                              b, C, L, 0.1, 1e-5);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(B, 2, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    c.kernel = "max_pool1d_fwd_K3_s2_p1";
    c.shape = c.dims = "256x64x250";
    const int lout = k::pool1d_out_length(L, 3, 2, 1);
    const double out = static_cast<double>(B) * C * lout;
    c.bytes = 4.0 * n + 8.0 * out;
    c.flops = 2.0 * out;
    struct T {
      Tensor x, y, am;
    };
    auto make = [lout](int b) {
      auto t = std::make_shared<T>();
      t->x = random_cuda(Shape{b, C, L}, 7);
      t->y = Tensor::empty(Shape{b, C, lout}, DType::f32, Device::CUDA);
      t->am = Tensor::empty(Shape{b, C, lout}, DType::i32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int b) {
      k::max_pool1d_forward_cuda<float>(t.y.data<float>(), t.am.data<int32_t>(), t.x.data<float>(),
                                        b, C, L, 3, 2, 1, acl::compute_stream());
    };
    auto check = [](const T& t, int b) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(t.y.shape());
      Tensor ham = Tensor::empty(t.am.shape(), DType::i32);
      k::max_pool1d_forward_cpu<float>(hy.data<float>(), ham.data<int32_t>(), hx.data<float>(), b,
                                       C, L, 3, 2, 1);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(B, 2, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    const int M = 4096, N = 512, K = 512;  // a projection head over a large batch
    c.kernel = "gemm";
    c.shape = c.dims = "4096x512x512";
    c.flops = 2.0 * M * N * K;
    c.bytes = 4.0 * (static_cast<double>(M) * K + static_cast<double>(K) * N +
                     static_cast<double>(M) * N);
    struct T {
      Tensor a, b, c;
    };
    auto make = [](int m) {
      auto t = std::make_shared<T>();
      t->a = random_cuda(Shape{m, K}, 8);
      t->b = random_cuda(Shape{K, N}, 9);
      t->c = Tensor::empty(Shape{m, N}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int m) {
      k::gemm_cuda<float>(false, false, m, N, K, 1.0f, t.a.data<float>(), t.b.data<float>(), 0.0f,
                          t.c.data<float>(), acl::compute_stream());
    };
    auto check = [](const T& t, int m) {
      Tensor ha = t.a.to(Device::CPU), hb = t.b.to(Device::CPU), hc = Tensor::empty(Shape{m, N});
      k::gemm_cpu<float>(false, false, m, N, K, 1.0f, ha.data<float>(), hb.data<float>(), 0.0f,
                         hc.data<float>());
      return rel_error(t.c.to_vector<float>(), hc.to_vector<float>());
    };
    c.prepare = checked(M, 64, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    const int N = 65536, D = 128;  // contrastive embeddings
    c.kernel = "l2_normalize_fwd";
    c.shape = c.dims = "65536x128";
    c.bytes = 8.0 * N * D;
    c.flops = 3.0 * N * D;
    struct T {
      Tensor x, y, n;
    };
    auto make = [](int rows) {
      auto t = std::make_shared<T>();
      t->x = random_cuda(Shape{rows, D}, 10);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      t->n = Tensor::empty(Shape{rows}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int rows) {
      k::l2_normalize_forward_cuda<float>(t.y.data<float>(), t.n.data<float>(), t.x.data<float>(),
                                          rows, D, 1e-12, acl::compute_stream());
    };
    auto check = [](const T& t, int rows) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape()),
             hn = Tensor::empty(Shape{rows});
      k::l2_normalize_forward_cpu<float>(hy.data<float>(), hn.data<float>(), hx.data<float>(), rows,
                                         D, 1e-12);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(N, 256, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    const int N = 4096, Cls = 71;  // a PTB-XL-sized classifier head
    c.kernel = "log_softmax_fwd";
    c.shape = c.dims = "4096x71";
    c.bytes = 8.0 * N * Cls;
    c.flops = 4.0 * N * Cls;
    auto make = [](int rows) {
      auto t = std::make_shared<XY>();
      t->x = random_cuda(Shape{rows, Cls}, 11);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const XY& t, int rows) {
      k::log_softmax_forward_cuda<float>(t.y.data<float>(), t.x.data<float>(), rows, Cls,
                                         acl::compute_stream());
    };
    auto check = [](const XY& t, int rows) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      k::log_softmax_forward_cpu<float>(hy.data<float>(), hx.data<float>(), rows, Cls);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(N, 64, make, launch, check);
    cases.push_back(c);
  }
}

// ---- the contrastive loss on the GPU
// --------------------------------------------------------------
struct LossGpu {
  int M = 0, d = 0;
  int32_t anchors = 0;  // the forward's count on the host, for the backward
  Tensor z, zhat, ids;  // inputs: (M, d) raw, (M, d) normalised on the host, (M, 3) i32
  Tensor zn, norms;     // fwd_bwd: l2_normalize's output (M, d) and norms (M)
  Tensor loss, accuracy, count, lse, pos, spos, hit;  // forward outputs: scalars and (M) each
  Tensor grad_loss, grad_zhat, grad_z;                // (1) = 1, (M, d), (M, d)
};

std::shared_ptr<LossGpu> loss_gpu(const ContrastiveInputs& in) {
  auto t = std::make_shared<LossGpu>();
  t->M = in.M;
  t->d = in.d;
  const Shape md{in.M, in.d}, m{in.M};
  t->z = Tensor::from_vector(in.z, md).to(Device::CUDA);
  t->zhat = Tensor::from_vector(in.zhat, md).to(Device::CUDA);
  t->ids = Tensor::from_vector(in.ids, Shape{in.M, 3}).to(Device::CUDA);
  t->zn = Tensor::empty(md, DType::f32, Device::CUDA);
  t->norms = Tensor::empty(m, DType::f32, Device::CUDA);
  t->loss = Tensor::empty(Shape{1}, DType::f32, Device::CUDA);
  t->accuracy = Tensor::empty(Shape{1}, DType::f32, Device::CUDA);
  t->count = Tensor::empty(Shape{1}, DType::i32, Device::CUDA);
  t->lse = Tensor::empty(m, DType::f32, Device::CUDA);
  t->pos = Tensor::empty(m, DType::i32, Device::CUDA);
  t->spos = Tensor::empty(m, DType::f32, Device::CUDA);
  t->hit = Tensor::empty(m, DType::i32, Device::CUDA);
  t->grad_loss = Tensor::from_vector(std::vector<float>{1.0f}, Shape{1}).to(Device::CUDA);
  t->grad_zhat = Tensor::empty(md, DType::f32, Device::CUDA);
  t->grad_z = Tensor::empty(md, DType::f32, Device::CUDA);
  return t;
}

void loss_forward(const LossGpu& t, const Tensor& zhat) {
  acl::kernels::contrastive_forward_cuda<float>(
      t.loss.data<float>(), t.accuracy.data<float>(), t.count.data<int32_t>(), t.lse.data<float>(),
      t.pos.data<int32_t>(), t.spos.data<float>(), t.hit.data<int32_t>(), zhat.data<float>(),
      t.ids.data<int32_t>(), t.M, t.d, 1.0 / kTau, acl::compute_stream());
}

void loss_backward(const LossGpu& t, const Tensor& zhat) {
  acl::kernels::contrastive_backward_cuda<float>(
      t.grad_zhat.data<float>(), t.grad_loss.data<float>(), zhat.data<float>(),
      t.ids.data<int32_t>(), t.lse.data<float>(), t.pos.data<int32_t>(), t.anchors, t.M, t.d,
      1.0 / kTau, acl::compute_stream());
}

// One timed call. fwd and bwd: the fused kernel on the host-normalised zhat (bwd after the
// forward of loss_prime). fwd_bwd: the engine's contrastive_loss op on the raw z, without its
// host read of the anchor count (known from loss_prime): l2_normalize forward, loss forward,
// loss backward, l2_normalize backward.
void loss_launch(const LossGpu& t, LossPass pass) {
  namespace k = acl::kernels;
  cudaStream_t s = acl::compute_stream();
  if (pass == LossPass::forward) {
    loss_forward(t, t.zhat);
  } else if (pass == LossPass::backward) {
    loss_backward(t, t.zhat);
  } else {
    k::l2_normalize_forward_cuda<float>(t.zn.data<float>(), t.norms.data<float>(),
                                        t.z.data<float>(), t.M, t.d, 1e-12, s);
    loss_forward(t, t.zn);
    loss_backward(t, t.zn);
    k::l2_normalize_backward_cuda<float>(t.grad_z.data<float>(), t.grad_zhat.data<float>(),
                                         t.zn.data<float>(), t.norms.data<float>(), t.M, t.d, 1e-12,
                                         s);
  }
}

void nan_fill(const Tensor& t) {  // 0xff bytes: NaN for f32, -1 for i32
  CUDA_CHECK(cudaMemsetAsync(t.raw_data(), 0xff, t.nbytes(), acl::compute_stream()));
}

// One untimed forward on zhat (row statistics for bwd, the anchor count for bwd and fwd_bwd),
// then every output of `pass` filled with NaN / -1, so an element the timed kernels leave
// unwritten fails the check.
void loss_prime(LossGpu& t, LossPass pass) {
  loss_forward(t, t.zhat);
  t.anchors = t.count.to_vector<int32_t>()[0];
  if (pass != LossPass::backward) {
    for (const Tensor* x : {&t.loss, &t.accuracy, &t.count, &t.lse, &t.pos, &t.spos, &t.hit}) {
      nan_fill(*x);
    }
  }
  nan_fill(t.grad_zhat);
  if (pass == LossPass::forward_backward) {
    for (const Tensor* x : {&t.zn, &t.norms, &t.grad_z}) nan_fill(*x);
  }
}

// The CUDA result of `pass` on t (already primed and launched) against the float64 CPU twin.
double loss_check_full(const LossGpu& t, const ContrastiveInputs& in, LossPass pass,
                       std::string* why) {
  const ContrastiveRef ref = contrastive_reference(in, pass == LossPass::forward_backward);
  const float loss = t.loss.to_vector<float>()[0];
  if (pass == LossPass::forward) {
    return forward_error(ref, loss, t.accuracy.to_vector<float>()[0],
                         t.count.to_vector<int32_t>()[0], t.lse.to_vector<float>(),
                         t.spos.to_vector<float>(), t.pos.to_vector<int32_t>(), why);
  }
  if (pass == LossPass::backward) return rel_error(t.grad_zhat.to_vector<float>(), ref.grad_zhat);
  return worst_of({rel_error(std::vector<float>{loss}, std::vector<double>{ref.loss}),
                   rel_error(t.grad_z.to_vector<float>(), ref.grad_z)});
}

// Full-size spot check for M > kContrastiveCheckRows, where the CPU twin would take minutes:
// kSpotRows rows spread over [0, M) (the last one included), recomputed in float64 on the host
// from the same zhat and ids. fwd: their row_lse, row_pos and row_spos, and the loss against the
// mean of the device's own row statistics (the reduction at full size). bwd: their rows of
// grad_zhat = sum_j (G_kj + G_jk) zhat_j, with G from the device's row_lse and row_pos (those
// of the spot rows are checked by the fwd row).
constexpr int kSpotRows = 16;

double loss_check_spot(const LossGpu& t, const ContrastiveInputs& in, LossPass pass,
                       std::string* why) {
  const int M = in.M, d = in.d;
  const double inv_tau = 1.0 / kTau;
  const std::vector<float> lse = t.lse.to_vector<float>(), spos = t.spos.to_vector<float>();
  const std::vector<int32_t> pos = t.pos.to_vector<int32_t>();
  auto zh = [&](int i, int k) {
    return static_cast<double>(in.zhat[static_cast<size_t>(i) * d + k]);
  };
  auto sim = [&](int i, int j) {
    double s = 0;
    for (int k = 0; k < d; ++k) s += zh(i, k) * zh(j, k);
    return s * inv_tau;
  };
  auto relation = [&](int i, int j) {  // 0 excluded, 1 positive, 2 negative
    const int32_t *a = &in.ids[3 * static_cast<size_t>(i)],
                  *b = &in.ids[3 * static_cast<size_t>(j)];
    if (a[0] == b[0] && a[1] == b[1]) return a[2] == b[2] ? 0 : 1;
    return 2;
  };
  std::vector<float> got;
  std::vector<double> ref;
  const std::vector<float> grad =
      pass == LossPass::backward ? t.grad_zhat.to_vector<float>() : std::vector<float>{};
  for (int q = 0; q < kSpotRows; ++q) {
    const int i = static_cast<int>(static_cast<int64_t>(M - 1) * q / (kSpotRows - 1));
    if (pass == LossPass::forward) {
      double mx = -std::numeric_limits<double>::infinity(), sum = 0, ps = 0;
      int np = 0;
      std::vector<double> s(M);
      for (int j = 0; j < M; ++j) {
        const int rel = relation(i, j);
        s[j] = rel == 0 ? -std::numeric_limits<double>::infinity() : sim(i, j);
        if (rel == 1) {
          ps += s[j];
          ++np;
        }
        mx = std::max(mx, s[j]);
      }
      for (int j = 0; j < M; ++j) sum += std::exp(s[j] - mx);
      if (np != pos[i]) {
        *why = "row_pos[" + std::to_string(i) + "] = " + std::to_string(pos[i]) + ", expected " +
               std::to_string(np);
        return std::numeric_limits<double>::infinity();
      }
      got.push_back(lse[i]);
      ref.push_back(mx + std::log(sum));
      got.push_back(spos[i]);
      ref.push_back(np > 0 ? ps / np : 0.0);
    } else {
      const double a = inv_tau / t.anchors;
      std::vector<double> g(d, 0.0);
      for (int j = 0; j < M; ++j) {
        const int rel = relation(i, j);
        if (rel == 0) continue;
        const double s = sim(i, j);
        double c = 0;
        if (pos[i] > 0) c += a * (std::exp(s - lse[i]) - (rel == 1 ? 1.0 / pos[i] : 0.0));
        if (pos[j] > 0) c += a * (std::exp(s - lse[j]) - (rel == 1 ? 1.0 / pos[j] : 0.0));
        for (int k = 0; k < d; ++k) g[k] += c * zh(j, k);
      }
      for (int k = 0; k < d; ++k) {
        got.push_back(grad[static_cast<size_t>(i) * d + k]);
        ref.push_back(g[k]);
      }
    }
  }
  double e = rel_error(got, ref);
  if (pass == LossPass::forward) {  // the loss: the mean of the device's rows over the anchors
    double total = 0;
    int64_t n = 0;
    for (int i = 0; i < M; ++i) {
      if (pos[i] == 0) continue;
      total += static_cast<double>(lse[i]) - spos[i];
      ++n;
    }
    const double mean = n > 0 ? total / static_cast<double>(n) : 0.0;
    e = worst_of({e, rel_error(t.loss.to_vector<float>(), std::vector<double>{mean})});
  }
  return e;
}

Case contrastive_case(const ContrastiveShape& c, LossPass pass) {
  Case k;
  k.kernel = loss_kernel(pass);
  k.shape = c.tag;
  k.dims = contrastive_dims(c);
  k.flops = contrastive_flops(c, pass);
  k.bytes = contrastive_bytes(c, pass);
  k.mem_bytes = contrastive_mem_bytes(c, pass);
  k.tol = kContrastiveTol;
  k.check_ref = "cpu_f64";
  k.prepare = [c, pass]() {
    const int M = contrastive_rows(c);
    // The check: the CUDA kernels on the records < n_small, whose rows are those of the full
    // inputs (contrastive_inputs), M_small = min(M, kContrastiveCheckRows) rows.
    const int n_small = std::min(c.N, kContrastiveCheckRows / (kViews * c.R));
    std::string why;
    Prepared p;
    char note[128];
    {
      const ContrastiveInputs in = contrastive_inputs(c, n_small);
      auto t = loss_gpu(in);
      loss_prime(*t, pass);
      loss_launch(*t, pass);
      p.error = loss_check_full(*t, in, pass, &why);
      std::snprintf(note, sizeof(note), "checked in full at M%d", in.M);
    }
    std::shared_ptr<LossGpu> t;
    if (n_small == c.N) {
      t = loss_gpu(contrastive_inputs(c, c.N));
      loss_prime(*t, pass);
    } else {
      const ContrastiveInputs in = contrastive_inputs(c, c.N);
      t = loss_gpu(in);
      loss_prime(*t, pass);
      if (pass != LossPass::forward_backward) {
        loss_launch(*t, pass);
        p.error = worst_of({p.error, loss_check_spot(*t, in, pass, &why)});
        std::snprintf(note, sizeof(note), "checked in full at M%d (records < %d), %d rows at M%d",
                      contrastive_rows(c) / c.N * n_small, n_small, kSpotRows, M);
      } else {
        std::snprintf(note, sizeof(note),
                      "checked in full at M%d (records < %d); fwd/bwd rows spot-check M%d",
                      contrastive_rows(c) / c.N * n_small, n_small, M);
      }
    }
    p.note = std::string(note) + "; " + contrastive_memory_note(c, pass) +
             (why.empty() ? "" : "; " + why);
    p.launch = [t, pass]() { loss_launch(*t, pass); };
    return p;
  };
  return k;
}

// ---- ECG augmentation on the GPU
// ----------------------------------------------------------------- One view (make_view calls the
// kernel once per view) of a batch of 10 s 12-lead records at 100 Hz, cut to the 250-sample views
// of the configs. acl_set: scale crop, cycle mask and time shift (the ACL-ECG set); full: every
// augmentation of train/augment/augment.h.
struct AugmentShape {
  const char* tag;
  int B, C, L, Lout;
  bool full;
};

const AugmentShape kAugmentShapes[] = {
    {"acl_set_b256", 256, 12, 1000, 250, false},
    {"full_b256", 256, 12, 1000, 250, true},
};

// The AugmentSpec that to_kernel_spec (train/augment/augment_spec.h) builds from AugmentConfig's
// defaults with n_views 2, fs 100 Hz; `full` enables the off-by-default steps with their default
// settings. Written out here because acl_bench links the engine only.
acl::kernels::AugmentSpec augment_spec(bool full, int Lout) {
  acl::kernels::AugmentSpec s;
  s.n_views = 2;
  s.scale_crop = true;
  s.crop_s_min = 0.5;
  s.crop_s_max = 1.0;
  s.cycle_mask = true;
  s.mask_p = 0.2f;
  s.time_shift = true;
  s.shift_max = static_cast<int32_t>(std::lround(0.1 * Lout));
  s.fs = 100.0;
  if (full) {
    s.amplitude = true;
    s.amplitude_min = 0.8;
    s.amplitude_max = 1.2;
    s.vcg = true;
    s.vcg_max_angle_deg = 45.0;
    s.vcg_s_min = 0.8;
    s.vcg_s_max = 1.2;
    s.wander = true;
    s.wander_amplitude = 0.1;
    s.wander_f_max = 0.5;
    s.noise = true;
    s.noise_sigma = 0.05f;
    s.lead_dropout = true;
    s.dropout_p = 0.1f;
  }
  return s;
}

constexpr int kAugmentView = 0;
constexpr int64_t kAugmentEpoch = 5;
constexpr uint64_t kAugmentSeed = 1234;
// The same float operations on both devices; sinf (baseline wander) and the Box-Muller of the
// noise may differ by an ulp (kernels/augment.h), as in tests/test_augment.cpp.
constexpr double kAugmentTol = 1e-5;

struct AugmentHost {
  std::vector<float> records;                      // (B, C, L) standard normal
  std::vector<int32_t> index, offsets, positions;  // (B), (B + 1), CSR R-peaks
};

// R-peaks of a regular rhythm per record: an R-R interval of 60-110 samples (55-100 bpm at
// 100 Hz), the first beat within the first interval.
AugmentHost augment_host(const AugmentShape& a) {
  AugmentHost h;
  acl::Rng rng(21, 0);
  h.records.resize(static_cast<size_t>(a.B) * a.C * a.L);
  rng.fill_normal(h.records.data(), static_cast<int64_t>(h.records.size()), 0.0f, 1.0f);
  h.offsets.push_back(0);
  for (int b = 0; b < a.B; ++b) {
    h.index.push_back(1000 + b);
    const int rr = 60 + static_cast<int>(rng.uniform() * 50.0);
    for (int p = static_cast<int>(rng.uniform() * (rr - 1)); p < a.L; p += rr) {
      h.positions.push_back(p);
    }
    h.offsets.push_back(static_cast<int32_t>(h.positions.size()));
  }
  return h;
}

// Minimum traffic: each record's source window (drawn by augment_draw_params, as the kernel
// does) read once over every lead, the view written once.
double augment_bytes(const AugmentShape& a, const AugmentHost& h,
                     const acl::kernels::AugmentSpec& spec) {
  double window = 0;
  for (int b = 0; b < a.B; ++b) {
    const acl::kernels::AugmentKey key{kAugmentSeed, static_cast<uint32_t>(kAugmentEpoch),
                                       static_cast<uint32_t>(h.index[static_cast<size_t>(b)]),
                                       static_cast<uint32_t>(kAugmentView)};
    window += acl::kernels::augment_draw_params(spec, key, a.C, a.L, a.Lout).win_len;
  }
  return 4.0 * (a.C * window + static_cast<double>(a.B) * a.C * a.Lout);
}

Case augment_case(const AugmentShape& a) {
  Case k;
  k.kernel = "augment_view";
  k.shape = a.tag;
  char dims[96];
  std::snprintf(dims, sizeof(dims), "B%d C%d L%d Lout%d %s", a.B, a.C, a.L, a.Lout,
                a.full ? "full" : "crop+mask+shift");
  k.dims = dims;
  const AugmentHost h = augment_host(a);
  const acl::kernels::AugmentSpec spec = augment_spec(a.full, a.Lout);
  k.flops = kNaN;  // not a FLOP-bound kernel: no TFLOP/s
  k.bytes = augment_bytes(a, h, spec);
  k.tol = kAugmentTol;
  k.prepare = [a, h, spec]() {
    struct T {
      Tensor records, index, offsets, positions, out;
    };
    auto t = std::make_shared<T>();
    t->records = Tensor::from_vector(h.records, Shape{a.B, a.C, a.L}).to(Device::CUDA);
    t->index = Tensor::from_vector(h.index, Shape{a.B}).to(Device::CUDA);
    t->offsets = Tensor::from_vector(h.offsets, Shape{a.B + 1}).to(Device::CUDA);
    t->positions = Tensor::from_vector(h.positions, Shape{static_cast<int64_t>(h.positions.size())})
                       .to(Device::CUDA);
    t->out = Tensor::empty(Shape{a.B, a.C, a.Lout}, DType::f32, Device::CUDA);
    auto launch = [t, a, spec]() {
      acl::kernels::augment_view_cuda<float>(
          t->out.data<float>(), t->records.data<float>(), t->index.data<int32_t>(),
          t->offsets.data<int32_t>(), t->positions.data<int32_t>(), a.B, a.C, a.L, a.Lout,
          kAugmentView, kAugmentEpoch, kAugmentSeed, spec, acl::compute_stream());
    };
    nan_fill(t->out);
    launch();
    std::vector<float> ref(static_cast<size_t>(a.B) * a.C * a.Lout);
    acl::kernels::augment_view_cpu<float>(ref.data(), h.records.data(), h.index.data(),
                                          h.offsets.data(), h.positions.data(), a.B, a.C, a.L,
                                          a.Lout, kAugmentView, kAugmentEpoch, kAugmentSeed, spec);
    const std::vector<float> got = t->out.to_vector<float>();
    Prepared p;
    p.error = rel_error(got, ref);
    // Discrete decisions (cycle mask, shift, lead dropout) must agree exactly.
    size_t zeros = 0;
    for (size_t i = 0; i < ref.size(); ++i) zeros += (got[i] == 0.0f) != (ref[i] == 0.0f);
    if (zeros > 0) {
      p.error = std::numeric_limits<double>::infinity();
      p.note = std::to_string(zeros) + " samples are zero on one device only";
    } else {
      p.note = "one view; checked in full";
    }
    p.launch = launch;
    return p;
  };
  return k;
}

void add_pretrain_cases(std::vector<Case>& cases) {
  for (const ContrastiveShape& c : kContrastiveShapes) {
    for (LossPass pass : kLossPasses) cases.push_back(contrastive_case(c, pass));
  }
  for (const AugmentShape& a : kAugmentShapes) cases.push_back(augment_case(a));
}

int run_cuda(const Options& o) {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  const acl::CudaDeviceInfo info = acl::cuda_device_info(device);
  const Peaks peak = device_peaks(info, device);
  std::printf("device %d: %s, sm_%d%d, %d SMs, peak %.0f GB/s, %.1f FP32 TFLOP/s", device,
              info.name.c_str(), info.sm_major, info.sm_minor, info.multiprocessors, peak.gbs,
              peak.fp32_tflops);
  if (std::isfinite(peak.tf32_tflops)) {
    std::printf(", %.1f dense TF32 tensor TFLOP/s", peak.tf32_tflops);
  }
  std::printf("\n");

  CudnnHandlePtr cudnn;  // set when the cuDNN rows are timed
#ifdef ACL_HAVE_CUDNN
  if (!o.no_cudnn) {
    cudnn = std::make_shared<acl::bench::CudnnHandle>(acl::compute_stream());
    std::printf("%s; cudnn_fp32 = %s, cudnn_tf32 = %s%s\n",
                acl::bench::cudnn_version_string().c_str(),
                acl::bench::cudnn_math_label(acl::bench::CudnnMath::fp32),
                acl::bench::cudnn_math_label(acl::bench::CudnnMath::tf32),
                std::getenv("NVIDIA_TF32_OVERRIDE") != nullptr
                    ? " (NVIDIA_TF32_OVERRIDE is set: it overrides the TF32 choice)"
                    : "");
  } else {
    std::printf("cuDNN rows off (--no-cudnn)\n");
  }
#else
  std::printf("cuDNN rows off: this build did not find cuDNN\n");
#endif
  std::printf(
      "acl rows: strict FP32 (no TF32); %%peak: of the FP32 peak (acl, cudnn_fp32) or the "
      "dense TF32 peak (cudnn_tf32); check: max |diff| / max |ref| against the CPU twin "
      "at batch 2 (acl) or acl's output (cudnn_*)\n");
  std::printf(
      "contrastive rows: against the float64 CPU twin at M <= %d; larger M on the first %d rows' "
      "records plus %d spot rows of the full result; augment rows: against augment_view_cpu\n",
      kContrastiveCheckRows, kContrastiveCheckRows, kSpotRows);
  std::printf("%d warm-up + %d timed runs per row, median, L2 flushed before each\n", o.warmup,
              o.reps);

  char device_name[160];
  std::snprintf(device_name, sizeof(device_name), "cuda: %s (sm_%d%d)", info.name.c_str(),
                info.sm_major, info.sm_minor);
  Report report(device_name, o.csv);
  report.print_header();

  std::vector<Case> cases;
  add_conv_cases(cases, o, cudnn);
  add_other_cases(cases);
  add_pretrain_cases(cases);
  Timer timer(info.l2_bytes);
  for (const Case& c : cases) {
    Row r;
    r.kernel = c.kernel;
    r.shape = c.shape;
    r.dims = c.dims;
    r.impl = c.impl;
    r.peak_kind = c.tf32 ? (std::isfinite(peak.tf32_tflops) ? "tf32" : "") : "fp32";
    r.tol = c.tol;
    r.check_ref = c.check_ref;
    if (!selected(o, r.name(), r.impl)) continue;
    try {
      const Prepared p = c.prepare();
      r.error = p.error;
      r.note = p.note;
      if (!(r.error <= r.tol)) {
        r.status = "check_failed";
      } else {
        const double ms = timer.median_ms(p.launch, o.warmup, o.reps);
        fill_rates(r, ms, c.flops, c.bytes, peak.gbs, c.tf32 ? peak.tf32_tflops : peak.fp32_tflops);
        r.mem_bytes = c.mem_bytes;
        r.status = "ok";
      }
    } catch (const std::exception& e) {
      r.status = "error";
      r.note = e.what();
    }
    report.add(r);
  }
  report.print_conv_summary();
  return report.failures() == 0 ? 0 : 1;
}
#endif  // ACL_HAVE_CUDA

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"acl-ecg kernel microbenchmarks (CUDA, with cuDNN as the conv1d yardstick)"};
  Options o;
  app.add_option("--device", o.device,
                 "cuda (all kernels) or cpu (conv1d and contrastive-loss CPU kernels)")
      ->check(CLI::IsMember({"cuda", "cpu"}));
  app.add_option("--filter", o.filter, "only cases whose kernel/shape name contains this text");
  app.add_option("--impl", o.impl_filter,
                 "only rows whose implementation contains this text (acl, cudnn_fp32, ...)");
  app.add_option("--reps", o.reps, "timed repetitions per row (median reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup, "untimed runs first")->check(CLI::NonNegativeNumber);
  app.add_option("--batch", o.batch,
                 "conv1d batch size for every shape (default: each shape's own on cuda, 8 on cpu)")
      ->check(CLI::PositiveNumber);
  app.add_option("--csv", o.csv, "also write every row to this CSV file");
  app.add_flag("--no-cudnn", o.no_cudnn, "skip the cuDNN rows");
  app.add_flag("--list", o.list, "print the conv1d cases and their dimensions, run nothing");
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.list) return list_conv_cases(o);
    if (o.device == "cpu") return run_cpu(o);
    if (!acl::cuda_available()) {
      std::printf("acl_bench: no usable CUDA device (%s); nothing to measure\n",
                  acl::cuda_unavailable_reason().c_str());
      return 0;
    }
#ifdef ACL_HAVE_CUDA
    return run_cuda(o);
#else
    return 0;
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_bench: %s\n", e.what());
    return 1;
  }
}
