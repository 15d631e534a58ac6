// Block copies behind concat, slice and gather on CUDA (see kernels/indexing.h):
//   copy_slab:   dst (outer, dst_n, inner)[o, dst_start + j, i] = src (outer, src_n, inner)
//                [o, src_start + j, i] for j < count                                   (written)
//   gather_rows: out (M, row) = x (N, row)[index[m], :]                                 (written)
//   gather_rows_backward: grad_x (N, row)[n, :] = sum over m with index[m] == n, in increasing
//                m, of grad_out[m, :]                                                   (written)
// One thread per written element (grid-stride). gather_rows_backward is a gather, not a scatter:
// each grad_x element scans the whole index and sums its matches in index order, so there are no
// atomics and the result is bit-reproducible and equal to the CPU's summation order; O(N*row*M),
// meant for the small index vectors of region pooling and batch gathers.
// gather_rows reports the first index outside [0, N) and throws std::invalid_argument after
// waiting for the stream; gather_rows_backward trusts the index its forward already checked
// (an out-of-range entry matches no row).
// copy_slab and gather_rows take float and int32_t (copies move index tensors too);
// gather_rows_backward takes float.
#include "kernels/cuda/common.cuh"
#include "kernels/indexing.h"
#include "kernels/indexing_shared.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;
using namespace indexing_detail;

constexpr int kBlockSize = 256;

template <typename T>
static __global__ void copy_slab_kernel(T* dst, const T* src, int64_t outer, int64_t inner,
                                        int64_t dst_n, int64_t dst_start, int64_t src_n,
                                        int64_t src_start, int64_t count) {
  const int64_t per_outer = count * inner;
  const int64_t total = outer * per_outer;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int64_t o = idx / per_outer, r = idx % per_outer;  // r = j * inner + i
    dst[slab_base(o, dst_n, dst_start, inner) + r] = src[slab_base(o, src_n, src_start, inner) + r];
  }
}

// Reports the first m with index[m] outside [0, N).
static __global__ void check_index_kernel(const int32_t* index, int64_t M, int64_t N,
                                          unsigned long long* error) {
  for (int64_t m = grid_start(); m < M; m += grid_step()) {
    if (!index_in_range(index[m], N)) report_bad_index(error, m);
  }
}

// Rows with a bad index are zero-filled (the entry point throws for them).
template <typename T>
static __global__ void gather_rows_kernel(T* out, const T* x, const int32_t* index, int64_t M,
                                          int64_t N, int64_t row) {
  const int64_t total = M * row;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int64_t m = idx / row, i = idx % row;
    const int32_t src = index[m];
    out[idx] = index_in_range(src, N) ? x[static_cast<int64_t>(src) * row + i] : T(0);
  }
}

static __global__ void gather_rows_backward_kernel(float* grad_x, const float* grad_out,
                                                   const int32_t* index, int64_t M, int64_t N,
                                                   int64_t row) {
  const int64_t total = N * row;
  for (int64_t idx = grid_start(); idx < total; idx += grid_step()) {
    const int64_t n = idx / row, i = idx % row;
    float acc = 0.0f;
    for (int64_t m = 0; m < M; ++m) {
      if (index[m] == n) acc += grad_out[m * row + i];
    }
    grad_x[idx] = acc;
  }
}

template <typename T>
void copy_slab_impl(T* dst, const T* src, int64_t outer, int64_t inner, int64_t dst_n,
                    int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count,
                    cudaStream_t stream) {
  const int64_t total =
      check_copy_slab(dst, src, outer, inner, dst_n, dst_start, src_n, src_start, count);
  if (total == 0) return;
  copy_slab_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      dst, src, outer, inner, dst_n, dst_start, src_n, src_start, count);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void gather_rows_impl(T* out, const T* x, const int32_t* index, int64_t M, int64_t N, int64_t row,
                      cudaStream_t stream) {
  const char* op = "gather_rows";
  check_gather_rows(out, x, index, M, N, row);
  if (M == 0) return;
  DeviceErrorIndex error(stream);
  check_index_kernel<<<grid_for(M, kBlockSize), kBlockSize, 0, stream>>>(index, M, N, error.get());
  CUDA_CHECK(cudaGetLastError());
  if (row > 0) {
    gather_rows_kernel<<<grid_for(M * row, kBlockSize), kBlockSize, 0, stream>>>(out, x, index, M,
                                                                                 N, row);
    CUDA_CHECK(cudaGetLastError());
  }
  // Waits for the stream (one host sync per call; a graph-captured step would need the check
  // deferred).
  const int64_t bad = error.fetch();
  if (bad >= 0) fail_bad_index(op, bad, DeviceErrorIndex::read_index(index, bad, stream), N);
}

}  // namespace

void copy_slab_cuda(float* dst, const float* src, int64_t outer, int64_t inner, int64_t dst_n,
                    int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count,
                    cudaStream_t stream) {
  copy_slab_impl(dst, src, outer, inner, dst_n, dst_start, src_n, src_start, count, stream);
}
void copy_slab_cuda(int32_t* dst, const int32_t* src, int64_t outer, int64_t inner, int64_t dst_n,
                    int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count,
                    cudaStream_t stream) {
  copy_slab_impl(dst, src, outer, inner, dst_n, dst_start, src_n, src_start, count, stream);
}

void gather_rows_cuda(float* out, const float* x, const int32_t* index, int64_t M, int64_t N,
                      int64_t row, cudaStream_t stream) {
  gather_rows_impl(out, x, index, M, N, row, stream);
}
void gather_rows_cuda(int32_t* out, const int32_t* x, const int32_t* index, int64_t M, int64_t N,
                      int64_t row, cudaStream_t stream) {
  gather_rows_impl(out, x, index, M, N, row, stream);
}

void gather_rows_backward_cuda(float* grad_x, const float* grad_out, const int32_t* index,
                               int64_t M, int64_t N, int64_t row, cudaStream_t stream) {
  check_gather_rows_backward(grad_x, grad_out, index, M, N, row);
  const int64_t total = N * row;
  if (total == 0) return;
  gather_rows_backward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      grad_x, grad_out, index, M, N, row);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace acl::kernels
