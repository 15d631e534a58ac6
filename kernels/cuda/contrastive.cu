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
//             the column block of zhat in chunks of BackwardSmem<T>::kChunk dimensions; the block
//             adds the product into its own rows of grad_zhat in global memory (= on the first
//             column tile, += after), each element always by the same thread. No atomics: the sums
//             run in a fixed order, so results are bit-reproducible.
// Numerics in T (f32 accumulation for float, f64 for double); every exp argument is <= 0
// (s - running max, old max - new max, s - saved log-sum-exp), so nothing overflows.
#include <cmath>
#include <cstdint>
#include <string>

#include "kernels/contrastive.h"
#include "kernels/contrastive_checks.h"
#include "kernels/cuda/common.cuh"

namespace acl::kernels {
namespace {

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

// Dimensions per step of the backward product G (64 x 64) @ zhat_cols (64 x chunk); smaller for
// double so the coefficient tile and the chunk fit the 48 KiB of static shared memory.
template <typename T>
struct BackwardSmem {
  static constexpr int kChunk = sizeof(T) == 4 ? 64 : 16;
  static constexpr int kMix = kTile * kPad + kTile * kChunk;  // coefficients + one chunk
  static constexpr int kElems = kMix > kDotSmem ? kMix : kDotSmem;
};
static_assert(BackwardSmem<double>::kElems * sizeof(double) + kTile * (3 * 4 + 3 * 8) <= 48 * 1024,
              "backward shared memory exceeds the static limit");

template <typename T>
__device__ inline T neg_inf() {
  return -static_cast<T>(INFINITY);
}

// acc[a][b] = <z_{r0 + ty + 16a}, z_{c0 + tx + 16b}> over all d dimensions (0 past M).
// Uses smem[0, kDotSmem); every thread of the block must call it. Starts with the staging writes
// (callers synchronise before reusing smem) and ends with a barrier.
template <typename T>
__device__ inline void tile_dot(T (&acc)[kMicro][kMicro], const T* __restrict__ z, int r0, int c0,
                                int M, int d, T* smem) {
  T* as = smem;                     // [kDimChunk][kPad]: row slice, transposed
  T* bs = smem + kDimChunk * kPad;  // [kDimChunk][kPad]: column slice, transposed
  const int tx = threadIdx.x % kSide, ty = threadIdx.x / kSide;
#pragma unroll
  for (int a = 0; a < kMicro; ++a) {
#pragma unroll
    for (int b = 0; b < kMicro; ++b) acc[a][b] = T(0);
  }
  for (int k0 = 0; k0 < d; k0 += kDimChunk) {
    // consecutive threads read consecutive dimensions of one row (coalesced); the padded
    // transposed store puts them in distinct banks
    for (int e = threadIdx.x; e < kTile * kDimChunk; e += kThreads) {
      const int r = e / kDimChunk, k = e % kDimChunk, gk = k0 + k;
      const int ra = r0 + r, cb = c0 + r;
      as[k * kPad + r] = (ra < M && gk < d) ? z[static_cast<int64_t>(ra) * d + gk] : T(0);
      bs[k * kPad + r] = (cb < M && gk < d) ? z[static_cast<int64_t>(cb) * d + gk] : T(0);
    }
    __syncthreads();
#pragma unroll 8
    for (int k = 0; k < kDimChunk; ++k) {
      T av[kMicro], bv[kMicro];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) av[a] = as[k * kPad + ty + kSide * a];
#pragma unroll
      for (int b = 0; b < kMicro; ++b) bv[b] = bs[k * kPad + tx + kSide * b];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
#pragma unroll
        for (int b = 0; b < kMicro; ++b) acc[a][b] += av[a] * bv[b];
      }
    }
    __syncthreads();
  }
}

// Running statistics of one row over the columns one thread has seen.
template <typename T>
struct RowStat {
  T m;        // max of the valid s
  T s;        // sum of exp(s - m) over the valid s
  T pos_sum;  // sum of the positive s
  T pos_max;
  T neg_max;
  int pos_count;
};

template <typename T>
__device__ inline RowStat<T> row_stat_init() {
  return RowStat<T>{neg_inf<T>(), T(0), T(0), neg_inf<T>(), neg_inf<T>(), 0};
}

template <typename T>
__device__ inline void lse_push(RowStat<T>& st, T x) {
  if (x > st.m) {
    st.s = st.s * d_exp(st.m - x) + T(1);  // m = -inf, s = 0 at start: 0 * 0 + 1
    st.m = x;
  } else {
    st.s += d_exp(x - st.m);  // x <= m, both finite here (NaN propagates through s)
  }
}

// Symmetric in (a, b): after the xor tree every lane of a group holds the same bits.
template <typename T>
__device__ inline RowStat<T> row_stat_merge(const RowStat<T>& a, const RowStat<T>& b) {
  RowStat<T> r;
  r.m = a.m > b.m ? a.m : b.m;
  const T ta = a.s == T(0) ? T(0) : a.s * d_exp(a.m - r.m);
  const T tb = b.s == T(0) ? T(0) : b.s * d_exp(b.m - r.m);
  r.s = ta + tb;
  r.pos_sum = a.pos_sum + b.pos_sum;
  r.pos_max = a.pos_max > b.pos_max ? a.pos_max : b.pos_max;
  r.neg_max = a.neg_max > b.neg_max ? a.neg_max : b.neg_max;
  r.pos_count = a.pos_count + b.pos_count;
  return r;
}

template <typename T>
__device__ inline RowStat<T> row_stat_shfl_xor(const RowStat<T>& v, int offset) {
  RowStat<T> r;
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

template <typename T>
static __global__ void __launch_bounds__(kThreads)
    contrastive_rows_kernel(T* __restrict__ row_lse, int32_t* __restrict__ row_pos,
                            T* __restrict__ row_spos, int32_t* __restrict__ row_hit,
                            const T* __restrict__ z, const int32_t* __restrict__ ids, int M, int d,
                            T inv_tau) {
  __shared__ T smem[kDotSmem];
  __shared__ int col_ids[3][kTile];
  const int tx = threadIdx.x % kSide, ty = threadIdx.x / kSide;
  const int r0 = blockIdx.x * kTile;
  int rid[kMicro][3];
  load_row_ids(rid, ids, r0, M);
  RowStat<T> st[kMicro];
#pragma unroll
  for (int a = 0; a < kMicro; ++a) st[a] = row_stat_init<T>();

  for (int c0 = 0; c0 < M; c0 += kTile) {
    __syncthreads();  // the previous tile's readers of col_ids are done
    if (threadIdx.x < kTile) {
      const int j = c0 + threadIdx.x;
#pragma unroll
      for (int c = 0; c < 3; ++c) {
        col_ids[c][threadIdx.x] = j < M ? ids[3 * static_cast<int64_t>(j) + c] : 0;
      }
    }
    T acc[kMicro][kMicro];
    tile_dot(acc, z, r0, c0, M, d, smem);  // its barriers publish col_ids
#pragma unroll
    for (int b = 0; b < kMicro; ++b) {
      const int jl = tx + kSide * b;
      if (c0 + jl >= M) continue;
      const int crec = col_ids[0][jl], creg = col_ids[1][jl], cview = col_ids[2][jl];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
        const bool rg = rid[a][0] == crec && rid[a][1] == creg;
        if (rg && rid[a][2] == cview) continue;  // excluded (the diagonal included)
        const T s = acc[a][b] * inv_tau;
        if (rg) {
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
    RowStat<T> v = st[a];
    // lanes 16h .. 16h + 15 hold the same row: xor offsets below 16 stay inside the group
    for (int offset = kSide / 2; offset > 0; offset /= 2) {
      v = row_stat_merge(v, row_stat_shfl_xor(v, offset));
    }
    const int i = r0 + ty + kSide * a;
    if (tx == 0 && i < M) {
      row_lse[i] = v.m == neg_inf<T>() ? neg_inf<T>() : v.m + d_log(v.s);
      row_pos[i] = v.pos_count;
      row_spos[i] = v.pos_count > 0 ? v.pos_sum / static_cast<T>(v.pos_count) : T(0);
      row_hit[i] = v.pos_count > 0 && v.pos_max > v.neg_max ? 1 : 0;
    }
  }
}

// loss = mean over anchors of (row_lse - row_spos), accuracy = mean of row_hit over anchors,
// anchors = #{row_pos > 0}; one block, fixed reduction tree.
template <typename T>
static __global__ void contrastive_reduce_kernel(T* loss, float* accuracy, int32_t* anchors,
                                                 const T* row_lse, const int32_t* row_pos,
                                                 const T* row_spos, const int32_t* row_hit, int M) {
  T acc = T(0);
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
    loss[0] = n > 0 ? acc / static_cast<T>(n) : T(0);
    accuracy[0] = n > 0 ? static_cast<float>(static_cast<double>(hits) / n) : 0.0f;
    anchors[0] = n;
  }
}

template <typename T>
static __global__ void __launch_bounds__(kThreads)
    contrastive_backward_kernel(T* __restrict__ grad, const T* __restrict__ grad_loss,
                                const T* __restrict__ z, const int32_t* __restrict__ ids,
                                const T* __restrict__ row_lse, const int32_t* __restrict__ row_pos,
                                T inv_tau, T inv_anchors, int M, int d) {
  constexpr int kChunk = BackwardSmem<T>::kChunk;
  constexpr int kPerThread = kChunk / kSide;  // dimensions per thread in the product
  __shared__ T smem[BackwardSmem<T>::kElems];
  __shared__ int col_ids[3][kTile];
  __shared__ T col_lse[kTile];
  __shared__ T col_a[kTile];    // a_j (0 for a non-anchor column)
  __shared__ T col_q[kTile];    // a_j / |P_j|
  T* cs = smem;                 // [kTile][kPad]: coefficients, column-major (cs[j * kPad + r])
  T* zs = smem + kTile * kPad;  // [kTile][kChunk]: column block of zhat, one chunk of dimensions

  const int tx = threadIdx.x % kSide, ty = threadIdx.x / kSide;
  const int r0 = blockIdx.x * kTile;
  const T a_anchor = grad_loss[0] * inv_tau * inv_anchors;
  int rid[kMicro][3];
  load_row_ids(rid, ids, r0, M);
  T r_lse[kMicro], r_a[kMicro], r_q[kMicro];
#pragma unroll
  for (int a = 0; a < kMicro; ++a) {
    const int i = r0 + ty + kSide * a;
    const int p = i < M ? row_pos[i] : 0;
    r_lse[a] = i < M ? row_lse[i] : T(0);
    r_a[a] = p > 0 ? a_anchor : T(0);
    r_q[a] = p > 0 ? a_anchor / static_cast<T>(p) : T(0);
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
      col_lse[threadIdx.x] = in ? row_lse[j] : T(0);
      col_a[threadIdx.x] = p > 0 ? a_anchor : T(0);
      col_q[threadIdx.x] = p > 0 ? a_anchor / static_cast<T>(p) : T(0);
    }
    T acc[kMicro][kMicro];
    tile_dot(acc, z, r0, c0, M, d, smem);  // ends with a barrier: smem is free for cs and zs

#pragma unroll
    for (int b = 0; b < kMicro; ++b) {
      const int jl = tx + kSide * b;
      const bool in = c0 + jl < M;
      const int crec = col_ids[0][jl], creg = col_ids[1][jl], cview = col_ids[2][jl];
      const T clse = col_lse[jl], ca = col_a[jl], cq = col_q[jl];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
        const bool rg = rid[a][0] == crec && rid[a][1] == creg;
        T c = T(0);
        if (in && !(rg && rid[a][2] == cview)) {
          const T s = acc[a][b] * inv_tau;
          if (r_a[a] != T(0)) c += r_a[a] * d_exp(s - r_lse[a]) - (rg ? r_q[a] : T(0));  // G_kj
          if (ca != T(0)) c += ca * d_exp(s - clse) - (rg ? cq : T(0));                  // G_jk
        }
        cs[jl * kPad + ty + kSide * a] = c;
      }
    }

    for (int k0 = 0; k0 < d; k0 += kChunk) {
      __syncthreads();  // cs complete; the previous chunk's readers of zs are done
      for (int e = threadIdx.x; e < kTile * kChunk; e += kThreads) {
        const int j = e / kChunk, k = e % kChunk;
        const int gj = c0 + j, gk = k0 + k;
        zs[e] = (gj < M && gk < d) ? z[static_cast<int64_t>(gj) * d + gk] : T(0);
      }
      __syncthreads();
      T out[kMicro][kPerThread];
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
#pragma unroll
        for (int b = 0; b < kPerThread; ++b) out[a][b] = T(0);
      }
#pragma unroll 8
      for (int j = 0; j < kTile; ++j) {
        T cv[kMicro], zv[kPerThread];
#pragma unroll
        for (int a = 0; a < kMicro; ++a) cv[a] = cs[j * kPad + ty + kSide * a];
#pragma unroll
        for (int b = 0; b < kPerThread; ++b) zv[b] = zs[j * kChunk + tx + kSide * b];
#pragma unroll
        for (int a = 0; a < kMicro; ++a) {
#pragma unroll
          for (int b = 0; b < kPerThread; ++b) out[a][b] += cv[a] * zv[b];
        }
      }
#pragma unroll
      for (int a = 0; a < kMicro; ++a) {
        const int i = r0 + ty + kSide * a;
        if (i >= M) continue;
#pragma unroll
        for (int b = 0; b < kPerThread; ++b) {
          const int k = k0 + tx + kSide * b;
          if (k >= d) continue;
          T* g = grad + static_cast<int64_t>(i) * d + k;
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

template <typename T>
void contrastive_forward_cuda(T* loss, float* accuracy, int32_t* anchors, T* row_lse,
                              int32_t* row_pos, T* row_spos, int32_t* row_hit, const T* zhat,
                              const int32_t* ids, int M, int d, double inv_tau,
                              cudaStream_t stream) {
  const char* op = "contrastive_forward_cuda";
  contrastive_detail::check_forward_args(op, loss, accuracy, anchors, row_lse, row_pos, row_spos,
                                         row_hit, zhat, ids, M, d, inv_tau);
  if (M > 0) {
    contrastive_rows_kernel<T><<<row_blocks(M), kThreads, 0, stream>>>(
        row_lse, row_pos, row_spos, row_hit, zhat, ids, M, d, static_cast<T>(inv_tau));
    CUDA_CHECK(cudaGetLastError());
  }
  contrastive_reduce_kernel<T><<<1, kLossBlock, 0, stream>>>(loss, accuracy, anchors, row_lse,
                                                             row_pos, row_spos, row_hit, M);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void contrastive_backward_cuda(T* grad_zhat, const T* grad_loss, const T* zhat, const int32_t* ids,
                               const T* row_lse, const int32_t* row_pos, int anchors, int M, int d,
                               double inv_tau, cudaStream_t stream) {
  const char* op = "contrastive_backward_cuda";
  contrastive_detail::check_backward_args(op, grad_zhat, grad_loss, zhat, ids, row_lse, row_pos,
                                          anchors, M, d, inv_tau);
  if (M == 0) return;
  contrastive_backward_kernel<T><<<row_blocks(M), kThreads, 0, stream>>>(
      grad_zhat, grad_loss, zhat, ids, row_lse, row_pos, static_cast<T>(inv_tau),
      static_cast<T>(1.0 / anchors), M, d);
  CUDA_CHECK(cudaGetLastError());
}

#define ACL_INSTANTIATE(T)                                                                     \
  template void contrastive_forward_cuda<T>(T*, float*, int32_t*, T*, int32_t*, T*, int32_t*,  \
                                            const T*, const int32_t*, int, int, double,        \
                                            cudaStream_t);                                     \
  template void contrastive_backward_cuda<T>(T*, const T*, const T*, const int32_t*, const T*, \
                                             const int32_t*, int, int, int, double, cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
