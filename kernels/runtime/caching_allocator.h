// Caching allocator for CUDA device memory: cudaMalloc/cudaFree stay off the hot path.
//
// A freed block goes back to the free list of the (device, stream) it was allocated on and is
// handed out again only for that same stream, where stream order makes reuse safe without events.
// Sharing a block with another stream needs the caller's own synchronisation (there is no
// record_stream yet).
//
// Sizes are rounded up: below 1 MiB to a multiple of 512 B, from 1 MiB on to a multiple of 2 MiB.
// A request takes the smallest cached block of its stream that is at least the rounded size and at
// most twice it (best fit; blocks are not split); otherwise it calls cudaMalloc. When cudaMalloc
// runs out of memory the allocator releases its cache and retries once before throwing.
//
// Thread safe. Memory is released only by empty_cache() and the destructor.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace acl {

class CudaCachingAllocator {
 public:
  struct Stats {
    size_t current_bytes = 0;       // bytes in blocks handed out and not yet freed (rounded sizes)
    size_t peak_bytes = 0;          // maximum of current_bytes since construction or reset_peak()
    size_t reserved_bytes = 0;      // bytes held from cudaMalloc: in use + cached
    uint64_t num_allocs = 0;        // allocate() calls with bytes > 0
    uint64_t num_cuda_mallocs = 0;  // successful cudaMalloc calls
    uint64_t num_cache_hits = 0;    // allocate() calls served from the cache
  };

  CudaCachingAllocator() = default;
  ~CudaCachingAllocator();  // releases cached blocks; blocks still in use are leaked
  CudaCachingAllocator(const CudaCachingAllocator&) = delete;
  CudaCachingAllocator& operator=(const CudaCachingAllocator&) = delete;

  // A block of at least `bytes` bytes on the current device for use on `stream` (nullptr = the
  // legacy default stream). Returns nullptr for bytes == 0. Throws std::runtime_error on failure
  // (out of memory: with the requested size and the allocator's stats).
  void* allocate(size_t bytes, cudaStream_t stream);
  // Returns a block to its stream's free list; nullptr is ignored. Throws std::invalid_argument
  // for a pointer this allocator did not hand out (or that was already freed).
  void free(void* p);
  // cudaFree's every cached (free) block. Throws std::runtime_error if cudaFree fails.
  void empty_cache();

  Stats stats() const;
  void reset_peak();  // peak_bytes = current_bytes

  // The size a request of `bytes` is rounded up to (see the top of the file).
  static size_t round_size(size_t bytes);

 private:
  struct Block {
    size_t size;
    int device;
    cudaStream_t stream;
    bool in_use;
  };
  using PoolKey = std::pair<int, cudaStream_t>;   // (device, stream)
  using FreeList = std::multimap<size_t, void*>;  // size -> block

  void empty_cache_locked();

  mutable std::mutex mu_;
  std::unordered_map<void*, Block> blocks_;  // every block held from cudaMalloc
  std::map<PoolKey, FreeList> free_;         // cached blocks per (device, stream)
  Stats stats_;
};

// The process-wide allocator used by Storage. Never destroyed (the driver reclaims device memory
// at exit), so it outlives every static object that may still free into it.
CudaCachingAllocator& cuda_allocator();

// Page-locked host memory (cudaHostAlloc), for asynchronous host<->device copies. Not cached.
// allocate_pinned_host(0) returns nullptr; free_pinned_host(nullptr) does nothing.
void* allocate_pinned_host(size_t bytes);
void free_pinned_host(void* p);

}  // namespace acl
