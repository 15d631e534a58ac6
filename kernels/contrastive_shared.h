// What the CPU and CUDA twins of the contrastive kernels (kernels/contrastive.h) share: the
// argument checks (same conditions and messages on both devices, each throwing
// std::invalid_argument("<op>: ...")) and the arithmetic of one pair (i, j) or one row, written
// once as ACL_HOST_DEVICE functions:
//   the mask       excluded: same record, region and view; positive: same record and region,
//                  different view; negative: anything else
//   the row        row_lse = m + log(s) (-inf without a valid column), row_spos = mean positive
//                  s, row_hit = positive max beats the negative max
//   the gradient   a = grad_loss * inv_tau / anchors (formed in double, rounded to T once),
//                  q = a / |P_i|, G_ij = a * exp(s_ij - row_lse_i) - [j in P_i] * q
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "kernels/runtime/host_device.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels::contrastive_detail {

// ---- arithmetic ---------------------------------------------------------------------------------

template <typename T>
ACL_HOST_DEVICE inline T neg_inf() {
  return -static_cast<T>(INFINITY);
}

// The relation of rows i and j from their (record, region, view) ids.
struct PairMask {
  bool excluded;  // same record, region and view (j == i included)
  bool positive;  // same record and region, different view
};

ACL_HOST_DEVICE inline PairMask pair_mask(int32_t rec_i, int32_t reg_i, int32_t view_i,
                                          int32_t rec_j, int32_t reg_j, int32_t view_j) {
  const bool same_region = rec_i == rec_j && reg_i == reg_j;
  return PairMask{same_region && view_i == view_j, same_region && view_i != view_j};
}

// The per-row outputs of the forward from the row's running statistics: m, the max of the valid
// s (-inf: none), s, the sum of exp(s - m), and the positives' sum, count and max against the
// negatives' max.
template <typename T>
ACL_HOST_DEVICE inline void finish_row(T m, T s, T pos_sum, int32_t pos_count, T pos_max, T neg_max,
                                       T* row_lse, int32_t* row_pos, T* row_spos,
                                       int32_t* row_hit) {
  *row_lse = m == neg_inf<T>() ? neg_inf<T>() : m + hd_log(s);
  *row_pos = pos_count;
  *row_spos = pos_count > 0 ? pos_sum / static_cast<T>(pos_count) : T(0);
  *row_hit = pos_count > 0 && pos_max > neg_max ? 1 : 0;
}

// a = grad_loss * inv_tau / anchors, formed in double and rounded to T once.
template <typename T>
ACL_HOST_DEVICE inline T anchor_scale(T grad_loss, double inv_tau, int anchors) {
  return static_cast<T>(static_cast<double>(grad_loss) * inv_tau / anchors);
}

// a_i (a on an anchor row, 0 otherwise) and q_i = a_i / |P_i| of a row with pos positives.
template <typename T>
ACL_HOST_DEVICE inline void row_scales(T a_anchor, int32_t pos, T* a, T* q) {
  *a = pos > 0 ? a_anchor : T(0);
  *q = pos > 0 ? a_anchor / static_cast<T>(pos) : T(0);
}

// G_ij = a_i * exp(s_ij - row_lse_i) - [j in P_i] * q_i for a valid pair of an anchor row i.
template <typename T>
ACL_HOST_DEVICE inline T pair_grad(T a, T q, T s, T lse, bool positive) {
  return a * hd_exp(s - lse) - (positive ? q : T(0));
}

// ---- argument checks ----------------------------------------------------------------------------

inline void check_args(const char* op, int M, int d, double inv_tau) {
  if (M < 0) fail(op, "M = " + std::to_string(M) + " is negative");
  if (M > 0 && d < 1) fail(op, "d = " + std::to_string(d) + " must be >= 1");
  if (!(inv_tau > 0.0) || !std::isfinite(inv_tau)) {
    fail(op, "inv_tau = " + std::to_string(inv_tau) + " must be positive and finite");
  }
}

inline void check_forward_args(const char* op, const void* loss, const void* accuracy,
                               const void* anchors, const void* row_lse, const void* row_pos,
                               const void* row_spos, const void* row_hit, const void* zhat,
                               const void* ids, int M, int d, double inv_tau) {
  check_args(op, M, d, inv_tau);
  check_ptr(op, "loss", loss, 1);
  check_ptr(op, "accuracy", accuracy, 1);
  check_ptr(op, "anchors", anchors, 1);
  check_ptr(op, "row_lse", row_lse, M);
  check_ptr(op, "row_pos", row_pos, M);
  check_ptr(op, "row_spos", row_spos, M);
  check_ptr(op, "row_hit", row_hit, M);
  check_ptr(op, "zhat", zhat, static_cast<int64_t>(M) * d);
  check_ptr(op, "ids", ids, static_cast<int64_t>(M) * 3);
}

inline void check_backward_args(const char* op, const void* grad_zhat, const void* grad_loss,
                                const void* zhat, const void* ids, const void* row_lse,
                                const void* row_pos, int anchors, int M, int d, double inv_tau) {
  check_args(op, M, d, inv_tau);
  if (M > 0 && anchors < 1) fail(op, "anchors = " + std::to_string(anchors) + " must be >= 1");
  const int64_t n = static_cast<int64_t>(M) * d;
  check_ptr(op, "grad_zhat", grad_zhat, n);
  check_ptr(op, "grad_loss", grad_loss, 1);
  check_ptr(op, "zhat", zhat, n);
  check_ptr(op, "ids", ids, static_cast<int64_t>(M) * 3);
  check_ptr(op, "row_lse", row_lse, M);
  check_ptr(op, "row_pos", row_pos, M);
}

}  // namespace acl::kernels::contrastive_detail
