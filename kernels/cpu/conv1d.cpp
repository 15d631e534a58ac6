// conv1d on the CPU: im2col + OpenBLAS GEMM.
// Cg = Cin/groups, Coutg = Cout/groups; col_g is row block g of col, W_g row block g of w.
//   col (Cin*K, Lout): col[ci*K + k, lo] = in[b, ci, lo*stride - pad + k*dil] (0 outside [0, L))
//   forward:         out[b, g] (Coutg, Lout) = W_g (Coutg, Cg*K) @ col_g (Cg*K, Lout), + bias
//   backward-data:   col_g = W_g^T @ grad_out[b, g], then grad_in[b] = col2im(col)
//   backward-weight: grad_W_g = sum_b grad_out[b, g] @ col_g[b]^T
// Outputs are written (=). Numerics: GEMMs run in T (sgemm for float); grad_b sums in double.
// Forward and backward-data with groups > 1, or with outputs long enough (Lout >= kTargetCols),
// run one sample at a time (a 1x1 convolution with stride 1 and no padding uses the input as its
// own column) and split the batch over threads, each thread with its own column buffer. With
// groups == 1 and short outputs they take blocks of samples (gemm_samples: about kTargetCols
// columns, the shape alone) so that one GEMM packs the weight for the whole block: forward builds
// the block's columns side by side (Cin*K, nb*Lout), computes (Cout, nb*Lout) and copies each
// sample's part out; backward-data gathers grad_out into (Cout, nb*Lout), computes the block's
// columns and runs col2im per sample; the blocks are split over threads. Backward-weight with
// groups > 1 (lead-wise) splits the groups, each group's sum over the batch a chain of B GEMM
// accumulations in sample order; with groups == 1 (ResNet) it takes blocks of nb samples in order
// (nb from a column budget, sample_block: the shape alone), the block's columns side by side
// (Cin*K, nb*Lout), each block's GEMM adding into grad_w (beta 1 after the first), split over at
// most 4 fixed blocks of rows or of columns of grad_w, whichever dimension is larger
// (wgrad_split).
// Threads come from kernels/cpu/parallel.h (OpenBLAS itself runs single-threaded); every split is
// fixed by the shape, so the results do not depend on the thread count.
#include "kernels/conv1d.h"

#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/cpu/parallel.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels {

namespace {

// Row-major C (M, N) = alpha * op(A) @ op(B) + beta * C with explicit leading dimensions.
void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda,
          const float* Bm, int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
              K, alpha, A, lda, Bm, ldb, beta, C, ldc);
}
void gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda,
          const double* Bm, int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N,
              K, alpha, A, lda, Bm, ldb, beta, C, ldc);
}

struct ConvGeom {
  int B, Cin, Cout, L, K, stride, pad, dil, groups;
  int Lout;
  int Cg;             // input channels per group
  int Coutg;          // output channels per group
  bool identity_col;  // K == 1, stride 1, pad 0: col == in
};

ConvGeom make_geom(int B, int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                   int groups) {
  if (B < 0) fail("conv1d", "batch size B=" + std::to_string(B) + " is negative");
  if (Cin < 1 || Cout < 1) {
    fail("conv1d", "channel counts must be >= 1, got Cin=" + std::to_string(Cin) +
                       " Cout=" + std::to_string(Cout));
  }
  if (groups < 1) fail("conv1d", "groups=" + std::to_string(groups) + " must be >= 1");
  if (Cin % groups != 0) {
    fail("conv1d",
         "Cin=" + std::to_string(Cin) + " is not divisible by groups=" + std::to_string(groups));
  }
  if (Cout % groups != 0) {
    fail("conv1d",
         "Cout=" + std::to_string(Cout) + " is not divisible by groups=" + std::to_string(groups));
  }
  ConvGeom g{B, Cin, Cout, L, K, stride, pad, dil, groups, 0, Cin / groups, Cout / groups, false};
  g.Lout = conv1d_out_length(L, K, stride, pad, dil);
  g.identity_col = (K == 1 && stride == 1 && pad == 0);
  return g;
}

// First and one-past-last output position lo whose input index lo*stride + off lies in [0, L).
inline void valid_range(int off, int stride, int L, int Lout, int* lo_begin, int* lo_end) {
  // lo*stride + off >= 0   <=>  lo >= ceil(-off / stride)
  // lo*stride + off <= L-1 <=>  lo <= floor((L - 1 - off) / stride)
  int b = off >= 0 ? 0 : (-off + stride - 1) / stride;
  int e = (L - 1 - off) < 0 ? 0 : (L - 1 - off) / stride + 1;
  *lo_begin = std::min(b, Lout);
  *lo_end = std::max(*lo_begin, std::min(e, Lout));
}

// col ((c1 - c0)*K, Lout) from input channels [c0, c1) of one sample x (Cin, L): row
// (c - c0)*K + k holds channel c at tap k; rows are ld apart (ld >= Lout).
template <typename T>
void im2col(T* col, const T* x, const ConvGeom& g, int c0, int c1, int64_t ld) {
  for (int c = c0; c < c1; ++c) {
    const T* xc = x + static_cast<int64_t>(c) * g.L;
    for (int k = 0; k < g.K; ++k) {
      T* row = col + (static_cast<int64_t>(c - c0) * g.K + k) * ld;
      int off = k * g.dil - g.pad;
      int lb, le;
      valid_range(off, g.stride, g.L, g.Lout, &lb, &le);
      std::fill(row, row + lb, T(0));
      if (g.stride == 1) {
        std::copy(xc + lb + off, xc + le + off, row + lb);
      } else {
        const T* src = xc + static_cast<int64_t>(lb) * g.stride + off;
        for (int lo = lb; lo < le; ++lo, src += g.stride) row[lo] = *src;
      }
      std::fill(row + le, row + g.Lout, T(0));
    }
  }
}

// x (Cin, L) = col2im(col): x is written, each input position summing every column entry that
// read it. Rows of col are ld apart (ld >= Lout).
template <typename T>
void col2im(T* x, const T* col, const ConvGeom& g, int64_t ld) {
  std::fill(x, x + static_cast<int64_t>(g.Cin) * g.L, T(0));
  for (int c = 0; c < g.Cin; ++c) {
    T* xc = x + static_cast<int64_t>(c) * g.L;
    for (int k = 0; k < g.K; ++k) {
      const T* row = col + (static_cast<int64_t>(c) * g.K + k) * ld;
      int off = k * g.dil - g.pad;
      int lb, le;
      valid_range(off, g.stride, g.L, g.Lout, &lb, &le);
      if (g.stride == 1) {  // contiguous: the compiler vectorises this loop
        T* dst = xc + off;
        for (int lo = lb; lo < le; ++lo) dst[lo] += row[lo];
      } else {
        T* dst = xc + static_cast<int64_t>(lb) * g.stride + off;
        for (int lo = lb; lo < le; ++lo, dst += g.stride) *dst += row[lo];
      }
    }
  }
}

template <typename T>
void im2col(T* col, const T* x, const ConvGeom& g) {
  im2col(col, x, g, 0, g.Cin, g.Lout);
}

// The groups == 1 weight gradient runs its GEMMs over a block of nb samples at once (N = nb * Lout
// columns instead of Lout): the block's columns (Cin*K, nb*Lout) are built side by side. nb depends
// on the shape only (a column budget), so the blocks, and the results, are the same for every
// thread count. 1 MiB blocks measured about 10 % faster than 4 MiB ones on resnet1d18's shapes.
constexpr int64_t kWgradColElems = int64_t{1} << 18;  // 1 MiB of float columns per block
constexpr int64_t kBlockColElems = int64_t{1} << 20;  // forward / backward-data cap: 4 MiB

int64_t sample_block(const ConvGeom& g) {
  const int64_t per_sample = static_cast<int64_t>(g.Cin) * g.K * g.Lout;
  const int64_t nb = kWgradColElems / (per_sample > 0 ? per_sample : 1);
  return std::max<int64_t>(1, std::min<int64_t>(nb, g.B));
}

// With one group, forward and backward-data also run their GEMMs over blocks of samples: a
// per-sample GEMM on a short output (Lout 8-63 in resnet1d18's later stages) repacks the whole
// weight for a few columns. The block's N = nb * Lout reaches about kTargetCols (within the column
// budget), the blocks evened out over the batch; nb == 1 keeps the per-sample path. The blocks
// depend on the shape only.
constexpr int64_t kTargetCols = 384;

int64_t gemm_samples(const ConvGeom& g) {
  if (g.groups != 1 || g.B <= 1) return 1;
  const int64_t per_sample = static_cast<int64_t>(g.Cin) * g.K * g.Lout;
  int64_t nb = (kTargetCols + g.Lout - 1) / g.Lout;
  nb = std::min(nb, kBlockColElems / (per_sample > 0 ? per_sample : 1));
  nb = std::max<int64_t>(1, std::min<int64_t>(nb, g.B));
  // The same number of blocks, evenly sized (the threads get equal shares).
  const int64_t blocks = (g.B + nb - 1) / nb;
  return (g.B + blocks - 1) / blocks;
}

// A buffer of at least n elements owned by the calling thread, kept between calls; Slot tells
// apart the buffers one call needs at the same time.
template <typename T, int Slot = 0>
T* thread_scratch(size_t n) {
  thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// Samples of about this many multiply-adds make one thread's minimum share.
constexpr int64_t kGrainMacs = 1 << 16;

int64_t batch_grain(const ConvGeom& g) {
  const int64_t per_sample = static_cast<int64_t>(g.Cout) * g.Cg * g.K * g.Lout;
  return per_sample >= kGrainMacs ? 1 : kGrainMacs / (per_sample > 0 ? per_sample : 1);
}

// The sample blocks of forward and backward-data (nb = gemm_samples(g) > 1), split over threads:
// block(col, buf, n0, m, ld) for samples [n0, n0 + m), with the thread's column buffer col
// (Cin*K, nb*Lout) and block buffer buf (Cout, nb*Lout), both of row stride ld = m*Lout.
template <typename T, typename Block>
void for_each_sample_block(const ConvGeom& g, int64_t nb, const Block& block) {
  const int64_t blocks = (g.B + nb - 1) / nb;
  cpu::parallel_for(blocks, 1, [&](int64_t c0, int64_t c1) {
    T* col = thread_scratch<T>(static_cast<size_t>(g.Cg) * g.K * nb * g.Lout);
    T* buf = thread_scratch<T, 1>(static_cast<size_t>(g.Cout) * nb * g.Lout);
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t n0 = c * nb, m = std::min<int64_t>(g.B, n0 + nb) - n0;
      block(col, buf, n0, m, m * g.Lout);
    }
  });
}

}  // namespace

int conv1d_out_length(int L, int K, int stride, int pad, int dil) {
  if (K < 1 || stride < 1 || dil < 1 || pad < 0 || L < 0) {
    fail("conv1d", "invalid geometry L=" + std::to_string(L) + " K=" + std::to_string(K) +
                       " stride=" + std::to_string(stride) + " pad=" + std::to_string(pad) +
                       " dil=" + std::to_string(dil) +
                       " (need L >= 0, K >= 1, stride >= 1, dil >= 1, pad >= 0)");
  }
  int64_t span = static_cast<int64_t>(dil) * (K - 1) + 1;  // receptive field of one output
  int64_t padded = static_cast<int64_t>(L) + 2 * static_cast<int64_t>(pad);
  if (padded < span) {
    fail("conv1d", "output length < 1: L=" + std::to_string(L) +
                       " + 2*pad=" + std::to_string(2 * pad) +
                       " is shorter than the kernel span dil*(K-1)+1=" + std::to_string(span) +
                       " (K=" + std::to_string(K) + ", dil=" + std::to_string(dil) + ")");
  }
  return static_cast<int>((padded - span) / stride + 1);
}

template <typename T>
void conv1d_forward_cpu(T* out, const T* in, const T* w, const T* b, int B, int Cin, int Cout,
                        int L, int K, int stride, int pad, int dil, int groups) {
  const ConvGeom g = make_geom(B, Cin, Cout, L, K, stride, pad, dil, groups);
  const int CgK = g.Cg * K;
  const int64_t nb = gemm_samples(g);
  if (nb > 1) {
    // Blocks of nb samples: col (Cin*K, nb*Lout) side by side, one GEMM into yb (Cout, nb*Lout),
    // then each sample's columns copied out (+ bias).
    for_each_sample_block<T>(g, nb, [&](T* col, T* yb, int64_t n0, int64_t m, int64_t ld) {
      for (int64_t j = 0; j < m; ++j)
        im2col(col + j * g.Lout, in + (n0 + j) * Cin * L, g, 0, Cin, ld);
      gemm(false, false, Cout, static_cast<int>(ld), CgK, T(1), w, CgK, col, static_cast<int>(ld),
           T(0), yb, static_cast<int>(ld));
      for (int64_t j = 0; j < m; ++j) {
        T* y = out + (n0 + j) * Cout * g.Lout;
        for (int co = 0; co < Cout; ++co) {
          const T* src = yb + co * ld + j * g.Lout;
          T* dst = y + static_cast<int64_t>(co) * g.Lout;
          const T bias = b ? b[co] : T(0);
          for (int lo = 0; lo < g.Lout; ++lo) dst[lo] = src[lo] + bias;
        }
      }
    });
    return;
  }
  const size_t col_elems = g.identity_col ? 0 : static_cast<size_t>(Cin) * K * g.Lout;
  cpu::parallel_for(B, batch_grain(g), [&](int64_t n0, int64_t n1) {
    T* colbuf = g.identity_col ? nullptr : thread_scratch<T>(col_elems);
    for (int64_t n = n0; n < n1; ++n) {
      const T* x = in + n * Cin * L;
      T* y = out + n * Cout * g.Lout;
      const T* col = x;
      if (!g.identity_col) {
        im2col(colbuf, x, g);
        col = colbuf;
      }
      for (int gi = 0; gi < groups; ++gi) {
        gemm(false, false, g.Coutg, g.Lout, CgK, T(1), w + static_cast<int64_t>(gi) * g.Coutg * CgK,
             CgK, col + static_cast<int64_t>(gi) * CgK * g.Lout, g.Lout, T(0),
             y + static_cast<int64_t>(gi) * g.Coutg * g.Lout, g.Lout);
      }
      if (b) {
        for (int co = 0; co < Cout; ++co) {
          T* yc = y + static_cast<int64_t>(co) * g.Lout;
          const T bias = b[co];
          for (int lo = 0; lo < g.Lout; ++lo) yc[lo] += bias;
        }
      }
    }
  });
}

template <typename T>
void conv1d_backward_data_cpu(T* grad_in, const T* grad_out, const T* w, int B, int Cin, int Cout,
                              int L, int K, int stride, int pad, int dil, int groups) {
  const ConvGeom g = make_geom(B, Cin, Cout, L, K, stride, pad, dil, groups);
  const int CgK = g.Cg * K;
  const int64_t nb = gemm_samples(g);
  if (nb > 1) {
    // Blocks of nb samples: dy gathered into dyb (Cout, nb*Lout), one GEMM into col
    // (Cin*K, nb*Lout), then col2im per sample.
    for_each_sample_block<T>(g, nb, [&](T* col, T* dyb, int64_t n0, int64_t m, int64_t ld) {
      for (int64_t j = 0; j < m; ++j) {
        const T* dy = grad_out + (n0 + j) * Cout * g.Lout;
        for (int co = 0; co < Cout; ++co) {
          std::copy(dy + static_cast<int64_t>(co) * g.Lout,
                    dy + static_cast<int64_t>(co + 1) * g.Lout, dyb + co * ld + j * g.Lout);
        }
      }
      gemm(true, false, CgK, static_cast<int>(ld), Cout, T(1), w, CgK, dyb, static_cast<int>(ld),
           T(0), col, static_cast<int>(ld));
      for (int64_t j = 0; j < m; ++j) col2im(grad_in + (n0 + j) * Cin * L, col + j * g.Lout, g, ld);
    });
    return;
  }
  const size_t col_elems = g.identity_col ? 0 : static_cast<size_t>(Cin) * K * g.Lout;
  cpu::parallel_for(B, batch_grain(g), [&](int64_t n0, int64_t n1) {
    T* colbuf = g.identity_col ? nullptr : thread_scratch<T>(col_elems);
    for (int64_t n = n0; n < n1; ++n) {
      const T* dy = grad_out + n * Cout * g.Lout;
      T* dx = grad_in + n * Cin * L;
      T* col = g.identity_col ? dx : colbuf;  // identity: col2im is the identity too
      for (int gi = 0; gi < groups; ++gi) {
        gemm(true, false, CgK, g.Lout, g.Coutg, T(1), w + static_cast<int64_t>(gi) * g.Coutg * CgK,
             CgK, dy + static_cast<int64_t>(gi) * g.Coutg * g.Lout, g.Lout, T(0),
             col + static_cast<int64_t>(gi) * CgK * g.Lout, g.Lout);
      }
      if (!g.identity_col) col2im(dx, colbuf, g, g.Lout);
    }
  });
}

namespace {

// grad_W_g (= for the first sample, += after) summed over samples [n0, n1) of group gi, into
// dw (Coutg, CgK) with leading dimension CgK; col is a buffer for one group's columns.
template <typename T>
void wgrad_chain(T* dw, T* colbuf, const T* grad_out, const T* in, const ConvGeom& g, int gi,
                 int64_t n0, int64_t n1) {
  const int CgK = g.Cg * g.K;
  for (int64_t n = n0; n < n1; ++n) {
    const T* x = in + n * g.Cin * g.L;
    const T* dy = grad_out + n * g.Cout * g.Lout;
    const T* col = x + static_cast<int64_t>(gi) * g.Cg * g.L;
    if (!g.identity_col) {
      im2col(colbuf, x, g, gi * g.Cg, (gi + 1) * g.Cg, g.Lout);
      col = colbuf;
    }
    const T beta = n == n0 ? T(0) : T(1);  // the chain's first sample writes, the rest add
    gemm(false, true, g.Coutg, CgK, g.Lout, T(1), dy + static_cast<int64_t>(gi) * g.Coutg * g.Lout,
         g.Lout, col, g.Lout, beta, dw, CgK);
  }
}

// The groups == 1 weight gradient's GEMM (Cout, Cg*K) per sample block is split over threads
// along the larger of its two dimensions (rows = Cout, columns = Cg*K) into at most kWgradSplits
// blocks of at least kWgradMinBlock (a multiple of 16): each block repacks the other operand, so
// few large blocks keep the repacking small. Fixed by the shape.
constexpr int64_t kWgradSplits = 4;
constexpr int64_t kWgradMinBlock = 64;

struct WgradSplit {
  bool by_rows;
  int64_t size, count;
};

WgradSplit wgrad_split(const ConvGeom& g) {
  const int64_t cgk = static_cast<int64_t>(g.Cg) * g.K;
  const bool by_rows = g.Cout >= cgk;
  const int64_t n = by_rows ? g.Cout : cgk;
  int64_t size = std::max(kWgradMinBlock, (n + kWgradSplits - 1) / kWgradSplits);
  size = (size + 15) / 16 * 16;
  return {by_rows, size, (n + size - 1) / size};
}

}  // namespace

template <typename T>
void conv1d_backward_weight_cpu(T* grad_w, T* grad_b, const T* grad_out, const T* in, int B,
                                int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                                int groups) {
  const ConvGeom g = make_geom(B, Cin, Cout, L, K, stride, pad, dil, groups);
  const int CgK = g.Cg * K;
  const int64_t wg_elems = static_cast<int64_t>(g.Coutg) * CgK;  // one group's weights
  const size_t col_elems = g.identity_col ? 0 : static_cast<size_t>(CgK) * g.Lout;
  if (B == 0) {
    std::fill(grad_w, grad_w + static_cast<int64_t>(Cout) * CgK, T(0));
  } else if (groups > 1) {
    const int64_t per_group = static_cast<int64_t>(B) * g.Coutg * CgK * g.Lout;
    const int64_t grain = per_group >= kGrainMacs ? 1 : kGrainMacs / per_group;
    cpu::parallel_for(groups, grain, [&](int64_t g0, int64_t g1) {
      T* colbuf = g.identity_col ? nullptr : thread_scratch<T>(col_elems);
      for (int64_t gi = g0; gi < g1; ++gi) {
        wgrad_chain(grad_w + gi * wg_elems, colbuf, grad_out, in, g, static_cast<int>(gi), 0, B);
      }
    });
  } else {
    // Blocks of samples in order; each block's GEMM adds into grad_w (beta 1 after the first),
    // split over fixed row blocks of grad_w.
    const cpu::FixedChunks blk = cpu::fixed_chunks(B, sample_block(g), B);
    const int64_t ld_max = blk.size * g.Lout;
    T* col = thread_scratch<T, 2>(static_cast<size_t>(CgK) * ld_max);
    T* dyc = thread_scratch<T, 3>(static_cast<size_t>(Cout) * ld_max);
    const WgradSplit split = wgrad_split(g);
    for (int64_t c = 0; c < blk.count; ++c) {
      const int64_t n0 = c * blk.size, n1 = std::min<int64_t>(B, n0 + blk.size);
      const int64_t nb = n1 - n0, ld = nb * g.Lout;
      cpu::parallel_for(nb, 1, [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
          im2col(col + j * g.Lout, in + (n0 + j) * Cin * L, g, 0, Cin, ld);
          const T* dy = grad_out + (n0 + j) * Cout * g.Lout;
          for (int co = 0; co < Cout; ++co) {
            std::copy(dy + static_cast<int64_t>(co) * g.Lout,
                      dy + static_cast<int64_t>(co + 1) * g.Lout, dyc + co * ld + j * g.Lout);
          }
        }
      });
      const T beta = c == 0 ? T(0) : T(1);
      const int64_t per_block = split.size * (split.by_rows ? CgK : Cout) * ld;
      const int ldi = static_cast<int>(ld);
      cpu::parallel_for(
          split.count, per_block >= kGrainMacs ? 1 : kGrainMacs / per_block,
          [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; ++r) {
              const int64_t o = r * split.size;
              if (split.by_rows) {
                const int m = static_cast<int>(std::min<int64_t>(split.size, Cout - o));
                gemm(false, true, m, CgK, ldi, T(1), dyc + o * ld, ldi, col, ldi, beta,
                     grad_w + o * CgK, CgK);
              } else {
                const int nc = static_cast<int>(std::min<int64_t>(split.size, CgK - o));
                gemm(false, true, Cout, nc, ldi, T(1), dyc, ldi, col + o * ld, ldi, beta,
                     grad_w + o, CgK);
              }
            }
          });
    }
  }
  if (grad_b) {
    cpu::parallel_for(Cout, 64, [&](int64_t c0, int64_t c1) {
      for (int64_t co = c0; co < c1; ++co) {
        double s = 0.0;
        for (int n = 0; n < B; ++n) {
          const T* dyc = grad_out + (static_cast<int64_t>(n) * Cout + co) * g.Lout;
          for (int lo = 0; lo < g.Lout; ++lo) s += static_cast<double>(dyc[lo]);
        }
        grad_b[co] = static_cast<T>(s);
      }
    });
  }
}

#define ACL_INSTANTIATE(T)                                                                         \
  template void conv1d_forward_cpu<T>(T*, const T*, const T*, const T*, int, int, int, int, int,   \
                                      int, int, int, int);                                         \
  template void conv1d_backward_data_cpu<T>(T*, const T*, const T*, int, int, int, int, int, int,  \
                                            int, int, int);                                        \
  template void conv1d_backward_weight_cpu<T>(T*, T*, const T*, const T*, int, int, int, int, int, \
                                              int, int, int, int);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
