// The differentiable op API (one API for every device). Each op checks dtypes, devices and shapes
// and throws std::invalid_argument naming the op, the argument and the shapes involved; it runs the
// kernel of the tensors' device, and records a tape node when an input requires grad.
//
// Shapes are explicit: no implicit broadcasting. Floating ops take f32 or f64 (f64 on the CPU for
// gradient checks); index arguments are i32.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace acl {

class Rng;

// ---- elementwise (same shape)
// ---------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, double s);  // s * x
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);  // exact: x * Phi(x), Phi the standard normal CDF (erf form)

// In-place dst += src (same shape/dtype/device), not recorded by autograd.
void add_(Tensor& dst, const Tensor& src);

// ---- linear algebra
// -------------------------------------------------------------------------------
Tensor matmul(const Tensor& a, const Tensor& b);  // (M,K) @ (K,N) -> (M,N)
// x (N, in) @ w(out, in)^T + b(out) -> (N, out); b may be undefined.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

// ---- convolution and normalisation
// ------------------------------------------------------------------
struct Conv1dOptions {
  int stride = 1;
  int padding = 0;
  int dilation = 1;
  int groups = 1;
};
// x (B, Cin, L), w (Cout, Cin/groups, K), b (Cout) or undefined -> (B, Cout, Lout).
Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv1dOptions& opt = {});

// x (B, C) or (B, C, L). gamma/beta (C) may be undefined (identity affine). In training mode the
// batch statistics normalise and running_mean/running_var (C, not differentiated, may be
// undefined) are updated in place with `momentum` (unbiased variance, as PyTorch); in eval mode the
// running statistics normalise.
Tensor batchnorm1d(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor running_mean,
                   Tensor running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// relu(batchnorm1d(...)) in one op, with the same results bit for bit: the kernels apply the ReLU
// as they write the output and mask the gradient by that output inside the batch-norm backward
// (no separate ReLU pass, no saved pre-ReLU tensor). Under synchronised batch norm (training in a
// SyncBatchNormScope) it runs the synchronised batch norm followed by relu.
Tensor batchnorm1d_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        Tensor running_mean, Tensor running_var, bool training,
                        double momentum = 0.1, double eps = 1e-5);

// Rows of x (N, D) divided by max(||row||_2, eps), as torch.nn.functional.normalize.
Tensor l2_normalize(const Tensor& x, double eps = 1e-12);

// ---- pooling
// -------------------------------------------------------------------------------------- x (B, C,
// L) -> (B, C, Lout), floor mode; padding is -inf for max, counted as zeros for avg.
Tensor max_pool1d(const Tensor& x, int kernel, int stride, int padding = 0);
Tensor avg_pool1d(const Tensor& x, int kernel, int stride, int padding = 0);
Tensor global_avg_pool1d(const Tensor& x);  // (B, C, L) -> (B, C)

// ---- regularisation
// -------------------------------------------------------------------------------- Inverted
// dropout: zero with probability p, scale kept values by 1/(1-p). The mask is a pure function of
// (rng seed, rng stream, element offset reserved from rng + element index) and is recomputed in
// backward; `rng` advances past the x.numel() draws it used. Identity when !training or p == 0.
Tensor dropout(const Tensor& x, double p, bool training, Rng& rng);

// ---- losses
// ---------------------------------------------------------------------------------------
Tensor log_softmax(const Tensor& x);  // over the last dim of (N, C)
// Mean over rows of -log_softmax(logits)[i, target[i]]; logits (N, C), targets i32 (N).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets);
// Mean over elements of the numerically stable binary cross-entropy with logits; same shapes.
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets);

// ---- shape and indexing
// ---------------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);  // same as x.reshape(shape)
Tensor concat(const std::vector<Tensor>& xs, int dim);
Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end);  // [start, end) along dim
Tensor gather_rows(const Tensor& x, const Tensor& index);  // x (N, ...), index i32 (M) -> (M, ...)

// ---- reductions
// -----------------------------------------------------------------------------------
Tensor sum(const Tensor& x);            // all elements -> scalar (rank 0)
Tensor mean(const Tensor& x);           // all elements -> scalar
Tensor sum(const Tensor& x, int dim);   // removes dim
Tensor mean(const Tensor& x, int dim);  // removes dim

}  // namespace acl
