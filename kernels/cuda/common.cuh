// Shared helpers of the CUDA kernel files (internal to kernels/cuda/).
//   - launch geometry: grid_for() sizes a 1-D grid for a grid-stride loop;
//   - argument checks that throw std::invalid_argument("<op>: ...") like the CPU twins;
//   - warp_sum / block_sum: fixed-shape reduction trees (shuffles in a fixed pattern, then shared
//     memory), so a sum depends only on its inputs and the block size: bit-reproducible, no
//     atomics;
//   - DeviceErrorIndex: lets a kernel report the first bad position of an index argument (an
//     out-of-range class target or row index); fetching it waits for the stream;
//   - d_exp, d_log, ...: math in the precision of T.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/cuda_check.h"

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

[[noreturn]] inline void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

inline void check_count(const char* op, const char* name, int64_t n) {
  if (n < 0) fail(op, std::string(name) + " = " + std::to_string(n) + " is negative");
}

// A buffer of n > 0 elements must be a real pointer.
inline void check_ptr(const char* op, const char* name, const void* p, int64_t n) {
  if (n > 0 && p == nullptr) {
    fail(op, std::string("'") + name + "' is null for " + std::to_string(n) + " elements");
  }
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

// The smallest position at which a kernel found a bad index, or none. Allocated from the caching
// allocator on `stream`; kernels call report() with the position.
class DeviceErrorIndex {
 public:
  explicit DeviceErrorIndex(cudaStream_t stream) : stream_(stream) {
    ptr_ = static_cast<unsigned long long*>(
        cuda_allocator().allocate(sizeof(unsigned long long), stream));
    CUDA_CHECK(cudaMemsetAsync(ptr_, 0xff, sizeof(unsigned long long), stream));  // = none
  }
  ~DeviceErrorIndex() {
    try {
      cuda_allocator().free(ptr_);
    } catch (...) {
    }
  }
  DeviceErrorIndex(const DeviceErrorIndex&) = delete;
  DeviceErrorIndex& operator=(const DeviceErrorIndex&) = delete;

  unsigned long long* get() const { return ptr_; }

  // Waits for the stream; returns the first bad position, or -1 when every index was valid.
  int64_t fetch() const {
    unsigned long long host = ~0ull;
    CUDA_CHECK(cudaMemcpyAsync(&host, ptr_, sizeof host, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return host == ~0ull ? -1 : static_cast<int64_t>(host);
  }

  // The value of index[pos] (device memory), read back for the error message.
  static int32_t read_index(const int32_t* index, int64_t pos, cudaStream_t stream) {
    int32_t v = 0;
    CUDA_CHECK(cudaMemcpyAsync(&v, index + pos, sizeof v, cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    return v;
  }

 private:
  cudaStream_t stream_;
  unsigned long long* ptr_ = nullptr;
};

// Math in the precision of T, spelled out per type (expf for float, exp for double).
__device__ inline float d_exp(float v) {
  return expf(v);
}
__device__ inline double d_exp(double v) {
  return exp(v);
}
__device__ inline float d_log(float v) {
  return logf(v);
}
__device__ inline double d_log(double v) {
  return log(v);
}
__device__ inline float d_log1p(float v) {
  return log1pf(v);
}
__device__ inline double d_log1p(double v) {
  return log1p(v);
}
__device__ inline float d_sqrt(float v) {
  return sqrtf(v);
}
__device__ inline double d_sqrt(double v) {
  return sqrt(v);
}
__device__ inline float d_erf(float v) {
  return erff(v);
}
__device__ inline double d_erf(double v) {
  return erf(v);
}
__device__ inline float d_fabs(float v) {
  return fabsf(v);
}
__device__ inline double d_fabs(double v) {
  return fabs(v);
}

__device__ inline void report_bad_index(unsigned long long* error, int64_t pos) {
  atomicMin(error, static_cast<unsigned long long>(pos));  // an error flag, not a numeric sum
}

}  // namespace acl::kernels::cuda_detail
