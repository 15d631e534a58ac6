// Fused contrastive loss on the CPU (see kernels/contrastive.h): forward per-row statistics and
// loss, backward grad_zhat (M, d) (written). Rows are processed in tiles of kRowTile, columns in
// tiles of kColTile; each tile of Z Z^T is formed by one GEMM into a kRowTile x kColTile scratch
// buffer, masked from the ids, and folded into the rows' running statistics (online log-sum-exp at
// tile granularity: the tile's max, then the rescaled sum). Backward re-forms each tile, turns it
// into the coefficients G_kj + G_jk in place and multiplies it by the column block of zhat,
// accumulating the row block of the gradient over the column tiles in a fixed order.
// Memory: one scratch tile (kRowTile * kColTile elements) plus O(M) row statistics.
// Numerics: GEMM and exp sums in T; the loss reduction over the anchors in double.
// Threads (kernels/cpu/parallel.h): row tiles are independent (each writes only its rows' outputs)
// and are split over threads, each with its own scratch tile; the loss is summed over the rows in
// order afterwards, so nothing depends on the thread count.
#include "kernels/contrastive.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/contrastive_shared.h"
#include "kernels/cpu/parallel.h"
#include "kernels/gemm.h"

namespace acl::kernels {
namespace {

constexpr int kRowTile = 64;
constexpr int kColTile = 512;

using namespace contrastive_detail;

// The calling thread's scratch tile (kRowTile x kColTile), kept between calls.
template <typename T>
T* tile_scratch() {
  thread_local std::vector<T> tile(static_cast<size_t>(kRowTile) * kColTile);
  return tile.data();
}

// Row tiles of about this many multiply-adds make one thread's minimum share.
int64_t tile_grain(int M, int d) {
  const int64_t per_tile = static_cast<int64_t>(kRowTile) * M * (d > 0 ? d : 1);
  return per_tile >= (1 << 16) ? 1 : (1 << 16) / per_tile;
}

template <typename T>
struct RowState {
  T m = -std::numeric_limits<T>::infinity();  // running max of the valid s_ij
  T s = T(0);                                 // sum of exp(s_ij - m) over the valid columns seen
  T pos_sum = T(0);
  T pos_max = -std::numeric_limits<T>::infinity();
  T neg_max = -std::numeric_limits<T>::infinity();
  int32_t pos_count = 0;
};

}  // namespace

template <typename T>
void contrastive_forward_cpu(T* loss, float* accuracy, int32_t* anchors, T* row_lse,
                             int32_t* row_pos, T* row_spos, int32_t* row_hit, const T* zhat,
                             const int32_t* ids, int M, int d, double inv_tau) {
  const char* op = "contrastive_forward_cpu";
  check_forward_args(op, loss, accuracy, anchors, row_lse, row_pos, row_spos, row_hit, zhat, ids, M,
                     d, inv_tau);

  const T it = static_cast<T>(inv_tau);
  const T neg_inf = -std::numeric_limits<T>::infinity();
  const int64_t row_tiles = (static_cast<int64_t>(M) + kRowTile - 1) / kRowTile;
  cpu::parallel_for(row_tiles, tile_grain(M, d), [&](int64_t t0, int64_t t1) {
    T* tile = tile_scratch<T>();
    RowState<T> st[kRowTile];
    for (int r0 = static_cast<int>(t0 * kRowTile); r0 < std::min<int64_t>(M, t1 * kRowTile);
         r0 += kRowTile) {
      const int R = std::min(kRowTile, M - r0);
      std::fill(st, st + kRowTile, RowState<T>{});
      for (int c0 = 0; c0 < M; c0 += kColTile) {
        const int C = std::min(kColTile, M - c0);
        gemm_cpu<T>(false, true, R, C, d, T(1), zhat + static_cast<int64_t>(r0) * d,
                    zhat + static_cast<int64_t>(c0) * d, T(0), tile);
        for (int ii = 0; ii < R; ++ii) {
          const int32_t* idi = ids + 3 * static_cast<int64_t>(r0 + ii);
          RowState<T>& r = st[ii];
          T* srow = tile + static_cast<int64_t>(ii) * C;
          T tmax = neg_inf;
          for (int jj = 0; jj < C; ++jj) {
            const int32_t* idj = ids + 3 * static_cast<int64_t>(c0 + jj);
            const PairMask mask = pair_mask(idi[0], idi[1], idi[2], idj[0], idj[1], idj[2]);
            if (mask.excluded) {
              srow[jj] = neg_inf;  // adds exp(-inf) = 0 below
              continue;
            }
            const T s = srow[jj] * it;
            srow[jj] = s;
            if (mask.positive) {
              r.pos_sum += s;
              ++r.pos_count;
              r.pos_max = std::max(r.pos_max, s);
            } else {
              r.neg_max = std::max(r.neg_max, s);
            }
            if (!(s <= tmax)) tmax = s;  // a NaN becomes the max and propagates
          }
          if (tmax == neg_inf) continue;  // no valid column in this tile
          const T m = std::max(r.m, tmax);
          T sum = T(0);
          for (int jj = 0; jj < C; ++jj) sum += std::exp(srow[jj] - m);
          r.s = r.s * std::exp(r.m - m) + sum;  // first tile: 0 * exp(-inf) = 0
          r.m = m;
        }
      }
      for (int ii = 0; ii < R; ++ii) {
        const RowState<T>& r = st[ii];
        const int i = r0 + ii;
        finish_row(r.m, r.s, r.pos_sum, r.pos_count, r.pos_max, r.neg_max, row_lse + i, row_pos + i,
                   row_spos + i, row_hit + i);
      }
    }
  });

  double total = 0.0;
  int64_t n = 0, hits = 0;
  for (int i = 0; i < M; ++i) {
    if (row_pos[i] == 0) continue;
    total += static_cast<double>(row_lse[i]) - static_cast<double>(row_spos[i]);
    ++n;
    hits += row_hit[i];
  }
  loss[0] = static_cast<T>(n > 0 ? total / static_cast<double>(n) : 0.0);
  accuracy[0] =
      static_cast<float>(n > 0 ? static_cast<double>(hits) / static_cast<double>(n) : 0.0);
  anchors[0] = static_cast<int32_t>(n);
}

template <typename T>
void contrastive_backward_cpu(T* grad_zhat, const T* grad_loss, const T* zhat, const int32_t* ids,
                              const T* row_lse, const int32_t* row_pos, int anchors, int M, int d,
                              double inv_tau) {
  const char* op = "contrastive_backward_cpu";
  check_backward_args(op, grad_zhat, grad_loss, zhat, ids, row_lse, row_pos, anchors, M, d,
                      inv_tau);
  if (M == 0) return;

  const T it = static_cast<T>(inv_tau);
  // a_i = grad_loss * inv_tau / anchors on anchor rows; q_i = a_i / |P_i| (the positive term).
  const T a_anchor = anchor_scale(grad_loss[0], inv_tau, anchors);
  std::vector<T> a(M), q(M);
  for (int i = 0; i < M; ++i) row_scales(a_anchor, row_pos[i], &a[i], &q[i]);

  const int64_t row_tiles = (static_cast<int64_t>(M) + kRowTile - 1) / kRowTile;
  cpu::parallel_for(row_tiles, tile_grain(M, d), [&](int64_t t0, int64_t t1) {
    T* tile = tile_scratch<T>();
    for (int r0 = static_cast<int>(t0 * kRowTile); r0 < std::min<int64_t>(M, t1 * kRowTile);
         r0 += kRowTile) {
      const int R = std::min(kRowTile, M - r0);
      for (int c0 = 0; c0 < M; c0 += kColTile) {
        const int C = std::min(kColTile, M - c0);
        gemm_cpu<T>(false, true, R, C, d, T(1), zhat + static_cast<int64_t>(r0) * d,
                    zhat + static_cast<int64_t>(c0) * d, T(0), tile);
        for (int ii = 0; ii < R; ++ii) {
          const int k = r0 + ii;
          const int32_t* idk = ids + 3 * static_cast<int64_t>(k);
          const bool k_anchor = row_pos[k] > 0;
          T* crow = tile + static_cast<int64_t>(ii) * C;
          for (int jj = 0; jj < C; ++jj) {
            const int j = c0 + jj;
            const int32_t* idj = ids + 3 * static_cast<int64_t>(j);
            const PairMask mask = pair_mask(idk[0], idk[1], idk[2], idj[0], idj[1], idj[2]);
            if (mask.excluded) {
              crow[jj] = T(0);
              continue;
            }
            const T s = crow[jj] * it;
            T c = T(0);
            if (k_anchor) c += pair_grad(a[k], q[k], s, row_lse[k], mask.positive);        // G_kj
            if (row_pos[j] > 0) c += pair_grad(a[j], q[j], s, row_lse[j], mask.positive);  // G_jk
            crow[jj] = c;
          }
        }
        // grad rows [r0, r0 + R) (=) on the first column tile, (+=) after: a fixed order.
        gemm_cpu<T>(false, false, R, d, C, T(1), tile, zhat + static_cast<int64_t>(c0) * d,
                    c0 == 0 ? T(0) : T(1), grad_zhat + static_cast<int64_t>(r0) * d);
      }
    }
  });
}

#define ACL_INSTANTIATE(T)                                                                    \
  template void contrastive_forward_cpu<T>(T*, float*, int32_t*, T*, int32_t*, T*, int32_t*,  \
                                           const T*, const int32_t*, int, int, double);       \
  template void contrastive_backward_cpu<T>(T*, const T*, const T*, const int32_t*, const T*, \
                                            const int32_t*, int, int, int, double);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
