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
// cuDNN rows exist unless the build turned ACL_BENCH_CUDNN OFF (ACL_HAVE_CUDNN;
// tools/bench/bench_cudnn_conv.h). The convolutions have no bias (the encoders' have none), in
// every implementation. After the rows, a summary per conv1d shape: fwd + dgrad + wgrad (sum of the
// three medians) per implementation and cuDNN's time over acl's (> 1: acl is faster), with the
// geometric mean and the minimum over the encoder shapes (not the extremes).
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
// CPU (--device cpu): the conv1d CPU kernels (im2col + OpenBLAS; threads from ACL_NUM_THREADS,
// kernels/cpu_threads.h) at batch --batch (default 8), each checked against the float64 CPU kernel
// on the same inputs, and the contrastive loss CPU twin (f32) at M <= 4096 against the same twin in
// float64, timed with a steady clock (median of --reps after --warmup; no cache flush). In a build
// that found oneDNN (ACL_BENCH_DNNL, tools/CMakeLists.txt), each conv1d pass also has the rows dnnl
// (oneDNN on the plain layouts) and dnnl_blocked (oneDNN's preferred layouts with the reorders
// timed), checked against the same float64 reference (tools/bench/bench_dnnl_conv.h); oneDNN runs
// on as many OpenMP threads as the engine has threads.
//
// --csv FILE writes every row (also failed ones) as it is measured; tools/bench_torch.py writes the
// same columns and tools/compare_bench.py merges the two into docs/benchmarks.md's tables. --list
// prints the conv1d cases and their dimensions without running anything (bench_torch.py --list
// prints the same lines). Exit status: 0 when every check passed, 1 otherwise. Without a usable
// GPU (or in a CPU-only build) --device cuda says so and exits 0.
//
//   acl_bench [--device cuda|cpu] [--filter TEXT] [--impl TEXT] [--reps 10] [--warmup 2]
//             [--batch N] [--csv FILE] [--no-cudnn] [--no-dnnl] [--list]
//
// The pieces live in tools/bench/: options.h (the options and the row filter), timing.h,
// device_peaks.h, report.h (table, CSV, conv1d summary), reference.h (float64 references),
// conv_cases.h and contrastive_cases.h (the case lists), cpu_run.cpp and cuda_run.cpp (the two
// runs), gpu_*.cpp (the GPU cases per family).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "engine/device_select.h"
#include "tools/bench/conv_cases.h"
#include "tools/bench/options.h"
#include "tools/bench/runs.h"

using acl::bench::Options;

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
  app.add_flag("--no-dnnl", o.no_dnnl, "skip the oneDNN rows (--device cpu)");
  app.add_flag("--list", o.list, "print the conv1d cases and their dimensions, run nothing");
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.list) return acl::bench::list_conv_cases(o.batch);
    if (o.device == "cpu") return acl::bench::run_cpu(o);
    if (!acl::cuda_available()) {
      std::printf("acl_bench: no usable CUDA device (%s); nothing to measure\n",
                  acl::cuda_unavailable_reason().c_str());
      return 0;
    }
#ifdef ACL_HAVE_CUDA
    return acl::bench::run_cuda(o);
#else
    return 0;
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_bench: %s\n", e.what());
    return 1;
  }
}
