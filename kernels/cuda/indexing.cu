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
// Instantiated for float, double and int32_t (copies move index tensors too).
#include "kernels/cuda/common.cuh"
#include "kernels/indexing.h"

namespace acl::kernels {
namespace {

using namespace cuda_detail;

constexpr int kBlockSize = 256;

template <typename T>
static __global__ void copy_slab_kernel(T* dst, const T* src, int64_t outer, int64_t inner,
                                        int64_t dst_n, int64_t dst_start, int64_t src_n,
                                        int64_t src_start, int64_t count) {
  const int64_t per_outer = count * inner;
  const int64_t total = outer * per_outer;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t o = idx / per_outer, r = idx % per_outer;  // r = j * inner + i
    dst[(o * dst_n + dst_start) * inner + r] = src[(o * src_n + src_start) * inner + r];
  }
}

// Reports the first m with index[m] outside [0, N).
static __global__ void check_index_kernel(const int32_t* index, int64_t M, int64_t N,
                                          unsigned long long* error) {
  for (int64_t m = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; m < M;
       m += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (index[m] < 0 || index[m] >= N) report_bad_index(error, m);
  }
}

// Rows with a bad index are zero-filled (the entry point throws for them).
template <typename T>
static __global__ void gather_rows_kernel(T* out, const T* x, const int32_t* index, int64_t M,
                                          int64_t N, int64_t row) {
  const int64_t total = M * row;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t m = idx / row, i = idx % row;
    const int32_t src = index[m];
    out[idx] = src >= 0 && src < N ? x[static_cast<int64_t>(src) * row + i] : T(0);
  }
}

template <typename T>
static __global__ void gather_rows_backward_kernel(T* grad_x, const T* grad_out,
                                                   const int32_t* index, int64_t M, int64_t N,
                                                   int64_t row) {
  const int64_t total = N * row;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t n = idx / row, i = idx % row;
    T acc = T(0);
    for (int64_t m = 0; m < M; ++m) {
      if (index[m] == n) acc += grad_out[m * row + i];
    }
    grad_x[idx] = acc;
  }
}

void check_gather(const char* op, int64_t M, int64_t N, int64_t row) {
  check_count(op, "M", M);
  check_count(op, "N", N);
  check_count(op, "row", row);
}

}  // namespace

template <typename T>
void copy_slab_cuda(T* dst, const T* src, int64_t outer, int64_t inner, int64_t dst_n,
                    int64_t dst_start, int64_t src_n, int64_t src_start, int64_t count,
                    cudaStream_t stream) {
  const char* op = "copy_slab_cuda";
  check_count(op, "outer", outer);
  check_count(op, "inner", inner);
  check_count(op, "count", count);
  if (dst_start < 0 || src_start < 0 || dst_start + count > dst_n || src_start + count > src_n) {
    fail(op, "range of " + std::to_string(count) + " from src [" + std::to_string(src_start) +
                 ", of " + std::to_string(src_n) + ") to dst [" + std::to_string(dst_start) +
                 ", of " + std::to_string(dst_n) + ") is out of bounds");
  }
  const int64_t total = outer * count * inner;
  check_ptr(op, "dst", dst, total);
  check_ptr(op, "src", src, total);
  if (total == 0) return;
  copy_slab_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      dst, src, outer, inner, dst_n, dst_start, src_n, src_start, count);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void gather_rows_cuda(T* out, const T* x, const int32_t* index, int64_t M, int64_t N, int64_t row,
                      cudaStream_t stream) {
  const char* op = "gather_rows";
  check_gather(op, M, N, row);
  check_ptr(op, "out", out, M * row);
  check_ptr(op, "x", x, N * row);
  check_ptr(op, "index", index, M);
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
  if (bad >= 0) {
    fail(op, "index[" + std::to_string(bad) +
                 "] = " + std::to_string(DeviceErrorIndex::read_index(index, bad, stream)) +
                 " is outside [0, " + std::to_string(N) + ")");
  }
}

template <typename T>
void gather_rows_backward_cuda(T* grad_x, const T* grad_out, const int32_t* index, int64_t M,
                               int64_t N, int64_t row, cudaStream_t stream) {
  const char* op = "gather_rows_backward_cuda";
  check_gather(op, M, N, row);
  check_ptr(op, "grad_x", grad_x, N * row);
  check_ptr(op, "grad_out", grad_out, M * row);
  check_ptr(op, "index", index, M);
  const int64_t total = N * row;
  if (total == 0) return;
  gather_rows_backward_kernel<<<grid_for(total, kBlockSize), kBlockSize, 0, stream>>>(
      grad_x, grad_out, index, M, N, row);
  CUDA_CHECK(cudaGetLastError());
}

#define ACL_INSTANTIATE(T)                                                                   \
  template void copy_slab_cuda<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t, int64_t, \
                                  int64_t, int64_t, cudaStream_t);                           \
  template void gather_rows_cuda<T>(T*, const T*, const int32_t*, int64_t, int64_t, int64_t, \
                                    cudaStream_t);                                           \
  template void gather_rows_backward_cuda<T>(T*, const T*, const int32_t*, int64_t, int64_t, \
                                             int64_t, cudaStream_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
ACL_INSTANTIATE(int32_t)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
