// Shared helpers of the CUDA kernel files (internal to kernels/cuda/).
//   - launch geometry: grid_for() sizes a 1-D grid for a grid-stride loop, which runs from
//     grid_start() in steps of grid_step(); unflatten_bcl() splits a flat (B, C, len) index;
//   - the argument checks of kernels/runtime/kernel_error.h (fail, check_count, check_ptr),
//     shared with the CPU twins;
//   - warp_sum / block_sum: fixed-shape reduction trees (shuffles in a fixed pattern, then shared
//     memory), so a sum depends only on its inputs and the block size: bit-reproducible, no
//     atomics;
//   - DeviceScratch: a temporary device buffer from the caching allocator (RAII);
//   - DeviceErrorIndex: lets a kernel report the first bad position of an index argument (an
//     out-of-range class target or row index); fetching it waits for the stream;
//   - math in the precision of T: hd_exp, hd_log, ... of kernels/runtime/host_device.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "kernels/runtime/caching_allocator.h"
#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/host_device.h"
#include "kernels/runtime/host_sync.h"
#include "kernels/runtime/kernel_error.h"

namespace acl::kernels::cuda_detail {

constexpr int kWarpSize = 32;
// Upper bound on 1-D grids of grid-stride kernels: enough blocks to fill any current GPU many
// times over; the loop covers the rest.
constexpr int64_t kMaxGridBlocks = int64_t{1} << 20;

inline unsigned grid_for(int64_t n, int block) {
  int64_t blocks = (n + block - 1) / block;
  if (blocks < 1) blocks = 1;
  if (blocks > kMaxGridBlocks) blocks = kMaxGridBlocks;
  return static_cast<unsigned>(blocks);
}

// A grid-stride loop over [0, n): for (int64_t i = grid_start(); i < n; i += grid_step()).
__device__ inline int64_t grid_start() {
  return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
}
__device__ inline int64_t grid_step() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// (b, c, l) of the flat index idx of a row-major (B, C, len) tensor.
__device__ inline void unflatten_bcl(int64_t idx, int C, int len, int64_t* b, int* c, int* l) {
  *l = static_cast<int>(idx % len);
  const int64_t bc = idx / len;
  *c = static_cast<int>(bc % C);
  *b = bc / C;
}

// Sum over the 32 lanes of a warp; every lane must call it (full mask) and gets the total.
template <typename T>
__device__ inline T warp_sum(T v) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  }
  return v;
}

// Sum over the block; blockDim.x must be a multiple of 32 and at most 1024, and every thread of
// the block must call it. Returns the total to every thread.
template <typename T>
__device__ inline T block_sum(T v) {
  __shared__ T partial[32];
  __shared__ T total;
  const int lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  const int warps = blockDim.x / kWarpSize;
  v = warp_sum(v);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    T w = lane < warps ? partial[lane] : T(0);
    w = warp_sum(w);
    if (lane == 0) total = w;
  }
  __syncthreads();
  T result = total;
  __syncthreads();  // the next call may overwrite partial/total
  return result;
}

// n elements of T from the caching allocator on `stream`, returned to it on destruction (also
// when a launch throws); stream order makes the reuse safe once the launches using it are queued.
template <typename T>
class DeviceScratch {
 public:
  DeviceScratch(int64_t n, cudaStream_t stream)
      : ptr_(static_cast<T*>(
            cuda_allocator().allocate(static_cast<size_t>(n) * sizeof(T), stream))) {}
  ~DeviceScratch() {
    try {
      cuda_allocator().free(ptr_);
    } catch (...) {
    }
  }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

  T* get() const { return ptr_; }

 private:
  T* ptr_ = nullptr;
};

// The smallest position at which a kernel found a bad index, or none. Allocated from the caching
// allocator on `stream`; kernels call report_bad_index() with the position.
// Copies `bytes` of device memory to the host once the work queued on `stream` has run: a host
// wait, counted by note_host_sync().
inline void read_to_host(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream));
  note_host_sync();
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

class DeviceErrorIndex {
 public:
  explicit DeviceErrorIndex(cudaStream_t stream) : stream_(stream), flag_(1, stream) {
    CUDA_CHECK(cudaMemsetAsync(flag_.get(), 0xff, sizeof(unsigned long long), stream));  // = none
  }

  unsigned long long* get() const { return flag_.get(); }

  // Waits for the stream; returns the first bad position, or -1 when every index was valid.
  int64_t fetch() const {
    unsigned long long host = ~0ull;
    read_to_host(&host, flag_.get(), sizeof host, stream_);
    return host == ~0ull ? -1 : static_cast<int64_t>(host);
  }

  // The value of index[pos] (device memory), read back for the error message.
  static int32_t read_index(const int32_t* index, int64_t pos, cudaStream_t stream) {
    int32_t v = 0;
    read_to_host(&v, index + pos, sizeof v, stream);
    return v;
  }

 private:
  cudaStream_t stream_;
  DeviceScratch<unsigned long long> flag_;
};

__device__ inline void report_bad_index(unsigned long long* error, int64_t pos) {
  atomicMin(error, static_cast<unsigned long long>(pos));  // an error flag, not a numeric sum
}

}  // namespace acl::kernels::cuda_detail
