// Row-wise log-softmax and the classification losses on CUDA (see kernels/softmax.h):
//   log_softmax:     out (N, C) = x - lse_row(x)                                  (written)
//                    backward grad_in = grad_out - exp(out) * sum_row(grad_out)   (written)
//   cross_entropy:   loss (1) = mean_i [lse_i - logits[i, t_i]], lse (N) saved     (written)
//                    backward grad_logits = grad_loss / N * (softmax - onehot(t)) (written)
//   bce_with_logits: loss (1) = mean [max(x,0) - x*y + log1p(exp(-|x|))]          (written)
//                    backward grad_x = grad_loss / n * (sigmoid(x) - y)            (written)
// grad_loss is a device pointer to one element.
// Layout: one warp per row (8 rows per 256-thread block, grid-stride over rows), lanes striding
// over the columns. Numerics in float: the log-sum-exp is online (each lane keeps its running max m
// and the sum s of exp(x - m), rescaled when m grows; lanes merge (m, s) pairs through a fixed
// butterfly), so one pass over the row suffices and nothing overflows. Mean losses reduce the
// per-row / per-element terms with one block and a fixed tree: deterministic.
// cross_entropy validates the targets on the device; a bad one throws std::invalid_argument
// naming the first bad position (this waits for the stream).
#include "kernels/cuda/common.cuh"
#include "kernels/softmax.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kRowBlock = 256;  // 8 warps = 8 rows per block
constexpr int kRowsPerBlock = kRowBlock / kWarpSize;
constexpr int kElemBlock = 256;
constexpr int kLossBlock = 512;  // one block reduces the whole loss

// Running log-sum-exp state: sum over seen values v of exp(v - m).
struct Lse {
  float m, s;
};

__device__ inline Lse lse_push(Lse a, float x) {
  if (x > a.m) {
    a.s = a.s * hd_exp(a.m - x) + 1.0f;  // m = -inf, s = 0 at start: 0 * 0 + 1
    a.m = x;
  } else if (x != -INFINITY) {  // exp(-inf - m) adds exactly 0 (and -inf - -inf would be NaN)
    a.s += hd_exp(x - a.m);     // NaN propagates through s
  }
  return a;
}

// Symmetric in (a, b), so every lane of the butterfly ends with the same bits.
__device__ inline Lse lse_merge(Lse a, Lse b) {
  Lse r;
  r.m = a.m > b.m ? a.m : b.m;
  float ta = a.s == 0.0f ? 0.0f : a.s * hd_exp(a.m - r.m);
  float tb = b.s == 0.0f ? 0.0f : b.s * hd_exp(b.m - r.m);
  r.s = ta + tb;
  return r;
}

// lse of row x[0..C) computed by one warp; every lane returns it.
__device__ inline float warp_row_lse(const float* x, int C, int lane) {
  Lse a{-INFINITY, 0.0f};
  for (int c = lane; c < C; c += kWarpSize) a = lse_push(a, x[c]);
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    Lse b;
    b.m = __shfl_xor_sync(0xffffffffu, a.m, offset);
    b.s = __shfl_xor_sync(0xffffffffu, a.s, offset);
    a = lse_merge(a, b);
  }
  return a.m + hd_log(a.s);
}

static __global__ void log_softmax_forward_kernel(float* out, const float* x, int N, int C) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float* xr = x + row * C;
    const float lse = warp_row_lse(xr, C, lane);
    for (int c = lane; c < C; c += kWarpSize) out[row * C + c] = xr[c] - lse;
  }
}

static __global__ void log_softmax_backward_kernel(float* grad_in, const float* grad_out,
                                                   const float* out, int N, int C) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t base = row * C;
    float s = 0.0f;
    for (int c = lane; c < C; c += kWarpSize) s += grad_out[base + c];
    s = warp_sum(s);
    for (int c = lane; c < C; c += kWarpSize) {
      grad_in[base + c] = grad_out[base + c] - hd_exp(out[base + c]) * s;
    }
  }
}

// lse (N) per row; reports the first row whose target is outside [0, C).
static __global__ void cross_entropy_lse_kernel(float* lse, const float* logits,
                                                const int32_t* targets, int N, int C,
                                                unsigned long long* error) {
  const int lane = threadIdx.x % kWarpSize;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarpSize;
       row < N; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float l = warp_row_lse(logits + row * C, C, lane);
    if (lane == 0) {
      lse[row] = l;
      const int32_t t = targets[row];
      if (t < 0 || t >= C) report_bad_index(error, row);
    }
  }
}

// loss[0] = mean_i (lse[i] - logits[i, t_i]); one block. Rows with a bad target add nothing (the
// entry point throws for them).
static __global__ void cross_entropy_mean_kernel(float* loss, const float* lse, const float* logits,
                                                 const int32_t* targets, int N, int C) {
  float acc = 0.0f;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
    const int32_t t = targets[i];
    if (t >= 0 && t < C) acc += lse[i] - logits[i * C + t];
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) loss[0] = N > 0 ? acc / static_cast<float>(N) : 0.0f;
}

static __global__ void cross_entropy_backward_kernel(float* grad_logits, const float* grad_loss,
                                                     const float* logits, const float* lse,
                                                     const int32_t* targets, int N, int C) {
  const float g = grad_loss[0] / static_cast<float>(N);  // launched only for N > 0
  const int64_t total = static_cast<int64_t>(N) * C;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int64_t i = idx / C;
    const int c = static_cast<int>(idx % C);
    const float p = hd_exp(logits[idx] - lse[i]);
    grad_logits[idx] = g * (p - (c == targets[i] ? 1.0f : 0.0f));
  }
}

static __global__ void bce_forward_kernel(float* loss, const float* x, const float* y, int64_t n) {
  float acc = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float v = x[i];
    acc += (v > 0.0f ? v : 0.0f) - v * y[i] + hd_log1p(hd_exp(-hd_fabs(v)));
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) loss[0] = n > 0 ? acc / static_cast<float>(n) : 0.0f;
}

static __global__ void bce_backward_kernel(float* grad_x, const float* grad_loss, const float* x,
                                           const float* y, int64_t n) {
  const float g = grad_loss[0] / static_cast<float>(n);  // launched only for n > 0
  for (int64_t i = grid_start(); i < n; i += grid_step()) {
    const float v = x[i];
    const float sig = v >= 0.0f ? 1.0f / (1.0f + hd_exp(-v)) : hd_exp(v) / (1.0f + hd_exp(v));
    grad_x[i] = g * (sig - y[i]);
  }
}

void check_rows(const char* op, int N, int C) {
  check_count(op, "N", N);
  if (C < 1) fail(op, "C = " + std::to_string(C) + " must be >= 1");
}

unsigned row_grid(int N) {
  return grid_for(N, kRowsPerBlock);
}

}  // namespace

void log_softmax_forward_cuda(float* out, const float* x, int N, int C, cudaStream_t stream) {
  const char* op = "log_softmax_forward_cuda";
  check_rows(op, N, C);
  check_ptr(op, "out", out, static_cast<int64_t>(N) * C);
  check_ptr(op, "x", x, static_cast<int64_t>(N) * C);
  if (N == 0) return;
  log_softmax_forward_kernel<<<row_grid(N), kRowBlock, 0, stream>>>(out, x, N, C);
  CUDA_CHECK(cudaGetLastError());
}

void log_softmax_backward_cuda(float* grad_in, const float* grad_out, const float* out, int N,
                               int C, cudaStream_t stream) {
  const char* op = "log_softmax_backward_cuda";
  check_rows(op, N, C);
  const int64_t n = static_cast<int64_t>(N) * C;
  check_ptr(op, "grad_in", grad_in, n);
  check_ptr(op, "grad_out", grad_out, n);
  check_ptr(op, "out", out, n);
  if (N == 0) return;
  log_softmax_backward_kernel<<<row_grid(N), kRowBlock, 0, stream>>>(grad_in, grad_out, out, N, C);
  CUDA_CHECK(cudaGetLastError());
}

void cross_entropy_forward_cuda(float* loss, float* lse, const float* logits,
                                const int32_t* targets, int N, int C, cudaStream_t stream) {
  const char* op = "cross_entropy";
  check_rows(op, N, C);
  check_ptr(op, "loss", loss, 1);
  check_ptr(op, "lse", lse, N);
  check_ptr(op, "logits", logits, static_cast<int64_t>(N) * C);
  check_ptr(op, "targets", targets, N);
  DeviceErrorIndex error(stream);
  if (N > 0) {
    cross_entropy_lse_kernel<<<row_grid(N), kRowBlock, 0, stream>>>(lse, logits, targets, N, C,
                                                                    error.get());
    CUDA_CHECK(cudaGetLastError());
  }
  cross_entropy_mean_kernel<<<1, kLossBlock, 0, stream>>>(loss, lse, logits, targets, N, C);
  CUDA_CHECK(cudaGetLastError());
  const int64_t bad = error.fetch();
  if (bad >= 0) {
    fail(op, "targets[" + std::to_string(bad) +
                 "] = " + std::to_string(DeviceErrorIndex::read_index(targets, bad, stream)) +
                 " is outside [0, " + std::to_string(C) + ")");
  }
}

void cross_entropy_backward_cuda(float* grad_logits, const float* grad_loss, const float* logits,
                                 const float* lse, const int32_t* targets, int N, int C,
                                 cudaStream_t stream) {
  const char* op = "cross_entropy_backward_cuda";
  check_rows(op, N, C);
  const int64_t n = static_cast<int64_t>(N) * C;
  check_ptr(op, "grad_logits", grad_logits, n);
  check_ptr(op, "grad_loss", grad_loss, 1);
  check_ptr(op, "logits", logits, n);
  check_ptr(op, "lse", lse, N);
  check_ptr(op, "targets", targets, N);
  if (n == 0) return;
  cross_entropy_backward_kernel<<<grid_for(n, kElemBlock), kElemBlock, 0, stream>>>(
      grad_logits, grad_loss, logits, lse, targets, N, C);
  CUDA_CHECK(cudaGetLastError());
}

void bce_with_logits_forward_cuda(float* loss, const float* x, const float* y, int64_t n,
                                  cudaStream_t stream) {
  const char* op = "bce_with_logits_forward_cuda";
  check_count(op, "n", n);
  check_ptr(op, "loss", loss, 1);
  check_ptr(op, "x", x, n);
  check_ptr(op, "y", y, n);
  bce_forward_kernel<<<1, kLossBlock, 0, stream>>>(loss, x, y, n);
  CUDA_CHECK(cudaGetLastError());
}

void bce_with_logits_backward_cuda(float* grad_x, const float* grad_loss, const float* x,
                                   const float* y, int64_t n, cudaStream_t stream) {
  const char* op = "bce_with_logits_backward_cuda";
  check_count(op, "n", n);
  check_ptr(op, "grad_x", grad_x, n);
  check_ptr(op, "grad_loss", grad_loss, 1);
  check_ptr(op, "x", x, n);
  check_ptr(op, "y", y, n);
  if (n == 0) return;
  bce_backward_kernel<<<grid_for(n, kElemBlock), kElemBlock, 0, stream>>>(grad_x, grad_loss, x, y,
                                                                          n);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
