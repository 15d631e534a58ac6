#include "kernels/runtime/caching_allocator.h"

#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels/runtime/cuda_check.h"

namespace acl {
namespace {
constexpr size_t kSmallLimit = size_t{1} << 20;  // requests below 1 MiB ...
constexpr size_t kSmallRound = 512;              // ... round to 512 B
constexpr size_t kLargeRound = size_t{2} << 20;  // the rest to 2 MiB

// Restores the current device when leaving a scope that switched it.
struct DeviceRestore {
  int device;
  ~DeviceRestore() {
    if (device >= 0) (void)cudaSetDevice(device);
  }
};

std::string pointer_text(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}
}  // namespace

size_t CudaCachingAllocator::round_size(size_t bytes) {
  size_t unit = bytes < kSmallLimit ? kSmallRound : kLargeRound;
  if (bytes > std::numeric_limits<size_t>::max() - unit) {
    throw std::invalid_argument("CudaCachingAllocator: request of " + std::to_string(bytes) +
                                " bytes is too large");
  }
  return (bytes + unit - 1) / unit * unit;
}

CudaCachingAllocator::~CudaCachingAllocator() {
  try {
    std::lock_guard<std::mutex> lock(mu_);
    empty_cache_locked();
  } catch (...) {
    // The runtime may already be shutting down; the driver reclaims the memory at exit anyway.
  }
}

void* CudaCachingAllocator::allocate(size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return nullptr;
  size_t size = round_size(bytes);
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));

  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.num_allocs;

  // Best fit among this stream's cached blocks, wasting at most half of the block.
  auto pool = free_.find(PoolKey(device, stream));
  if (pool != free_.end()) {
    auto it = pool->second.lower_bound(size);
    if (it != pool->second.end() && it->first / 2 <= size) {
      void* p = it->second;
      pool->second.erase(it);
      Block& b = blocks_.at(p);
      b.in_use = true;
      ++stats_.num_cache_hits;
      stats_.current_bytes += b.size;
      if (stats_.current_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.current_bytes;
      return p;
    }
  }

  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, size);
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    empty_cache_locked();
    err = cudaMalloc(&p, size);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      throw std::runtime_error(
          "CUDA out of memory: could not allocate " + std::to_string(bytes) +
          " bytes (rounded to " + std::to_string(size) + ") on device " + std::to_string(device) +
          " even after releasing the cache; allocator: " + std::to_string(stats_.current_bytes) +
          " bytes in use, " + std::to_string(stats_.reserved_bytes) + " reserved, peak " +
          std::to_string(stats_.peak_bytes));
    }
  }
  if (err != cudaSuccess) {
    std::string expr = "cudaMalloc(" + std::to_string(size) + " bytes)";
    detail::throw_cuda_error(err, expr.c_str(), __FILE__, __LINE__);
  }
  blocks_.emplace(p, Block{size, device, stream, true});
  ++stats_.num_cuda_mallocs;
  stats_.reserved_bytes += size;
  stats_.current_bytes += size;
  if (stats_.current_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.current_bytes;
  return p;
}

void CudaCachingAllocator::free(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blocks_.find(p);
  if (it == blocks_.end() || !it->second.in_use) {
    throw std::invalid_argument(
        "CudaCachingAllocator::free: " + pointer_text(p) +
        (it == blocks_.end() ? " was not allocated by this allocator" : " was already freed"));
  }
  Block& b = it->second;
  b.in_use = false;
  stats_.current_bytes -= b.size;
  free_[PoolKey(b.device, b.stream)].emplace(b.size, p);
}

void CudaCachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  empty_cache_locked();
}

void CudaCachingAllocator::empty_cache_locked() {
  if (free_.empty()) return;
  int current = detail::current_device_noexcept();
  DeviceRestore restore{current};
  int active = current;
  for (auto pool = free_.begin(); pool != free_.end();) {
    int device = pool->first.first;
    if (device != active) {
      CUDA_CHECK(cudaSetDevice(device));
      active = device;
    }
    FreeList& list = pool->second;
    for (auto it = list.begin(); it != list.end();) {
      CUDA_CHECK(cudaFree(it->second));
      stats_.reserved_bytes -= it->first;
      blocks_.erase(it->second);
      it = list.erase(it);
    }
    pool = free_.erase(pool);
  }
}

CudaCachingAllocator::Stats CudaCachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CudaCachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.peak_bytes = stats_.current_bytes;
}

CudaCachingAllocator& cuda_allocator() {
  static CudaCachingAllocator* allocator = new CudaCachingAllocator();
  return *allocator;
}

void* allocate_pinned_host(size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  CUDA_CHECK(cudaHostAlloc(&p, bytes, cudaHostAllocDefault));
  return p;
}

void free_pinned_host(void* p) {
  if (!p) return;
  CUDA_CHECK(cudaFreeHost(p));
}

}  // namespace acl
