// The host caching allocator (engine/host_memory.h): a freed block is handed out again for the next
// request of its size class (and for a nearby size in the same class), blocks are 64-byte aligned
// and hold their full size, small blocks bypass the cache, and release empties it. CPU tensors use
// it: after one allocate/free cycle, the same tensors again are served from the cache.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "engine/host_memory.h"
#include "engine/tensor.h"

namespace {

using acl::host_allocate;
using acl::host_cache_release;
using acl::host_cache_stats;
using acl::host_free;
using acl::HostCacheStats;

TEST(HostCache, FreedBlockIsReusedForItsSizeClass) {
  host_cache_release();
  const size_t bytes = 1 << 20;
  void* a = host_allocate(bytes);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 0x5a, bytes);  // the whole block is usable
  host_free(a, bytes);
  const HostCacheStats s0 = host_cache_stats();
  EXPECT_GE(s0.cached_bytes, bytes);
  void* b = host_allocate(bytes - 1000);  // same class (1/8 of a power of two)
  EXPECT_EQ(b, a);
  const HostCacheStats s1 = host_cache_stats();
  EXPECT_EQ(s1.hits, s0.hits + 1);
  EXPECT_EQ(s1.cached_bytes + (1 << 20), s0.cached_bytes);
  void* c = host_allocate(bytes);  // the class's list is empty now: a new block
  EXPECT_NE(c, a);
  std::memset(c, 0x11, bytes);
  host_free(b, bytes - 1000);
  host_free(c, bytes);
  host_cache_release();
  EXPECT_EQ(host_cache_stats().cached_bytes, 0u);
}

TEST(HostCache, DifferentClassesDoNotShare) {
  host_cache_release();
  void* a = host_allocate(100000);
  host_free(a, 100000);
  const uint64_t misses = host_cache_stats().misses;
  void* b = host_allocate(200000);
  EXPECT_NE(a, b);
  EXPECT_EQ(host_cache_stats().misses, misses + 1);
  std::memset(b, 0, 200000);
  host_free(b, 200000);
  host_cache_release();
}

TEST(HostCache, SmallBlocksBypassTheCache) {
  host_cache_release();
  const HostCacheStats s0 = host_cache_stats();
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{64}, acl::kHostCacheMinBytes - 1}) {
    void* p = host_allocate(bytes);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    host_free(p, bytes);
  }
  const HostCacheStats s1 = host_cache_stats();
  EXPECT_EQ(s1.cached_bytes, 0u);
  EXPECT_EQ(s1.hits + s1.misses, s0.hits + s0.misses);
}

TEST(HostCache, TensorsReuseCachedStorage) {
  host_cache_release();
  auto cycle = [] {
    acl::Tensor a = acl::Tensor::zeros(acl::Shape{64, 96, 250}, acl::DType::f32);
    acl::Tensor b = acl::Tensor::zeros(acl::Shape{64, 192, 125}, acl::DType::f32);
    EXPECT_EQ(a.numel(), 64 * 96 * 250);
    EXPECT_EQ(b.numel(), 64 * 192 * 125);
  };
  cycle();
  const HostCacheStats s0 = host_cache_stats();
  cycle();
  const HostCacheStats s1 = host_cache_stats();
  EXPECT_EQ(s1.misses, s0.misses);  // both served from the cache
  EXPECT_EQ(s1.hits, s0.hits + 2);
  host_cache_release();
}

}  // namespace
