// 1-D convolution (cross-correlation, as torch.nn.functional.conv1d) on CUDA, hand-written (no
// cuDNN, no im2col buffer); see kernels/conv1d.h for the contract. Cg = Cin/groups,
// Coutg = Cout/groups, g = co / Coutg; positions outside [0, L) read zero.
//   forward:         out[b, co, lo] = bias[co] + sum_{ci < Cg, k < K}
//                                     w[co, ci, k] * in[b, g*Cg + ci, lo*stride - pad + k*dil]
//   backward-data:   grad_in[b, g*Cg + ci, l] = sum_{c < Coutg, k < K, lo: lo*stride - pad +
//                                     k*dil == l} w[g*Coutg + c, ci, k] * grad_out[b, co, lo]
//   backward-weight: grad_w[co, ci, k] = sum_{b, lo} grad_out[b, co, lo] *
//                                     in[b, g*Cg + ci, lo*stride - pad + k*dil]
//                    grad_b[co] = sum_{b, lo} grad_out[b, co, lo]
// Every output is written (=). Backward needs the forward input (grad_w) and the weight (grad_in).
// Kernels (correctness first):
//   forward:         one thread per output element, looping over Cg x K (direct); with at least
//                    16 output channels per group and 32 output positions, a shared-memory tiled
//                    variant (16 channels x 64 positions per block, 8 input channels staged at a
//                    time), falling back to the direct kernel when its tiles do not fit;
//   backward-data:   the transposed direct convolution, one thread per input element gathering
//                    the (co, k, lo) that read it, so no atomics;
//   backward-weight: one 256-thread block per weight element (co, ci, k) and per bias element,
//                    reducing over B x Lout with the fixed block tree: deterministic.
// Numerics: products accumulate in float.
#include "kernels/conv1d.h"
#include "kernels/cuda/common.cuh"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kForwardBlock = 256;
constexpr int kBackwardDataBlock = 256;
constexpr int kBackwardWeightBlock = 256;

struct ConvDims {
  int B, Cin, Cout, L, K, stride, pad, dil, groups;
  int Lout, Cg, Coutg;
};

// Validates the geometry like the CPU twin (same messages) and derives Lout, Cg, Coutg.
ConvDims make_dims(int B, int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                   int groups) {
  const char* op = "conv1d";
  if (B < 0) fail(op, "batch size B=" + std::to_string(B) + " is negative");
  if (Cin < 1 || Cout < 1) {
    fail(op, "channel counts must be >= 1, got Cin=" + std::to_string(Cin) +
                 " Cout=" + std::to_string(Cout));
  }
  if (groups < 1) fail(op, "groups=" + std::to_string(groups) + " must be >= 1");
  if (Cin % groups != 0) {
    fail(op,
         "Cin=" + std::to_string(Cin) + " is not divisible by groups=" + std::to_string(groups));
  }
  if (Cout % groups != 0) {
    fail(op,
         "Cout=" + std::to_string(Cout) + " is not divisible by groups=" + std::to_string(groups));
  }
  if (K < 1 || stride < 1 || dil < 1 || pad < 0 || L < 0) {
    fail(op, "invalid geometry L=" + std::to_string(L) + " K=" + std::to_string(K) +
                 " stride=" + std::to_string(stride) + " pad=" + std::to_string(pad) + " dil=" +
                 std::to_string(dil) + " (need L >= 0, K >= 1, stride >= 1, dil >= 1, pad >= 0)");
  }
  const int64_t span = static_cast<int64_t>(dil) * (K - 1) + 1;
  const int64_t padded = static_cast<int64_t>(L) + 2 * static_cast<int64_t>(pad);
  if (padded < span) {
    fail(op, "output length < 1: L=" + std::to_string(L) + " + 2*pad=" + std::to_string(2 * pad) +
                 " is shorter than the kernel span dil*(K-1)+1=" + std::to_string(span));
  }
  ConvDims d{B, Cin, Cout, L, K, stride, pad, dil, groups, 0, Cin / groups, Cout / groups};
  d.Lout = static_cast<int>((padded - span) / stride + 1);
  return d;
}

// One thread per out[b, co, lo].
static __global__ void conv1d_forward_direct_kernel(float* out, const float* in, const float* w,
                                                    const float* bias, ConvDims d) {
  const int64_t total = static_cast<int64_t>(d.B) * d.Cout * d.Lout;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    int64_t b;
    int co, lo;
    unflatten_bcl(idx, d.Cout, d.Lout, &b, &co, &lo);
    const int g = co / d.Coutg;
    const float* xg = in + (b * d.Cin + static_cast<int64_t>(g) * d.Cg) * d.L;
    const float* wc = w + static_cast<int64_t>(co) * d.Cg * d.K;
    const int start = lo * d.stride - d.pad;
    float acc = bias ? bias[co] : 0.0f;
    for (int ci = 0; ci < d.Cg; ++ci) {
      const float* xr = xg + static_cast<int64_t>(ci) * d.L;
      const float* wr = wc + static_cast<int64_t>(ci) * d.K;
      for (int k = 0; k < d.K; ++k) {
        const int pos = start + k * d.dil;
        if (pos >= 0 && pos < d.L) acc += wr[k] * xr[pos];
      }
    }
    out[idx] = acc;
  }
}

// Tiled forward: one 256-thread block computes a (kTileCo output channels of one group) x
// (kTileLo output positions) tile of one sample. For each chunk of kTileCi input channels it
// stages the input span the tile reads (zero outside [0, L) and past Cg) and the matching weights
// (zero past Coutg) in shared memory; thread (tx, ty) then owns position lo0 + tx and the channels
// ty, ty + 4, ty + 8, ty + 12 of the tile, reusing each staged input value for 4 channels and
// each weight (a broadcast within a warp) for 64 positions.
constexpr int kTileLo = 64;
constexpr int kTileCoPerThread = 4;
constexpr int kTileRows = 4;  // blockDim.y
constexpr int kTileCo = kTileRows * kTileCoPerThread;
constexpr int kTileCi = 8;
constexpr size_t kTiledMaxShared = 48 * 1024;  // the default dynamic shared memory limit

inline int64_t tiled_span(const ConvDims& d) {
  return static_cast<int64_t>(kTileLo - 1) * d.stride + static_cast<int64_t>(d.K - 1) * d.dil + 1;
}

size_t tiled_shared_bytes(const ConvDims& d) {
  return (static_cast<size_t>(kTileCi) * tiled_span(d) +
          static_cast<size_t>(kTileCo) * kTileCi * d.K) *
         sizeof(float);
}

// grid = (ceil(Lout / kTileLo), groups * ceil(Coutg / kTileCo), B), block = (kTileLo, kTileRows).
static __global__ void conv1d_forward_tiled_kernel(float* out, const float* in, const float* w,
                                                   const float* bias, ConvDims d, int span) {
  extern __shared__ unsigned char conv_smem[];
  float* xs = reinterpret_cast<float*>(conv_smem);  // (kTileCi, span)
  float* ws = xs + kTileCi * span;                  // (kTileCo, kTileCi, K)
  const int co_tiles = (d.Coutg + kTileCo - 1) / kTileCo;
  const int g = blockIdx.y / co_tiles;
  const int co0 = (blockIdx.y % co_tiles) * kTileCo;  // within the group
  const int lo0 = blockIdx.x * kTileLo;
  const int64_t b = blockIdx.z;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int tid = ty * kTileLo + tx, threads = kTileLo * kTileRows;
  const int in0 = lo0 * d.stride - d.pad;  // input position of xs[., 0]
  const float* xg = in + (b * d.Cin + static_cast<int64_t>(g) * d.Cg) * d.L;
  const float* wg = w + static_cast<int64_t>(g) * d.Coutg * d.Cg * d.K;
  float acc[kTileCoPerThread];
  for (int r = 0; r < kTileCoPerThread; ++r) acc[r] = 0.0f;
  for (int ci0 = 0; ci0 < d.Cg; ci0 += kTileCi) {
    for (int i = tid; i < kTileCi * span; i += threads) {
      const int ci = ci0 + i / span, pos = in0 + i % span;
      xs[i] = ci < d.Cg && pos >= 0 && pos < d.L ? xg[static_cast<int64_t>(ci) * d.L + pos] : 0.0f;
    }
    for (int i = tid; i < kTileCo * kTileCi * d.K; i += threads) {
      const int co = co0 + i / (kTileCi * d.K), ci = ci0 + (i / d.K) % kTileCi, k = i % d.K;
      ws[i] =
          co < d.Coutg && ci < d.Cg ? wg[(static_cast<int64_t>(co) * d.Cg + ci) * d.K + k] : 0.0f;
    }
    __syncthreads();
    for (int ci = 0; ci < kTileCi; ++ci) {
      const float* xr = xs + ci * span + tx * d.stride;
      for (int k = 0; k < d.K; ++k) {
        const float xv = xr[k * d.dil];
        for (int r = 0; r < kTileCoPerThread; ++r) {
          acc[r] += ws[((ty + r * kTileRows) * kTileCi + ci) * d.K + k] * xv;
        }
      }
    }
    __syncthreads();  // before the next chunk overwrites the tiles
  }
  const int lo = lo0 + tx;
  if (lo >= d.Lout) return;
  for (int r = 0; r < kTileCoPerThread; ++r) {
    const int co = co0 + ty + r * kTileRows;
    if (co >= d.Coutg) continue;
    const int cog = g * d.Coutg + co;
    out[(b * d.Cout + cog) * d.Lout + lo] = acc[r] + (bias ? bias[cog] : 0.0f);
  }
}

// The tiled forward pays off with enough output channels per group and positions to share the
// staged tiles; it also needs its grid and shared memory to fit.
bool use_tiled_forward(const ConvDims& d) {
  const int64_t grid_y = static_cast<int64_t>(d.groups) * ((d.Coutg + kTileCo - 1) / kTileCo);
  return d.Coutg >= kTileCo && d.Lout >= kTileLo / 2 && d.B <= 65535 && grid_y <= 65535 &&
         tiled_shared_bytes(d) <= kTiledMaxShared;
}

// One thread per grad_in[b, ci, l]: input position l was read by output lo through tap k when
// lo*stride - pad + k*dil == l, i.e. lo = (l + pad - k*dil) / stride when that divides exactly.
static __global__ void conv1d_backward_data_direct_kernel(float* grad_in, const float* grad_out,
                                                          const float* w, ConvDims d) {
  const int64_t total = static_cast<int64_t>(d.B) * d.Cin * d.L;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    int64_t b;
    int ci, l;
    unflatten_bcl(idx, d.Cin, d.L, &b, &ci, &l);
    const int g = ci / d.Cg, cil = ci % d.Cg;
    float acc = 0.0f;
    for (int c = 0; c < d.Coutg; ++c) {
      const int co = g * d.Coutg + c;
      const float* dyr = grad_out + (b * d.Cout + co) * d.Lout;
      const float* wr = w + (static_cast<int64_t>(co) * d.Cg + cil) * d.K;
      for (int k = 0; k < d.K; ++k) {
        const int t = l + d.pad - k * d.dil;
        if (t < 0) break;  // t only decreases with k
        if (t % d.stride != 0) continue;
        const int lo = t / d.stride;
        if (lo < d.Lout) acc += wr[k] * dyr[lo];
      }
    }
    grad_in[idx] = acc;
  }
}

// One block per grad_w[co, ci, k] (grid-stride over weight elements; the loop is uniform across
// the block, so every thread reaches block_sum).
static __global__ void conv1d_backward_weight_block_kernel(float* grad_w, const float* grad_out,
                                                           const float* in, ConvDims d) {
  const int64_t weights = static_cast<int64_t>(d.Cout) * d.Cg * d.K;
  const int64_t terms = static_cast<int64_t>(d.B) * d.Lout;
  for (int64_t wi = blockIdx.x; wi < weights; wi += gridDim.x) {
    const int k = static_cast<int>(wi % d.K);
    const int64_t cc = wi / d.K;
    const int cil = static_cast<int>(cc % d.Cg);
    const int co = static_cast<int>(cc / d.Cg);
    const int ci = (co / d.Coutg) * d.Cg + cil;
    const int off = k * d.dil - d.pad;
    float acc = 0.0f;
    for (int64_t j = threadIdx.x; j < terms; j += blockDim.x) {
      const int lo = static_cast<int>(j % d.Lout);
      const int64_t b = j / d.Lout;
      const int pos = lo * d.stride + off;
      if (pos >= 0 && pos < d.L) {
        acc += grad_out[(b * d.Cout + co) * d.Lout + lo] * in[(b * d.Cin + ci) * d.L + pos];
      }
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) grad_w[wi] = acc;
  }
}

// One block per grad_b[co].
static __global__ void conv1d_backward_bias_block_kernel(float* grad_b, const float* grad_out,
                                                         ConvDims d) {
  const int64_t terms = static_cast<int64_t>(d.B) * d.Lout;
  for (int64_t co = blockIdx.x; co < d.Cout; co += gridDim.x) {
    float acc = 0.0f;
    for (int64_t j = threadIdx.x; j < terms; j += blockDim.x) {
      const int lo = static_cast<int>(j % d.Lout);
      const int64_t b = j / d.Lout;
      acc += grad_out[(b * d.Cout + co) * d.Lout + lo];
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) grad_b[co] = acc;
  }
}

unsigned block_grid(int64_t items) {
  return static_cast<unsigned>(items < kMaxGridBlocks ? (items < 1 ? 1 : items) : kMaxGridBlocks);
}

}  // namespace

void conv1d_forward_cuda(float* out, const float* in, const float* w, const float* b, int B,
                         int Cin, int Cout, int L, int K, int stride, int pad, int dil, int groups,
                         cudaStream_t stream) {
  const ConvDims d = make_dims(B, Cin, Cout, L, K, stride, pad, dil, groups);
  const int64_t total = static_cast<int64_t>(B) * Cout * d.Lout;
  check_ptr("conv1d", "out", out, total);
  check_ptr("conv1d", "in", in, static_cast<int64_t>(B) * Cin * L);
  check_ptr("conv1d", "w", w, static_cast<int64_t>(Cout) * d.Cg * K);
  if (total == 0) return;
  if (use_tiled_forward(d)) {
    const dim3 grid((d.Lout + kTileLo - 1) / kTileLo,
                    d.groups * ((d.Coutg + kTileCo - 1) / kTileCo), B);
    const dim3 block(kTileLo, kTileRows);
    conv1d_forward_tiled_kernel<<<grid, block, tiled_shared_bytes(d), stream>>>(
        out, in, w, b, d, static_cast<int>(tiled_span(d)));
  } else {
    conv1d_forward_direct_kernel<<<grid_for(total, kForwardBlock), kForwardBlock, 0, stream>>>(
        out, in, w, b, d);
  }
  CUDA_CHECK(cudaGetLastError());
}

void conv1d_backward_data_cuda(float* grad_in, const float* grad_out, const float* w, int B,
                               int Cin, int Cout, int L, int K, int stride, int pad, int dil,
                               int groups, cudaStream_t stream) {
  const ConvDims d = make_dims(B, Cin, Cout, L, K, stride, pad, dil, groups);
  const int64_t total = static_cast<int64_t>(B) * Cin * L;
  check_ptr("conv1d", "grad_in", grad_in, total);
  check_ptr("conv1d", "grad_out", grad_out, static_cast<int64_t>(B) * Cout * d.Lout);
  check_ptr("conv1d", "w", w, static_cast<int64_t>(Cout) * d.Cg * K);
  if (total == 0) return;
  conv1d_backward_data_direct_kernel<<<grid_for(total, kBackwardDataBlock), kBackwardDataBlock, 0,
                                       stream>>>(grad_in, grad_out, w, d);
  CUDA_CHECK(cudaGetLastError());
}

void conv1d_backward_weight_cuda(float* grad_w, float* grad_b, const float* grad_out,
                                 const float* in, int B, int Cin, int Cout, int L, int K,
                                 int stride, int pad, int dil, int groups, cudaStream_t stream) {
  const ConvDims d = make_dims(B, Cin, Cout, L, K, stride, pad, dil, groups);
  const int64_t weights = static_cast<int64_t>(Cout) * d.Cg * K;
  check_ptr("conv1d", "grad_w", grad_w, weights);
  check_ptr("conv1d", "grad_out", grad_out, static_cast<int64_t>(B) * Cout * d.Lout);
  check_ptr("conv1d", "in", in, static_cast<int64_t>(B) * Cin * L);
  // B == 0 writes zeros: the block sums of zero terms are 0.
  conv1d_backward_weight_block_kernel<<<block_grid(weights), kBackwardWeightBlock, 0, stream>>>(
      grad_w, grad_out, in, d);
  CUDA_CHECK(cudaGetLastError());
  if (grad_b) {
    conv1d_backward_bias_block_kernel<<<block_grid(Cout), kBackwardWeightBlock, 0, stream>>>(
        grad_b, grad_out, d);
    CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace acl::kernels
