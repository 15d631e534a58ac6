// Fused similarity-matrix + region-masked softmax contrastive loss (see engine/ops_contrastive.h
// for the loss). zhat (M, d) holds L2-normalised rows; ids (M, 3) = (record, region, view) per row,
// i32, row-major. For rows i, j with s_ij = <zhat_i, zhat_j> * inv_tau:
//   excluded  same record, region and view (j == i included)
//   positive  same record and region, different view
//   negative  anything else; "valid" = positive or negative.
// An anchor is a row with at least one positive. The M x M matrix is never stored: both passes
// tile it and recompute s_ij from zhat, so memory is O(M d) + O(M).
//
//   forward  (all written, =):
//     row_lse  (M)   log sum_{j valid} exp(s_ij), online log-sum-exp (-inf: no valid column)
//     row_pos  (M)   |P_i|, the number of positives of row i
//     row_spos (M)   mean_{p in P_i} s_ip (0 when |P_i| = 0)
//     row_hit  (M)   1 when |P_i| > 0 and max_{p in P_i} s_ip > max_{j negative} s_ij (a tie with a
//                    negative is a miss; a row without negatives hits), else 0
//     loss     (1)   mean over anchors of row_lse - row_spos (0 when there is no anchor)
//     accuracy (1)   mean over anchors of row_hit, f32 (0 when there is no anchor)
//     anchors  (1)   number of anchors, i32
//   backward (written, =): with a_i = grad_loss * inv_tau / anchors for an anchor row, 0 otherwise,
//   and G_ij = a_i (exp(s_ij - row_lse_i) - [j in P_i] / |P_i|) for valid (i, j), 0 otherwise,
//     grad_zhat (M, d): grad_zhat_k = sum_j (G_kj + G_jk) zhat_j
//   (row k's gradient as an anchor plus as a column of the other anchors; the valid and positive
//   relations are symmetric, so one pass over the columns j of row k computes both terms, and no
//   two threads ever add into the same output row: deterministic, no atomics).
//   Saved from forward: row_lse and row_pos. `anchors` is the host value of the forward count.
//
// Numerics: dot products and sums accumulate in T (f32 for float, f64 for double); the
// log-sum-exp is online (running max, sum rescaled when the max grows). grad_loss is a pointer to
// one element (a device pointer for the CUDA twins).
#pragma once

#include <cstdint>

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void contrastive_forward_cpu(T* loss, float* accuracy, int32_t* anchors, T* row_lse,
                             int32_t* row_pos, T* row_spos, int32_t* row_hit, const T* zhat,
                             const int32_t* ids, int M, int d, double inv_tau);
template <typename T>
void contrastive_backward_cpu(T* grad_zhat, const T* grad_loss, const T* zhat, const int32_t* ids,
                              const T* row_lse, const int32_t* row_pos, int anchors, int M, int d,
                              double inv_tau);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers. One block owns 64 rows and loops over 64-column tiles of Z Z^T formed in
// shared memory; per-row statistics are merged across the block's threads with a fixed shuffle tree
// and the loss is reduced by one block: bit-reproducible run to run.
void contrastive_forward_cuda(float* loss, float* accuracy, int32_t* anchors, float* row_lse,
                              int32_t* row_pos, float* row_spos, int32_t* row_hit,
                              const float* zhat, const int32_t* ids, int M, int d, double inv_tau,
                              GpuStream stream);
void contrastive_backward_cuda(float* grad_zhat, const float* grad_loss, const float* zhat,
                               const int32_t* ids, const float* row_lse, const int32_t* row_pos,
                               int anchors, int M, int d, double inv_tau, GpuStream stream);

}  // namespace acl::kernels
