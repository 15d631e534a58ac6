// acl_bench's two runs: the CPU kernels (--device cpu) and the GPU kernels (--device cuda). Each
// prints its table and summary, writes --csv, and returns the exit status: 0 when every check
// passed, 1 otherwise.
#pragma once

#include "tools/bench/options.h"

namespace acl::bench {

// The conv1d CPU kernels (im2col + OpenBLAS; threads from OPENBLAS_NUM_THREADS) at batch --batch
// (default 8), each checked against the float64 CPU kernel on the same inputs, and the
// contrastive loss CPU twin (f32) at M <= kContrastiveCheckRows against the same twin in float64,
// and batch norm + ReLU in training, fused and unfused, on the quickstart encoder's shapes (batch
// --batch, default 128) against float64, timed with a steady clock (median of --reps after
// --warmup; no cache flush).
int run_cpu(const Options& o);

#ifdef ACL_HAVE_CUDA
// Every GPU case (tools/bench/gpu_cases.h) on the current device, checked, then timed with
// CudaTimer; rates against device_peaks().
int run_cuda(const Options& o);
#endif

}  // namespace acl::bench
