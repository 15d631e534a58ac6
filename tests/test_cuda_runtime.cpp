// The CUDA runtime pieces: device selection and the CPU fallback (every build), CUDA_CHECK /
// CUBLAS_CHECK messages and allocator bookkeeping (CUDA builds, no GPU needed), and the caching
// allocator and the Philox fill kernels on a GPU (skipped without one).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/device_select.h"
#include "engine/rng.h"
#include "kernels/runtime/philox.h"

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

#include <cmath>

#include "kernels/runtime/caching_allocator.h"
#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/device_info.h"
#include "kernels/runtime/philox_fill.h"
#endif

namespace acl {
namespace {

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// First in this file: the only test that calls use_cuda_or_fallback(), so it sees the first call
// of the process whether the tests run one per process (ctest) or all in one.
TEST(DeviceSelect, FallbackLineIsPrintedOnceWhenThereIsNoGpu) {
  testing::internal::CaptureStderr();
  bool first = use_cuda_or_fallback();
  bool second = use_cuda_or_fallback();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(first, cuda_available());
  EXPECT_EQ(second, first);
#ifdef ACL_HAVE_CUDA
  if (cuda_available()) {
    EXPECT_EQ(count_of(err, "falling back"), 0) << err;
  } else {
    EXPECT_EQ(count_of(err, "falling back"), 1) << err;
    EXPECT_NE(err.find("acl-ecg: built with CUDA but no usable GPU (" + cuda_unavailable_reason() +
                       "); falling back to the CPU backend\n"),
              std::string::npos)
        << err;
  }
#else
  EXPECT_FALSE(first);
  EXPECT_EQ(count_of(err, "falling back"), 0) << "a CPU-only build has nothing to fall back from";
#endif
}

TEST(DeviceSelect, ReasonIsGivenExactlyWhenCudaIsUnavailable) {
  EXPECT_EQ(cuda_available(), cuda_unavailable_reason().empty()) << cuda_unavailable_reason();
#ifndef ACL_HAVE_CUDA
  EXPECT_FALSE(cuda_available());
  EXPECT_NE(cuda_unavailable_reason().find("-DACL_CUDA=ON"), std::string::npos);
#endif
}

#ifdef ACL_HAVE_CUDA

// ---- no GPU needed -----------------------------------------------------------------------------

cudaError_t returns(cudaError_t e) {
  return e;
}
cublasStatus_t returns_status(cublasStatus_t s) {
  return s;
}

TEST(CudaCheck, ThrowsWithErrorNameFileLineAndExpression) {
  int line = 0;
  try {
    line = __LINE__ + 1;
    CUDA_CHECK(returns(cudaErrorInvalidValue));
    FAIL() << "CUDA_CHECK did not throw";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("CUDA error cudaErrorInvalidValue (invalid argument) at ", 0), 0u) << msg;
    // The path is relative to the repository root, whatever path the build gave the compiler.
    EXPECT_NE(msg.find(" at tests/test_cuda_runtime.cpp:" + std::to_string(line) + " on device "),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find(": returns(cudaErrorInvalidValue)"), std::string::npos) << msg;
  }
  // Formatting the message leaves no error behind. (Without a driver the runtime's initialisation
  // error is permanent, so this can only be checked with a GPU.)
  if (cuda_available()) {
    EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  }
}

TEST(CudaCheck, IsASingleStatement) {
  // Would not compile (dangling else) if the macro were not wrapped in do { } while (0).
  if (true)
    CUDA_CHECK(cudaSuccess);
  else
    FAIL();
  if (true)
    CUBLAS_CHECK(CUBLAS_STATUS_SUCCESS);
  else
    FAIL();
}

TEST(CudaCheck, CublasCheckNamesTheStatus) {
  try {
    CUBLAS_CHECK(returns_status(CUBLAS_STATUS_NOT_INITIALIZED));
    FAIL() << "CUBLAS_CHECK did not throw";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("cuBLAS error CUBLAS_STATUS_NOT_INITIALIZED", 0), 0u) << msg;
    EXPECT_NE(msg.find("tests/test_cuda_runtime.cpp:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("returns_status(CUBLAS_STATUS_NOT_INITIALIZED)"), std::string::npos) << msg;
  }
}

TEST(CudaCheck, ErrorStringDoesNotThrow) {
  EXPECT_EQ(cuda_error_string(cudaErrorInvalidValue), "cudaErrorInvalidValue (invalid argument)");
  EXPECT_EQ(cuda_error_string(cudaErrorMemoryAllocation),
            "cudaErrorMemoryAllocation (out of memory)");
}

TEST(CudaDeviceInfo, CountAndQueriesFailCleanly) {
  std::string error;
  int n = cuda_device_count_noexcept(&error);
  EXPECT_GE(n, 0);
  if (n == 0 && !error.empty()) {
    EXPECT_EQ(error.rfind("cudaGetDeviceCount: ", 0), 0u) << error;
  }
  EXPECT_THROW(cuda_device_info(n), std::invalid_argument);
  EXPECT_THROW(cuda_device_info(-1), std::invalid_argument);
  EXPECT_GT(cuda_min_compiled_arch(), 0);
}

TEST(CudaAllocator, RoundsSizes) {
  constexpr size_t MiB = size_t{1} << 20;
  EXPECT_EQ(CudaCachingAllocator::round_size(1), 512u);
  EXPECT_EQ(CudaCachingAllocator::round_size(512), 512u);
  EXPECT_EQ(CudaCachingAllocator::round_size(513), 1024u);
  EXPECT_EQ(CudaCachingAllocator::round_size(MiB - 1), MiB);
  EXPECT_EQ(CudaCachingAllocator::round_size(MiB), 2 * MiB);
  EXPECT_EQ(CudaCachingAllocator::round_size(2 * MiB), 2 * MiB);
  EXPECT_EQ(CudaCachingAllocator::round_size(2 * MiB + 1), 4 * MiB);
}

TEST(CudaAllocator, FreeOfAPointerItNeverGaveThrows) {
  CudaCachingAllocator a;
  int host_object = 0;
  EXPECT_THROW(a.free(&host_object), std::invalid_argument);
  EXPECT_NO_THROW(a.free(nullptr));
  EXPECT_EQ(a.allocate(0, nullptr), nullptr);
}

TEST(CudaAllocator, AllocateWithoutGpuThrowsRuntimeError) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is available";
  CudaCachingAllocator a;
  EXPECT_THROW(a.allocate(1024, nullptr), std::runtime_error);
  EXPECT_EQ(a.stats().current_bytes, 0u);
  EXPECT_EQ(a.stats().reserved_bytes, 0u);
}

// ---- GPU needed --------------------------------------------------------------------------------

#define SKIP_WITHOUT_GPU() \
  if (!cuda_available()) GTEST_SKIP() << "no usable GPU: " << cuda_unavailable_reason()

// RAII owner of a non-blocking stream.
struct StreamOwner {
  cudaStream_t s = nullptr;
  StreamOwner() { CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)); }
  ~StreamOwner() { (void)cudaStreamDestroy(s); }
};

TEST(CudaGpu, DeviceInfoIsPlausible) {
  SKIP_WITHOUT_GPU();
  CudaDeviceInfo info = cuda_device_info(0);
  EXPECT_FALSE(info.name.empty());
  EXPECT_GE(10 * info.sm_major + info.sm_minor, cuda_min_compiled_arch());
  EXPECT_GT(info.multiprocessors, 0);
  EXPECT_GT(info.global_memory_bytes, size_t{1} << 30);
  EXPECT_GT(info.peak_memory_bandwidth_gbs, 100.0);
  EXPECT_GT(info.l2_bytes, 0u);
  std::printf("device 0: %s sm_%d%d, %d SMs, %.1f GiB, %.0f GB/s peak, L2 %zu KiB\n",
              info.name.c_str(), info.sm_major, info.sm_minor, info.multiprocessors,
              info.global_memory_bytes / double(size_t{1} << 30), info.peak_memory_bandwidth_gbs,
              info.l2_bytes / 1024);
}

TEST(CudaGpu, AllocatorReusesAFreedBlock) {
  SKIP_WITHOUT_GPU();
  StreamOwner stream;
  CudaCachingAllocator a;
  void* p = a.allocate(1000, stream.s);
  ASSERT_NE(p, nullptr);
  a.free(p);
  void* q = a.allocate(1000, stream.s);
  EXPECT_EQ(q, p);
  a.free(q);
  void* r = a.allocate(600, stream.s);  // same 1024-byte class
  EXPECT_EQ(r, p);
  CudaCachingAllocator::Stats st = a.stats();
  EXPECT_EQ(st.num_allocs, 3u);
  EXPECT_EQ(st.num_cuda_mallocs, 1u);
  EXPECT_EQ(st.num_cache_hits, 2u);
  a.free(r);
  EXPECT_THROW(a.free(r), std::invalid_argument);  // double free
}

TEST(CudaGpu, AllocatorKeepsOneFreeListPerStream) {
  SKIP_WITHOUT_GPU();
  StreamOwner s1, s2;
  CudaCachingAllocator a;
  void* p = a.allocate(4096, s1.s);
  a.free(p);
  void* q = a.allocate(4096, s2.s);  // p is cached for s1 only
  EXPECT_NE(q, p);
  EXPECT_EQ(a.stats().num_cuda_mallocs, 2u);
  void* r = a.allocate(4096, s1.s);
  EXPECT_EQ(r, p);
  EXPECT_EQ(a.stats().num_cuda_mallocs, 2u);
  a.free(q);
  a.free(r);
}

TEST(CudaGpu, AllocatorDoesNotServeSmallRequestsFromHugeBlocks) {
  SKIP_WITHOUT_GPU();
  StreamOwner stream;
  CudaCachingAllocator a;
  void* big = a.allocate(size_t{8} << 20, stream.s);
  a.free(big);
  void* small = a.allocate(512, stream.s);
  EXPECT_NE(small, big);
  EXPECT_EQ(a.stats().num_cuda_mallocs, 2u);
  a.free(small);
}

TEST(CudaGpu, AllocatorStatsTrackCurrentPeakAndReserved) {
  SKIP_WITHOUT_GPU();
  constexpr size_t MiB = size_t{1} << 20;
  StreamOwner stream;
  CudaCachingAllocator a;
  void* x = a.allocate(1000, stream.s);     // 1024
  void* y = a.allocate(3 * MiB, stream.s);  // 4 MiB
  CudaCachingAllocator::Stats st = a.stats();
  EXPECT_EQ(st.current_bytes, 1024 + 4 * MiB);
  EXPECT_EQ(st.peak_bytes, 1024 + 4 * MiB);
  EXPECT_EQ(st.reserved_bytes, 1024 + 4 * MiB);
  a.free(y);
  st = a.stats();
  EXPECT_EQ(st.current_bytes, 1024u);
  EXPECT_EQ(st.peak_bytes, 1024 + 4 * MiB);
  EXPECT_EQ(st.reserved_bytes, 1024 + 4 * MiB);  // y is cached, not released
  a.reset_peak();
  EXPECT_EQ(a.stats().peak_bytes, 1024u);
  a.free(x);
  EXPECT_EQ(a.stats().current_bytes, 0u);
}

TEST(CudaGpu, EmptyCacheReleasesOnlyFreeBlocks) {
  SKIP_WITHOUT_GPU();
  StreamOwner stream;
  CudaCachingAllocator a;
  void* x = a.allocate(2048, stream.s);
  void* y = a.allocate(4096, stream.s);
  a.free(x);
  a.empty_cache();
  CudaCachingAllocator::Stats st = a.stats();
  EXPECT_EQ(st.reserved_bytes, 4096u);
  EXPECT_EQ(st.current_bytes, 4096u);
  // y is still valid device memory.
  std::vector<unsigned char> host(4096, 0);
  CUDA_CHECK(cudaMemsetAsync(y, 0x5a, 4096, stream.s));
  CUDA_CHECK(cudaMemcpyAsync(host.data(), y, 4096, cudaMemcpyDeviceToHost, stream.s));
  CUDA_CHECK(cudaStreamSynchronize(stream.s));
  EXPECT_EQ(host[0], 0x5a);
  EXPECT_EQ(host[4095], 0x5a);
  // x's size now needs a fresh cudaMalloc.
  void* z = a.allocate(2048, stream.s);
  EXPECT_EQ(a.stats().num_cuda_mallocs, 3u);
  a.free(y);
  a.free(z);
  a.empty_cache();
  EXPECT_EQ(a.stats().reserved_bytes, 0u);
}

TEST(CudaGpu, AllocatorOutOfMemoryNamesTheRequest) {
  SKIP_WITHOUT_GPU();
  CudaCachingAllocator a;
  const size_t huge = size_t{1} << 50;  // 1 PiB
  try {
    a.allocate(huge, nullptr);
    FAIL() << "a 1 PiB allocation succeeded";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("out of memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(huge)), std::string::npos) << msg;
  }
  // The failure left no error behind.
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

TEST(CudaGpu, PinnedHostRoundTrip) {
  SKIP_WITHOUT_GPU();
  const size_t n = 1 << 16;
  float* pinned = static_cast<float*>(allocate_pinned_host(n * sizeof(float)));
  ASSERT_NE(pinned, nullptr);
  for (size_t i = 0; i < n; ++i) pinned[i] = static_cast<float>(i) * 0.5f;
  StreamOwner stream;
  CudaCachingAllocator a;
  void* d = a.allocate(n * sizeof(float), stream.s);
  std::vector<float> back(n, -1.0f);
  CUDA_CHECK(cudaMemcpyAsync(d, pinned, n * sizeof(float), cudaMemcpyHostToDevice, stream.s));
  CUDA_CHECK(cudaMemcpyAsync(back.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost, stream.s));
  CUDA_CHECK(cudaStreamSynchronize(stream.s));
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(back[i], pinned[i]) << i;
  a.free(d);
  free_pinned_host(pinned);
  EXPECT_EQ(allocate_pinned_host(0), nullptr);
  EXPECT_NO_THROW(free_pinned_host(nullptr));
}

// Runs `fill` into a device buffer with guard elements after n, returns the n values and checks
// that the guards are untouched.
template <typename Fill>
std::vector<float> run_fill(int64_t n, Fill fill) {
  const int64_t guard = 37;
  StreamOwner stream;
  CudaCachingAllocator a;
  float* d = static_cast<float*>(a.allocate((n + guard) * sizeof(float), stream.s));
  CUDA_CHECK(cudaMemsetAsync(d, 0xff, (n + guard) * sizeof(float), stream.s));  // NaN sentinels
  fill(d, stream.s);
  std::vector<float> host(n + guard);
  CUDA_CHECK(cudaMemcpyAsync(host.data(), d, (n + guard) * sizeof(float), cudaMemcpyDeviceToHost,
                             stream.s));
  CUDA_CHECK(cudaStreamSynchronize(stream.s));
  a.free(d);
  for (int64_t i = n; i < n + guard; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &host[i], sizeof bits);
    EXPECT_EQ(bits, 0xffffffffu) << "guard element " << i - n << " was overwritten";
  }
  host.resize(n);
  return host;
}

TEST(CudaGpu, PhiloxUniformMatchesTheCpuBitForBit) {
  SKIP_WITHOUT_GPU();
  // n is not a multiple of the block size or of 4, the offset not a multiple of 4, and the
  // grid-stride loop runs more than once (n > 65535 * 256).
  const int64_t n = 65535 * 256 + 1001;
  const uint64_t seed = 0x0123456789abcdefull, stream = 0x100000007ull, offset = 4 * 1234 + 3;
  std::vector<float> gpu = run_fill(n, [&](float* d, cudaStream_t s) {
    philox_fill_uniform_cuda(d, n, seed, stream, offset, s);
  });
  int64_t mismatches = 0, first = -1;
  for (int64_t i = 0; i < n; ++i) {
    float cpu = philox_uniform_at(seed, stream, offset + i);
    if (std::memcmp(&cpu, &gpu[i], sizeof cpu) != 0) {
      if (first < 0) first = i;
      ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0) << "first at " << first << ": gpu " << gpu[first] << " cpu "
                           << philox_uniform_at(seed, stream, offset + first);
}

TEST(CudaGpu, PhiloxUniformContinuesAnRngStream) {
  SKIP_WITHOUT_GPU();
  const int64_t n = 10007;
  Rng cpu_rng(99, 5), gpu_rng(99, 5);
  cpu_rng.set_counter(17);
  gpu_rng.set_counter(17);
  std::vector<float> cpu(n);
  cpu_rng.fill_uniform(cpu.data(), n, 0.0f, 1.0f);
  std::vector<float> gpu = run_fill(n, [&](float* d, cudaStream_t s) {
    philox_fill_uniform_cuda(d, n, gpu_rng.seed(), gpu_rng.stream(),
                             gpu_rng.reserve(n, kPhiloxUniformsPerBlock), s);
  });
  EXPECT_EQ(gpu_rng.counter(), cpu_rng.counter());
  EXPECT_EQ(std::memcmp(gpu.data(), cpu.data(), n * sizeof(float)), 0);
}

TEST(CudaGpu, PhiloxNormalMatchesTheCpu) {
  SKIP_WITHOUT_GPU();
  const int64_t n = 1000003;
  const uint64_t seed = 2024, stream = 3, offset = 11;
  std::vector<float> gpu = run_fill(
      n, [&](float* d, cudaStream_t s) { philox_fill_normal_cuda(d, n, seed, stream, offset, s); });
  // Double-precision log/cos/sin may differ by an ulp between glibc and libdevice; after rounding
  // to float that almost never shows. Allow one float ulp and report how often values differ at
  // all.
  int64_t differ = 0, worst = 0;
  float worst_ulps = 0;
  for (int64_t i = 0; i < n; ++i) {
    float cpu = philox_normal_at(seed, stream, offset + i);
    if (cpu == gpu[i]) continue;
    ++differ;
    float ulps =
        std::fabs(cpu - gpu[i]) / (std::nextafter(std::fabs(cpu), INFINITY) - std::fabs(cpu));
    if (!(ulps <= worst_ulps)) {
      worst_ulps = ulps;
      worst = i;
    }
  }
  EXPECT_LE(worst_ulps, 1.0f) << "element " << worst << ": gpu " << gpu[worst] << " cpu "
                              << philox_normal_at(seed, stream, offset + worst);
  EXPECT_LE(differ, 10) << "of " << n;
  std::printf("normals differing from the CPU: %lld of %lld\n", static_cast<long long>(differ),
              static_cast<long long>(n));
}

TEST(CudaGpu, PhiloxFillRejectsBadArguments) {
  SKIP_WITHOUT_GPU();
  EXPECT_THROW(philox_fill_uniform_cuda(nullptr, 10, 0, 0, 0, nullptr), std::invalid_argument);
  EXPECT_THROW(philox_fill_normal_cuda(nullptr, -1, 0, 0, 0, nullptr), std::invalid_argument);
  EXPECT_NO_THROW(philox_fill_uniform_cuda(nullptr, 0, 0, 0, 0, nullptr));
}

#else  // !ACL_HAVE_CUDA

TEST(CudaGpu, SkippedInACpuOnlyBuild) {
  GTEST_SKIP() << "built without CUDA (configure with -DACL_CUDA=ON): GPU tests not compiled";
}

#endif  // ACL_HAVE_CUDA

}  // namespace
}  // namespace acl
