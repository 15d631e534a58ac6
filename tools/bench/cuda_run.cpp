// acl_bench --device cuda: every GPU case, checked, then timed; rates against the device's peaks.
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/device_info.h"
#include "tools/bench/contrastive_cases.h"
#include "tools/bench/device_peaks.h"
#include "tools/bench/gpu_cases.h"
#include "tools/bench/reference.h"
#include "tools/bench/report.h"
#include "tools/bench/runs.h"
#include "tools/bench/timing.h"

namespace acl::bench {

int run_cuda(const Options& o) {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  const CudaDeviceInfo info = cuda_device_info(device);
  const Peaks peak = device_peaks(info, device);
  std::printf("device %d: %s, sm_%d%d, %d SMs, peak %.0f GB/s, %.1f FP32 TFLOP/s", device,
              info.name.c_str(), info.sm_major, info.sm_minor, info.multiprocessors, peak.gbs,
              peak.fp32_tflops);
  if (std::isfinite(peak.tf32_tflops)) {
    std::printf(", %.1f dense TF32 tensor TFLOP/s", peak.tf32_tflops);
  }
  std::printf("\n");

  const CudnnHandlePtr cudnn = cudnn_rows(o);  // set when the cuDNN rows are timed
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
  add_contrastive_cases(cases);
  add_augment_cases(cases);
  CudaTimer timer(info.l2_bytes);
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

}  // namespace acl::bench
