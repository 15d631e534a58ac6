// Sum along the middle axis of a tensor viewed as (outer, n, inner), on CUDA (see
// kernels/reduce.h):
//   sum_dim:       out (outer, inner) = sum_j in[o, j, i]   (written)
//   broadcast_dim: out (outer, n, inner) = s * in[o, i]     (written; backward of sum/mean)
// sum_dim has two variants, selected by shape; both are deterministic (fixed summation order,
// no atomics) and accumulate in float:
//   - columns (inner >= 32, or n <= 64): one thread per output, summing j = 0..n-1 in order;
//     neighbouring threads read neighbouring i, so loads coalesce;
//   - rows (inner < 32 and n > 64, e.g. a full reduction): one block per output, threads stride
//     over j and a fixed block tree combines them.
#include "kernels/cuda/common.cuh"
#include "kernels/reduce.h"

namespace acl::kernels {
namespace {

using cuda_detail::block_sum;
using cuda_detail::grid_for;
using cuda_detail::grid_start;
using cuda_detail::grid_step;

constexpr int kColumnBlock = 256;
constexpr int kRowBlock = 256;
constexpr int kBroadcastBlock = 256;
constexpr int64_t kSerialMaxN = 64;  // up to this many terms a serial sum per thread is cheap
constexpr int64_t kColumnMinInner = 32;

// One thread per output (o, i).
static __global__ void sum_columns_kernel(float* out, const float* in, int64_t outer, int64_t n,
                                          int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int64_t o = idx / inner, i = idx % inner;
    const float* src = in + o * n * inner + i;
    float acc = 0.0f;
    for (int64_t j = 0; j < n; ++j) acc += src[j * inner];
    out[idx] = acc;
  }
}

// One block per output (o, i); the loop over outputs is uniform across the block, so every
// thread reaches block_sum.
static __global__ void sum_rows_kernel(float* out, const float* in, int64_t outer, int64_t n,
                                       int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t idx = blockIdx.x; idx < total; idx += gridDim.x) {
    const int64_t o = idx / inner, i = idx % inner;
    const float* src = in + o * n * inner + i;
    float acc = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) acc += src[j * inner];
    acc = block_sum(acc);
    if (threadIdx.x == 0) out[idx] = acc;
  }
}

static __global__ void broadcast_kernel(float* out, const float* in, int64_t outer, int64_t n,
                                        int64_t inner, float s) {
  const int64_t total = outer * n * inner;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int64_t i = idx % inner, o = idx / (n * inner);
    out[idx] = s * in[o * inner + i];
  }
}

void check_dims(const char* op, int64_t outer, int64_t n, int64_t inner) {
  check_count(op, "outer", outer);
  check_count(op, "n", n);
  check_count(op, "inner", inner);
}

}  // namespace

void sum_dim_cuda(float* out, const float* in, int64_t outer, int64_t n, int64_t inner,
                  cudaStream_t stream) {
  const char* op = "sum_dim_cuda";
  check_dims(op, outer, n, inner);
  const int64_t outputs = outer * inner;
  check_ptr(op, "out", out, outputs);
  check_ptr(op, "in", in, outputs * n);
  if (outputs == 0) return;
  if (inner >= kColumnMinInner || n <= kSerialMaxN) {
    sum_columns_kernel<<<grid_for(outputs, kColumnBlock), kColumnBlock, 0, stream>>>(out, in, outer,
                                                                                     n, inner);
  } else {
    const unsigned grid = static_cast<unsigned>(
        outputs < cuda_detail::kMaxGridBlocks ? outputs : cuda_detail::kMaxGridBlocks);
    sum_rows_kernel<<<grid, kRowBlock, 0, stream>>>(out, in, outer, n, inner);
  }
  CUDA_CHECK(cudaGetLastError());
}

void broadcast_dim_cuda(float* out, const float* in, int64_t outer, int64_t n, int64_t inner,
                        float s, cudaStream_t stream) {
  const char* op = "broadcast_dim_cuda";
  check_dims(op, outer, n, inner);
  const int64_t total = outer * n * inner;
  check_ptr(op, "out", out, total);
  check_ptr(op, "in", in, outer * inner);
  if (total == 0) return;
  broadcast_kernel<<<grid_for(total, kBroadcastBlock), kBroadcastBlock, 0, stream>>>(out, in, outer,
                                                                                     n, inner, s);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
