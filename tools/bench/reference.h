// The float64 references acl_bench checks its rows against: the conv1d CPU kernel in float64, and
// the contrastive loss's CPU twin in float64 (in full, or on a few spot rows of a large result).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "tools/bench/contrastive_cases.h"
#include "tools/bench/conv_cases.h"

namespace acl::bench {

// The CPU kernel of `pass` in float64 on float64 copies of the (f32, CPU) x, w and dy.
std::vector<double> conv_reference_f64(const ConvShape& c, ConvPass pass, int B, const Tensor& x,
                                       const Tensor& w, const Tensor& dy);

// Tolerance on max |got - ref| / max |ref| of the loss, the row statistics and the gradients
// against float64: s_ij = <zhat_i, zhat_j> / tau carries ~6e-8 sqrt(d) / tau of f32 error, which
// the softmax weights inherit, and each row sums up to M terms in an implementation-specific
// order (tests/test_contrastive_cuda.cpp: kCudaRtol, the same bound).
constexpr double kContrastiveTol = 1e-4;

// The CPU twin in float64 on the same (float) inputs: the statistics of the forward and, with
// grad_loss = 1, the gradients of the loss with respect to zhat and (want_grad_z) to z.
struct ContrastiveRef {
  double loss = 0;
  float accuracy = 0;
  int32_t anchors = 0;
  std::vector<double> lse, spos, grad_zhat, grad_z;
  std::vector<int32_t> pos;
};

ContrastiveRef contrastive_reference(const ContrastiveInputs& in, bool want_grad_z);

// The forward's error: the worst relative error of the loss, row_lse and row_spos; infinite when
// an integer output differs (row_pos, anchors) or the accuracy is off by more than near-ties
// can explain (2 rows flipping, as tests/test_contrastive_cuda.cpp allows); `why` says which.
double forward_error(const ContrastiveRef& ref, float loss, float accuracy, int32_t anchors,
                     const std::vector<float>& lse, const std::vector<float>& spos,
                     const std::vector<int32_t>& pos, std::string* why);

// A full-size result's spot check, for M > kContrastiveCheckRows where the CPU twin would take
// minutes: kSpotRows rows spread over [0, M) (the last one included), recomputed in float64 from
// in.zhat and in.ids. forward: their row_lse, row_pos and row_spos, and `loss` against the mean
// of the given row statistics (the reduction at full size). backward: their rows of
// grad_zhat = sum_j (G_kj + G_jk) zhat_j, with G from the given row_lse and row_pos (those of the
// spot rows are checked by the forward row) and `anchors`.
constexpr int kSpotRows = 16;

double contrastive_spot_error(const ContrastiveInputs& in, LossPass pass, int32_t anchors,
                              float loss, const std::vector<float>& lse,
                              const std::vector<float>& spos, const std::vector<int32_t>& pos,
                              const std::vector<float>& grad_zhat, std::string* why);

}  // namespace acl::bench
