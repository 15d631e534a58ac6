// Fused contrastive loss on CUDA (see kernels/contrastive.h for the masks and the formulas):
//   forward:  row_lse, row_pos, row_spos, row_hit (M each), loss (1), accuracy (1, f32),
//             anchors (1, i32)                                                      (written)
//   backward: grad_zhat (M, d) = sum_j (G_kj + G_jk) zhat_j                         (written)
// Saved for backward: row_lse and row_pos; nothing of size M x M exists at any time.
//
// Layout: a block of 256 threads owns kTile = 64 rows and walks the column tiles of 64 columns in
// order. A tile of Z Z^T is formed in registers: the 64 x 32 slices of the row and column blocks
// of zhat are staged in shared memory (transposed, padded against bank conflicts) and each thread
// accumulates a 4 x 4 sub-tile (rows ty + 16 a, columns tx + 16 b, ty = tid / 16, tx = tid % 16).
// The mask is computed from the ids of the row (registers) and of the column (shared memory).
//   forward:  each thread folds its 4 x 4 entries into per-row running statistics (online
//             log-sum-exp: the max and the sum rescaled when the max grows; the positive sum,
//             count and max; the negative max). After the last tile, the 16 threads sharing a
//             row (16 consecutive lanes) merge their states with a fixed xor-shuffle tree, and
//             a one-block kernel reduces the rows to the loss, the accuracy and the anchor count.
//   backward: the coefficient tile G_kj + G_jk is written to shared memory, then multiplied by
//             the column block of zhat in chunks of kBackwardChunk dimensions; the block
//             adds the product into its own rows of grad_zhat in global memory (= on the first
//             column tile, += after), each element always by the same thread. No atomics: the sums
//             run in a fixed order, so results are bit-reproducible.
// Numerics in float (f32 accumulation); every exp argument is <= 0
// (s - running max, old max - new max, s - saved log-sum-exp), so nothing overflows.
#include <cmath>
#include <cstdint>
#include <string>

#include "kernels/contrastive.h"
#include "kernels/contrastive_shared.h"
#include "kernels/cuda/common.cuh"

namespace acl::kernels {
namespace {

using namespace contrastive_detail;
using namespace cuda_detail;

constexpr int kTile = 64;  // rows per block = columns per tile
constexpr int kSide = 16;  // threads per tile side: 16 x 16 = 256 threads
constexpr int kMicro = 4;  // each thread covers kMicro x kMicro entries of a tile
constexpr int kThreads = kSide * kSide;
constexpr int kDimChunk = 32;  // dimensions of zhat staged per step of the dot products
constexpr int kPad = kTile + 1;
constexpr int kDotSmem = 2 * kDimChunk * kPad;  // elements: row slice + column slice
constexpr int kLossBlock = 512;
static_assert(kSide * kMicro == kTile, "tile geometry");

// Dimensions per step of the backward product G (64 x 64) @ zhat_cols (64 x chunk); the
// coefficient tile and one chunk share the dot products' staging buffer.
constexpr int kBackwardChunk = 64;
constexpr int kBackwardMix = kTile * kPad + kTile * kBackwardChunk;  // coefficients + one chunk
constexpr int kBackwardSmem = kBackwardMix > kDotSmem ? kBackwardMix : kDotSmem;
static_assert(kBackwardSmem * sizeof(float) + kTile * (3 * sizeof(int) + 3 * sizeof(float)) <=
                  48 * 1024,
              "backward shared memory exceeds the static limit");

// acc[a][b] = 0 over a thread's NA x NB micro-tile.
template <int NA, int NB>
__device__ inline void micro_zero(float (&acc)[NA][NB]) {
#pragma unroll
  for (int a = 0; a < NA; ++a) {
#pragma unroll
    for (int b = 0; b < NB; ++b) acc[a][b] = 0.0f;
  }
}

// acc[a][b] += col[16a] * row[16b]: one rank-1 update of a thread's micro-tile (rows ty + 16a,
// columns tx + 16b) from a column slice and a row slice in shared memory.
template <int NA, int NB>
__device__ inline void micro_rank1(float (&acc)[NA][NB], const float* col, const float* row) {
  float av[NA], bv[NB];
#pragma unroll
  for (int a = 0; a < NA; ++a) av[a] = col[kSide * a];
#pragma unroll
  for (int b = 0; b < NB; ++b) bv[b] = row[kSide * b];
#pragma unroll
  for (int a = 0; a < NA; ++a) {
#pragma unroll
    for (int b = 0; b < NB; ++b) acc[a][b] += av[a] * bv[b];
  }
}

// acc[a][b] = <z_{r0 + ty + 16a}, z_{c0 + tx + 16b}> over all d dimensions (0 past M).
// Uses smem[0, kDotSmem); every thread of the block must call it. Starts with the staging writes
// (callers synchronise before reusing smem) and ends with a barrier.
__device__ inline void tile_dot(float (&acc)[kMicro][kMicro], const float* __restrict__ z, int r0,
                                int c0, int M, int d, float* smem) {
  float* as = smem;                     // [kDimChunk][kPad]: row slice, transposed
  float* bs = smem + kDimChunk * kPad;  // [kDimChunk][kPad]: column slice, transposed
  const int tx = threadIdx.x % kSide, ty = threadIdx.x / kSide;
  micro_zero(acc);
  for (int k0 = 0; k0 < d; k0 += kDimChunk) {
    // consecutive threads read consecutive dimensions of one row (coalesced); the padded
    // transposed store puts them in distinct banks
    for (int e = threadIdx.x; e < kTile * kDimChunk; e += kThreads) {
      const int r = e / kDimChunk, k = e % kDimChunk, gk = k0 + k;
      const int ra = r0 + r, cb = c0 + r;
      as[k * kPad + r] = (ra < M && gk < d) ? z[static_cast<int64_t>(ra) * d + gk] : 0.0f;
      bs[k * kPad + r] = (cb < M && gk < d) ? z[static_cast<int64_t>(cb) * d + gk] : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int k = 0; k < kDimChunk; ++k) micro_rank1(acc, as + k * kPad + ty, bs + k * kPad + tx);
    __syncthreads();
  }
}

// Running statistics of one row over the columns one thread has seen.
struct RowStat {
  float m;        // max of the valid s
  float s;        // sum of exp(s - m) over the valid s
  float pos_sum;  // sum of the positive s
  float pos_max;
  float neg_max;
  int pos_count;
};

__device__ inline RowStat row_stat_init() {
  return RowStat{neg_inf<float>(), 0.0f, 0.0f, neg_inf<float>(), neg_inf<float>(), 0};
}

__device__ inline void lse_push(RowStat& st, float x) {
  if (x > st.m) {
    st.s = st.s * hd_exp(st.m - x) + 1.0f;  // m = -inf, s = 0 at start: 0 * 0 + 1
    st.m = x;
  } else {
    st.s += hd_exp(x - st.m);  // x <= m, both finite here (NaN propagates through s)
  }
}

// Symmetric in (a, b): after the xor tree every lane of a group holds the same bits.
__device__ inline RowStat row_stat_merge(const RowStat& a, const RowStat& b) {
  RowStat r;
  r.m = a.m > b.m ? a.m : b.m;
  const float ta = a.s == 0.0f ? 0.0f : a.s * hd_exp(a.m - r.m);
  const float tb = b.s == 0.0f ? 0.0f : b.s * hd_exp(b.m - r.m);
  r.s = ta + tb;
  r.pos_sum = a.pos_sum + b.pos_sum;
  r.pos_max = a.pos_max > b.pos_max ? a.pos_max : b.pos_max;
  r.neg_max = a.neg_max > b.neg_max ? a.neg_max : b.neg_max;
  r.pos_count = a.pos_count + b.pos_count;
  return r;
}

__device__ inline RowStat row_stat_shfl_xor(const RowStat& v, int offset) {
  RowStat r;
  r.m = __shfl_xor_sync(0xffffffffu, v.m, offset);
  r.s = __shfl_xor_sync(0xffffffffu, v.s, offset);
  r.pos_sum = __shfl_xor_sync(0xffffffffu, v.pos_sum, offset);
  r.pos_max = __shfl_xor_sync(0xffffffffu, v.pos_max, offset);
  r.neg_max = __shfl_xor_sync(0xffffffffu, v.neg_max, offset);
  r.pos_count = __shfl_xor_sync(0xffffffffu, v.pos_count, offset);
  return r;
}

// Loads the ids of rows r0 + ty + 16a (a sentinel past M: those rows are never written).
__device__ inline void load_row_ids(int (&rid)[kMicro][3], const int32_t* __restrict__ ids, int r0,
                                    int M) {
  const int ty = threadIdx.x / kSide;
#pragma unroll
  for (int a = 0; a < kMicro; ++a) {
    const int i = r0 + ty + kSide * a;
#pragma unroll
    for (int c = 0; c < 3; ++c) rid[a][c] = i < M ? ids[3 * static_cast<int64_t>(i) + c] : 0;
  }
}

static __global__ void __launch_bounds__(kThreads)
    contrastive_rows_kernel(float* __restrict__ row_lse, int32_t* __restrict__ row_pos,
                            float* __restrict__ row_spos, int32_t* __restrict__ row_hit,
                            const float* __restrict__ z, const int32_t* __restrict__ ids, int M,
                            int d, float inv_tau) {
  __shared__ float smem[kDotSmem];
  __shared__ int col_ids[3][kTile];
  const int tx = threadIdx.x % kSide, ty = threadIdx.x / kSide;
  const int r0 = blockIdx.x * kTile;
  int rid[kMicro][3];
  load_row_ids(rid, ids, r0, M);
  RowStat st[kMicro];
#pragma unroll
  for (int a = 0; a < kMicro; ++a) st[a] = row_stat_init();

  for (int c0 = 0; c0 < M; c0 += kTile) {
    __syncthreads();  // the previous tile's readers of col_ids are done
    if (threadIdx.x < kTile) {
      const int j = c0 + threadIdx.x;
#pragma unroll
      for (int c = 0; c < 3; ++c) {
        col_ids[c][threadIdx.x] = j < M ? ids[3 * static_cast<int64_t>(j) + c] : 0;
      }
    }
    float acc[kMicro][kMicro];
    tile_dot(acc, z, r0, c0, M, d, smem);  // its barriers publish col_ids
#pragma unroll
    for (int b = 0; b < kMicro; ++b) {
      const int jl = tx + kSide * b;
      if (c0 + jl >= M) continue;
      const int crec = col_ids[0][jl], creg = col_ids[1][jl], cview = col_ids[2][jl];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
        const PairMask mask = pair_mask(rid[a][0], rid[a][1], rid[a][2], crec, creg, cview);
        if (mask.excluded) continue;  // the diagonal included
        const float s = acc[a][b] * inv_tau;
        if (mask.positive) {
          st[a].pos_sum += s;
          ++st[a].pos_count;
          st[a].pos_max = s > st[a].pos_max ? s : st[a].pos_max;
        } else {
          st[a].neg_max = s > st[a].neg_max ? s : st[a].neg_max;
        }
        lse_push(st[a], s);
      }
    }
  }

#pragma unroll
  for (int a = 0; a < kMicro; ++a) {
    RowStat v = st[a];
    // lanes 16h .. 16h + 15 hold the same row: xor offsets below 16 stay inside the group
    for (int offset = kSide / 2; offset > 0; offset /= 2) {
      v = row_stat_merge(v, row_stat_shfl_xor(v, offset));
    }
    const int i = r0 + ty + kSide * a;
    if (tx == 0 && i < M) {
      finish_row(v.m, v.s, v.pos_sum, v.pos_count, v.pos_max, v.neg_max, row_lse + i, row_pos + i,
                 row_spos + i, row_hit + i);
    }
  }
}

// loss = mean over anchors of (row_lse - row_spos), accuracy = mean of row_hit over anchors,
// anchors = #{row_pos > 0}; one block, fixed reduction tree.
static __global__ void contrastive_reduce_kernel(float* loss, float* accuracy, int32_t* anchors,
                                                 const float* row_lse, const int32_t* row_pos,
                                                 const float* row_spos, const int32_t* row_hit,
                                                 int M) {
  float acc = 0.0f;
  int n = 0, hits = 0;
  for (int i = threadIdx.x; i < M; i += blockDim.x) {
    if (row_pos[i] > 0) {
      acc += row_lse[i] - row_spos[i];
      ++n;
      hits += row_hit[i];
    }
  }
  acc = block_sum(acc);
  n = block_sum(n);
  hits = block_sum(hits);
  if (threadIdx.x == 0) {
    loss[0] = n > 0 ? acc / static_cast<float>(n) : 0.0f;
    accuracy[0] = n > 0 ? static_cast<float>(static_cast<double>(hits) / n) : 0.0f;
    anchors[0] = n;
  }
}

static __global__ void __launch_bounds__(kThreads)
    contrastive_backward_kernel(float* __restrict__ grad, const float* __restrict__ grad_loss,
                                const float* __restrict__ z, const int32_t* __restrict__ ids,
                                const float* __restrict__ row_lse,
                                const int32_t* __restrict__ row_pos, double inv_tau_d, int anchors,
                                int M, int d) {
  constexpr int kChunk = kBackwardChunk;
  constexpr int kPerThread = kChunk / kSide;  // dimensions per thread in the product
  __shared__ float smem[kBackwardSmem];
  __shared__ int col_ids[3][kTile];
  __shared__ float col_lse[kTile];
  __shared__ float col_a[kTile];  // a_j (0 for a non-anchor column)
  __shared__ float col_q[kTile];  // a_j / |P_j|
  float* cs = smem;               // [kTile][kPad]: coefficients, column-major (cs[j * kPad + r])
  float* zs =
      smem + kTile * kPad;  // [kTile][kChunk]: column block of zhat, one chunk of dimensions

  const int tx = threadIdx.x % kSide, ty = threadIdx.x / kSide;
  const int r0 = blockIdx.x * kTile;
  const float inv_tau = static_cast<float>(inv_tau_d);
  const float a_anchor = anchor_scale(grad_loss[0], inv_tau_d, anchors);
  int rid[kMicro][3];
  load_row_ids(rid, ids, r0, M);
  float r_lse[kMicro], r_a[kMicro], r_q[kMicro];
#pragma unroll
  for (int a = 0; a < kMicro; ++a) {
    const int i = r0 + ty + kSide * a;
    const int p = i < M ? row_pos[i] : 0;
    r_lse[a] = i < M ? row_lse[i] : 0.0f;
    row_scales(a_anchor, p, &r_a[a], &r_q[a]);
  }

  for (int c0 = 0; c0 < M; c0 += kTile) {
    __syncthreads();  // the previous tile's readers of cs, zs and the column data are done
    if (threadIdx.x < kTile) {
      const int j = c0 + threadIdx.x;
      const bool in = j < M;
#pragma unroll
      for (int c = 0; c < 3; ++c) {
        col_ids[c][threadIdx.x] = in ? ids[3 * static_cast<int64_t>(j) + c] : 0;
      }
      const int p = in ? row_pos[j] : 0;
      col_lse[threadIdx.x] = in ? row_lse[j] : 0.0f;
      row_scales(a_anchor, p, &col_a[threadIdx.x], &col_q[threadIdx.x]);
    }
    float acc[kMicro][kMicro];
    tile_dot(acc, z, r0, c0, M, d, smem);  // ends with a barrier: smem is free for cs and zs

#pragma unroll
    for (int b = 0; b < kMicro; ++b) {
      const int jl = tx + kSide * b;
      const bool in = c0 + jl < M;
      const int crec = col_ids[0][jl], creg = col_ids[1][jl], cview = col_ids[2][jl];
      const float clse = col_lse[jl], ca = col_a[jl], cq = col_q[jl];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
        const PairMask mask = pair_mask(rid[a][0], rid[a][1], rid[a][2], crec, creg, cview);
        float c = 0.0f;
        if (in && !mask.excluded) {
          const float s = acc[a][b] * inv_tau;
          if (r_a[a] != 0.0f) c += pair_grad(r_a[a], r_q[a], s, r_lse[a], mask.positive);  // G_kj
          if (ca != 0.0f) c += pair_grad(ca, cq, s, clse, mask.positive);                  // G_jk
        }
        cs[jl * kPad + ty + kSide * a] = c;
      }
    }

    for (int k0 = 0; k0 < d; k0 += kChunk) {
      __syncthreads();  // cs complete; the previous chunk's readers of zs are done
      for (int e = threadIdx.x; e < kTile * kChunk; e += kThreads) {
        const int j = e / kChunk, k = e % kChunk;
        const int gj = c0 + j, gk = k0 + k;
        zs[e] = (gj < M && gk < d) ? z[static_cast<int64_t>(gj) * d + gk] : 0.0f;
      }
      __syncthreads();
      float out[kMicro][kPerThread];
      micro_zero(out);
#pragma unroll 8
      for (int j = 0; j < kTile; ++j) micro_rank1(out, cs + j * kPad + ty, zs + j * kChunk + tx);
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
        const int i = r0 + ty + kSide * a;
        if (i >= M) continue;
#pragma unroll
        for (int b = 0; b < kPerThread; ++b) {
          const int k = k0 + tx + kSide * b;
          if (k >= d) continue;
          float* g = grad + static_cast<int64_t>(i) * d + k;
          *g = c0 == 0 ? out[a][b] : *g + out[a][b];  // this thread's own element: no race
        }
      }
    }
  }
}

unsigned row_blocks(int M) {
  return static_cast<unsigned>((static_cast<int64_t>(M) + kTile - 1) / kTile);
}

}  // namespace

void contrastive_forward_cuda(float* loss, float* accuracy, int32_t* anchors, float* row_lse,
                              int32_t* row_pos, float* row_spos, int32_t* row_hit,
                              const float* zhat, const int32_t* ids, int M, int d, double inv_tau,
                              cudaStream_t stream) {
  const char* op = "contrastive_forward_cuda";
  check_forward_args(op, loss, accuracy, anchors, row_lse, row_pos, row_spos, row_hit, zhat, ids, M,
                     d, inv_tau);
  if (M > 0) {
    contrastive_rows_kernel<<<row_blocks(M), kThreads, 0, stream>>>(
        row_lse, row_pos, row_spos, row_hit, zhat, ids, M, d, static_cast<float>(inv_tau));
    CUDA_CHECK(cudaGetLastError());
  }
  contrastive_reduce_kernel<<<1, kLossBlock, 0, stream>>>(loss, accuracy, anchors, row_lse, row_pos,
                                                          row_spos, row_hit, M);
  CUDA_CHECK(cudaGetLastError());
}

void contrastive_backward_cuda(float* grad_zhat, const float* grad_loss, const float* zhat,
                               const int32_t* ids, const float* row_lse, const int32_t* row_pos,
                               int anchors, int M, int d, double inv_tau, cudaStream_t stream) {
  const char* op = "contrastive_backward_cuda";
  check_backward_args(op, grad_zhat, grad_loss, zhat, ids, row_lse, row_pos, anchors, M, d,
                      inv_tau);
  if (M == 0) return;
  contrastive_backward_kernel<<<row_blocks(M), kThreads, 0, stream>>>(
      grad_zhat, grad_loss, zhat, ids, row_lse, row_pos, inv_tau, anchors, M, d);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
