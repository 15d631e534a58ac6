// conv1d on the CPU: im2col + OpenBLAS GEMM, one sample at a time.
// Cg = Cin/groups, Coutg = Cout/groups; col_g is row block g of col, W_g row block g of w.
//   col (Cin*K, Lout): col[ci*K + k, lo] = in[b, ci, lo*stride - pad + k*dil] (0 outside [0, L))
//   forward:         out[b, g] (Coutg, Lout) = W_g (Coutg, Cg*K) @ col_g (Cg*K, Lout), + bias
//   backward-data:   col_g = W_g^T @ grad_out[b, g], then grad_in[b] = col2im(col)
//   backward-weight: grad_W_g = sum_b grad_out[b, g] @ col_g[b]^T (GEMM beta = 1 after the first
//                    sample of a chain)
// Outputs are written (=). A 1x1 convolution with stride 1 and no padding uses the input as its
// own column (no copy). Numerics: GEMMs run in T (sgemm for float); grad_b sums in double.
// Threads (kernels/cpu/parallel.h; OpenBLAS itself runs single-threaded): forward and
// backward-data split the batch (samples are independent; each thread has its own column
// buffer). Backward-weight with groups > 1 splits the groups, each group's sum over the batch a
// chain of B GEMM accumulations in sample order; with groups == 1 the batch is cut into fixed
// chunks (kernels/cpu/parallel.h fixed_chunks, a function of B only), each chunk a chain, and the
// chunk sums are added in chunk order. Either way the result does not depend on the thread count.
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
// (c - c0)*K + k holds channel c at tap k.
template <typename T>
void im2col(T* col, const T* x, const ConvGeom& g, int c0, int c1) {
  for (int c = c0; c < c1; ++c) {
    const T* xc = x + static_cast<int64_t>(c) * g.L;
    for (int k = 0; k < g.K; ++k) {
      T* row = col + (static_cast<int64_t>(c - c0) * g.K + k) * g.Lout;
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
// read it.
template <typename T>
void col2im(T* x, const T* col, const ConvGeom& g) {
  std::fill(x, x + static_cast<int64_t>(g.Cin) * g.L, T(0));
  for (int c = 0; c < g.Cin; ++c) {
    T* xc = x + static_cast<int64_t>(c) * g.L;
    for (int k = 0; k < g.K; ++k) {
      const T* row = col + (static_cast<int64_t>(c) * g.K + k) * g.Lout;
      int off = k * g.dil - g.pad;
      int lb, le;
      valid_range(off, g.stride, g.L, g.Lout, &lb, &le);
      T* dst = xc + static_cast<int64_t>(lb) * g.stride + off;
      for (int lo = lb; lo < le; ++lo, dst += g.stride) *dst += row[lo];
    }
  }
}

template <typename T>
void im2col(T* col, const T* x, const ConvGeom& g) {
  im2col(col, x, g, 0, g.Cin);
}

// A column buffer of at least n elements owned by the calling thread, kept between calls.
template <typename T>
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
        gemm(false, false, g.Coutg, g.Lout, CgK, T(1),
             w + static_cast<int64_t>(gi) * g.Coutg * CgK, CgK,
             col + static_cast<int64_t>(gi) * CgK * g.Lout, g.Lout, T(0),
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
  const size_t col_elems = g.identity_col ? 0 : static_cast<size_t>(Cin) * K * g.Lout;
  cpu::parallel_for(B, batch_grain(g), [&](int64_t n0, int64_t n1) {
    T* colbuf = g.identity_col ? nullptr : thread_scratch<T>(col_elems);
    for (int64_t n = n0; n < n1; ++n) {
      const T* dy = grad_out + n * Cout * g.Lout;
      T* dx = grad_in + n * Cin * L;
      T* col = g.identity_col ? dx : colbuf;  // identity: col2im is the identity too
      for (int gi = 0; gi < groups; ++gi) {
        gemm(true, false, CgK, g.Lout, g.Coutg, T(1),
             w + static_cast<int64_t>(gi) * g.Coutg * CgK, CgK,
             dy + static_cast<int64_t>(gi) * g.Coutg * g.Lout, g.Lout, T(0),
             col + static_cast<int64_t>(gi) * CgK * g.Lout, g.Lout);
      }
      if (!g.identity_col) col2im(dx, colbuf, g);
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
      im2col(colbuf, x, g, gi * g.Cg, (gi + 1) * g.Cg);
      col = colbuf;
    }
    const T beta = n == n0 ? T(0) : T(1);  // the chain's first sample writes, the rest add
    gemm(false, true, g.Coutg, CgK, g.Lout, T(1),
         dy + static_cast<int64_t>(gi) * g.Coutg * g.Lout, g.Lout, col, g.Lout, beta, dw, CgK);
  }
}

// Samples per chunk of the groups == 1 weight gradient: chunks fixed by B alone.
constexpr int64_t kWgradChunkMin = 8;
constexpr int64_t kWgradMaxChunks = 16;

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
    const cpu::FixedChunks ch = cpu::fixed_chunks(B, kWgradChunkMin, kWgradMaxChunks);
    std::vector<T> partial(static_cast<size_t>((ch.count - 1) * wg_elems));
    const int64_t per_chunk = ch.size * g.Coutg * CgK * g.Lout;
    const int64_t grain = per_chunk >= kGrainMacs ? 1 : kGrainMacs / per_chunk;
    cpu::parallel_for(ch.count, grain, [&](int64_t c0, int64_t c1) {
      T* colbuf = g.identity_col ? nullptr : thread_scratch<T>(col_elems);
      for (int64_t c = c0; c < c1; ++c) {
        T* dw = c == 0 ? grad_w : partial.data() + (c - 1) * wg_elems;
        wgrad_chain(dw, colbuf, grad_out, in, g, 0, c * ch.size, std::min<int64_t>(B, (c + 1) * ch.size));
      }
    });
    for (int64_t c = 1; c < ch.count; ++c) {  // chunk order, whatever the threads
      const T* p = partial.data() + (c - 1) * wg_elems;
      for (int64_t i = 0; i < wg_elems; ++i) grad_w[i] += p[i];
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
