// The conv1d cases acl_bench times: the encoders' convolution shapes and their three passes, with
// the FLOP and byte counts the rates are computed from and the check tolerances.
//
// They do not reuse tests/op_cases.h: those are small autograd-level cases (batch 2, a few
// channels, with bias) built for finite differences and backend comparison, while these are the
// encoders' full shapes at kernel level, named by the tags that tools/bench_torch.py and
// docs/benchmarks.md share, with FLOP and byte counts per pass.
#pragma once

#include <string>
#include <vector>

#include "engine/tensor.h"
#include "kernels/conv1d.h"

namespace acl::bench {

// conv_shapes() is kept equal to CONV_SHAPES in tools/bench_torch.py (`acl_bench --list` and
// `bench_torch.py --list` print the same lines). Tags: r18 = resnet1d18 (EncoderConfig::resnet1d18:
// 12 leads, stem k15 stride 2 + max_pool1d(3, 2, 1), stages of widths 64-128-256-512 with k7,
// stride 2 into stages 2-4 and a 1x1 stride-2 downsample "ds" on their shortcut); lw12 / lw8 = the
// lead-wise encoder (groups = leads, per-lead channels 8-16-32-64-64, k3, max_pool1d(2) after each
// block) on 12 leads and on the default 8 independent leads; 100hz / 250hz = 10 s records of 1000 /
// 2500 samples.
// r18_step = resnet1d18 on the CPU training step of tools/bench/cpu_step.py (batch 2 views x 64
// records, 250-sample views), the shapes whose time the step's records/s reflects.
struct ConvShape {
  const char* tag;
  int B, Cin, Cout, L, K, stride, pad, groups;
};

const std::vector<ConvShape>& conv_shapes();

enum class ConvPass { forward, backward_data, backward_weight };
constexpr ConvPass kConvPasses[] = {ConvPass::forward, ConvPass::backward_data,
                                    ConvPass::backward_weight};
const char* pass_name(ConvPass p);  // "fwd", "dgrad", "wgrad"

// --batch when given, else the shape's own batch.
int conv_batch(const ConvShape& c, int batch_override);
int conv_out_length(const ConvShape& c);
// The shape of the pass's output: y, dx or dw.
Shape conv_out_shape(const ConvShape& c, ConvPass pass, int B);

// "B256 Cin12 Cout64 L1000 K15 s2 p7 g1 Lout500" (bench_torch.py writes the same text).
std::string conv_dims(const ConvShape& c, int B);
// The same for the three passes: one multiply-add per (output element, Cin/groups, K).
double conv_flops(const ConvShape& c, int B);
// Each pass reads two of (x, w, dy or y) and writes the third.
double conv_bytes(const ConvShape& c, int B);

// Tolerances on max |got - ref| / max |ref|. FP32 against FP32 (or float64): the sums run over
// Cin/groups x K terms for fwd and dgrad; wgrad sums B x Lout terms, in a different order in every
// implementation, hence 10x looser. TF32 rounds each input to a 10-bit mantissa (relative error up
// to 2^-11, about 4.9e-4, per operand) before FP32 accumulation: on these random-normal inputs the
// rounding errors partly cancel and stay well below 1e-2 of the largest output, while a wrong
// layout, padding or algorithm gives errors of order 1.
double fp32_tolerance(ConvPass p);
constexpr double kTf32Tolerance = 1e-2;

// `acl_bench --list`: one line per case, "conv1d_fwd/r18_100hz_stem B256 Cin12 ...".
int list_conv_cases(int batch_override);

// The CPU kernel of `pass` (no bias, dilation 1): out = y, dx or dw from x, w and dy.
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

}  // namespace acl::bench
