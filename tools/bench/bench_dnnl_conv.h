// oneDNN as the CPU conv1d yardstick of acl_bench --device cpu. oneDNN is never part of the engine:
// the engine's CPU convolutions are its own (kernels/cpu/conv1d.cpp); this wrapper exists only to
// time oneDNN (Debian's libdnnl, the library PyTorch's CPU convolutions dispatch to) on the same
// shapes, checked against the same float64 reference.
//
// A conv1d (B, Cin, L) * (Cout, Cin/groups, K) is oneDNN's 1-D convolution: src ncw, weights oiw
// (goiw with groups > 1, shape (groups, Cout/groups, Cin/groups, K)), dst ncw, padding `pad` on
// both sides, stride `stride`, dilation 1, convolution_direct, f32, no bias. Passes: forward
// (forward_training), backward_data and backward_weights (both with the forward primitive
// descriptor as their hint).
//
// Layouts, the two rows of each pass:
//   DnnlLayout::plain    the primitive runs on the caller's plain ncw / oiw buffers (oneDNN picks
//                        an implementation that supports them): the engine's contract as is.
//   DnnlLayout::blocked  every memory descriptor is format_tag::any, so oneDNN picks its preferred
//                        (blocked, e.g. nCw16c) layouts; the timed run includes the reorders of
//                        the inputs into them and of the output back to plain, as PyTorch pays
//                        them on plain tensors.
// Threads: oneDNN's OpenMP runtime, set by dnnl_set_num_threads (acl_bench uses the engine's
// count). Errors: oneDNN's dnnl::error (a std::exception naming the failed call) propagates.
#pragma once

#include <memory>
#include <string>

#include "tools/bench/conv_cases.h"

namespace acl::bench {

// "oneDNN 2.6.3 (cpu runtime OpenMP)". Never throws.
std::string dnnl_version_string();

// OpenMP threads for oneDNN's primitives (omp_set_num_threads).
void dnnl_set_num_threads(int n);

enum class DnnlLayout { plain, blocked };

// One pass of one shape, primitives built once; run() computes out = y, dx or dw (plain layout)
// from the caller's x, w and dy, which must outlive the object.
class DnnlConv {
 public:
  DnnlConv(const ConvShape& c, ConvPass pass, int B, DnnlLayout layout, float* out, const float* x,
           const float* w, const float* dy);
  ~DnnlConv();
  DnnlConv(const DnnlConv&) = delete;
  DnnlConv& operator=(const DnnlConv&) = delete;

  void run();
  // oneDNN's implementation name (impl_info_str, e.g. "jit:avx512_core") and the reorders run.
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acl::bench
