// The GPU cases of acl_bench: each one is checked before it is timed (Case::prepare), then timed
// by run_cuda. Families: conv1d (acl, and cuDNN as the yardstick when built with it), one shape
// each of the other kernels, and the pretraining kernels (contrastive loss, ECG augmentation).
#pragma once

#ifdef ACL_HAVE_CUDA
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "tools/bench/check.h"
#include "tools/bench/options.h"

namespace acl::bench {

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

// A standard-normal f32 tensor on the GPU, drawn on the host from Rng(seed, 0).
Tensor random_cuda(const Shape& s, uint64_t seed);
// Fills t with 0xff bytes on the compute stream: NaN for f32, -1 for i32.
void nan_fill(const Tensor& t);

// Whether run_cuda times the cuDNN rows: a handle bound to the compute stream, or null (always
// null in a build without cuDNN, where CudnnHandle stays incomplete).
class CudnnHandle;
using CudnnHandlePtr = std::shared_ptr<CudnnHandle>;
// A handle when this build has cuDNN (ACL_HAVE_CUDNN) and --no-cudnn is not given, after
// printing cuDNN's version and math modes; otherwise null, after saying why.
CudnnHandlePtr cudnn_rows(const Options& o);

// conv1d: per conv_shapes() entry and pass, acl's kernel (checked against its CPU twin at batch 2)
// and, with a cuDNN handle, cudnn_fp32 and cudnn_tf32 (checked against acl's output).
void add_conv_cases(std::vector<Case>& cases, const Options& o, const CudnnHandlePtr& cudnn);
// relu, batchnorm1d (train), max_pool1d, gemm, l2_normalize and log_softmax on one shape each.
void add_other_cases(std::vector<Case>& cases);
// The fused contrastive loss on contrastive_shapes() (fwd, bwd, fwd_bwd).
void add_contrastive_cases(std::vector<Case>& cases);
// One view of augment_view for a batch of 12-lead records.
void add_augment_cases(std::vector<Case>& cases);

}  // namespace acl::bench
#endif  // ACL_HAVE_CUDA
