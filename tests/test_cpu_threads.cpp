// The CPU kernels' threading (kernels/cpu_threads.h, kernels/cpu/thread_pool.h,
// kernels/cpu/parallel.h): the pool runs every share once and passes exceptions back; the thread
// count comes from ACL_NUM_THREADS or the affinity mask; and every parallel kernel gives the same
// bits at 1, 2, 3 and 5 threads (the contrastive loss over several row tiles, conv1d forward /
// backward-data / backward-weight with groups == 1 over several sample blocks and grad_w row
// blocks, and with groups > 1, batch-norm forward and backward, max-pool forward and backward with
// NaNs and ties on the K=2 stride-2 path, ReLU). The weight gradient over several sample blocks and
// the K=2 max-pool path are also checked against direct loops here.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/contrastive.h"
#include "kernels/conv1d.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/cpu_threads.h"
#include "kernels/elementwise.h"
#include "kernels/pooling.h"
#include "tests/kernel_test_util.h"

namespace {

using namespace acl::kernels;
using acl::kernels::testing::random_vec;

std::vector<float> fvec_impl(const std::vector<double>& v) {
  return acl::kernels::testing::cast_vec<float>(v);
}

// Restores the thread count (and ACL_NUM_THREADS) a test changed.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(cpu_num_threads()) {
    const char* e = std::getenv("ACL_NUM_THREADS");
    had_env_ = e != nullptr;
    if (e) env_ = e;
  }
  ~ThreadCountGuard() {
    if (had_env_) {
      setenv("ACL_NUM_THREADS", env_.c_str(), 1);
    } else {
      unsetenv("ACL_NUM_THREADS");
    }
    set_cpu_num_threads(saved_);
  }

 private:
  int saved_;
  bool had_env_ = false;
  std::string env_;
};

TEST(CpuThreads, PoolRunsEveryShareOnce) {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 4}) {
    set_cpu_num_threads(threads);
    ASSERT_EQ(cpu::thread_pool().threads(), threads);
    for (int nt = 1; nt <= threads; ++nt) {
      std::vector<std::atomic<int>> calls(nt);
      struct Ctx {
        std::vector<std::atomic<int>>* calls;
      } ctx{&calls};
      cpu::thread_pool().run(
          nt, [](void* p, int t) { (*static_cast<Ctx*>(p)->calls)[t].fetch_add(1); }, &ctx);
      for (int t = 0; t < nt; ++t)
        EXPECT_EQ(calls[t].load(), 1) << "threads " << threads << " t " << t;
    }
  }
}

TEST(CpuThreads, ParallelForCoversTheRangeAndRethrows) {
  ThreadCountGuard guard;
  set_cpu_num_threads(3);
  const int64_t n = 100003;
  std::vector<int> hits(n, 0);
  cpu::parallel_for(n, 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i] += 1;
  });
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << "index " << i;
  EXPECT_THROW(
      cpu::parallel_for(n, 1000,
                        [&](int64_t b, int64_t) {
                          if (b > 0)
                            throw std::runtime_error("share starting at " + std::to_string(b));
                        }),
      std::runtime_error);
  // A nested loop runs serially inside the share that called it, and still covers its range.
  std::atomic<int64_t> inner{0};
  cpu::parallel_for(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      cpu::parallel_for(5000, 10, [&](int64_t ib, int64_t ie) { inner.fetch_add(ie - ib); });
    }
  });
  EXPECT_EQ(inner.load(), 8 * 5000);
}

// A child forked after the pool ran has none of its workers; its parallel loops must still finish.
TEST(CpuThreads, ForkedChildRunsParallelLoops) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer does not support starting threads after a multi-threaded fork";
#endif
  ThreadCountGuard guard;
  set_cpu_num_threads(2);
  std::atomic<int64_t> covered{0};
  cpu::parallel_for(100000, 1000, [&](int64_t b, int64_t e) { covered.fetch_add(e - b); });
  ASSERT_EQ(covered.load(), 100000);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::atomic<int64_t> c{0};
    cpu::parallel_for(100000, 1000, [&](int64_t b, int64_t e) { c.fetch_add(e - b); });
    _exit(c.load() == 100000 ? 0 : 1);
  }
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 200 && (done = waitpid(pid, &status, WNOHANG)) == 0; ++i) usleep(50000);
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "the forked child's parallel loop did not finish within 10 s";
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(CpuThreads, CountFromEnvironment) {
  ThreadCountGuard guard;
  setenv("ACL_NUM_THREADS", "3", 1);
  EXPECT_EQ(default_cpu_num_threads(), 3);
  set_cpu_num_threads(0);
  EXPECT_EQ(cpu_num_threads(), 3);
  for (const char* bad : {"0", "-2", "two", "3x", "99999"}) {
    setenv("ACL_NUM_THREADS", bad, 1);
    try {
      default_cpu_num_threads();
      ADD_FAILURE() << "ACL_NUM_THREADS=" << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("ACL_NUM_THREADS='") + bad + "'"),
                std::string::npos)
          << e.what();
    }
  }
  unsetenv("ACL_NUM_THREADS");
  EXPECT_GE(default_cpu_num_threads(), 1);
}

// Runs `f` (which fills its outputs) at each thread count and expects identical bytes.
template <typename F>
void expect_same_bits_across_threads(const char* what, F f) {
  ThreadCountGuard guard;
  set_cpu_num_threads(1);
  const std::vector<std::vector<char>> ref = f();
  for (const std::vector<char>& r : ref) ASSERT_FALSE(r.empty()) << what;
  for (int threads : {2, 3, 5}) {
    set_cpu_num_threads(threads);
    const std::vector<std::vector<char>> got = f();
    ASSERT_EQ(got.size(), ref.size()) << what;
    for (size_t i = 0; i < ref.size(); ++i) {
      EXPECT_TRUE(got[i] == ref[i])
          << what << ": output " << i << " differs at " << threads << " threads";
    }
  }
}

template <typename T>
std::vector<char> bytes_of(const std::vector<T>& v) {
  std::vector<char> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

struct Conv {
  int B, Cin, Cout, L, K, stride, pad, dil, groups;
};

class ConvThreads : public ::testing::TestWithParam<Conv> {};

TEST_P(ConvThreads, SameBitsAtEveryThreadCount) {
  const Conv c = GetParam();
  const int Lout = conv1d_out_length(c.L, c.K, c.stride, c.pad, c.dil);
  const auto x = fvec_impl(random_vec(size_t(c.B) * c.Cin * c.L, 11));
  const auto w = fvec_impl(random_vec(size_t(c.Cout) * (c.Cin / c.groups) * c.K, 12));
  const auto bias = fvec_impl(random_vec(c.Cout, 13));
  const auto dy = fvec_impl(random_vec(size_t(c.B) * c.Cout * Lout, 14));
  expect_same_bits_across_threads("conv1d", [&] {
    std::vector<float> y(size_t(c.B) * c.Cout * Lout), dx(x.size()), dw(w.size()), db(c.Cout);
    conv1d_forward_cpu<float>(y.data(), x.data(), w.data(), bias.data(), c.B, c.Cin, c.Cout, c.L,
                              c.K, c.stride, c.pad, c.dil, c.groups);
    conv1d_backward_data_cpu<float>(dx.data(), dy.data(), w.data(), c.B, c.Cin, c.Cout, c.L, c.K,
                                    c.stride, c.pad, c.dil, c.groups);
    conv1d_backward_weight_cpu<float>(dw.data(), db.data(), dy.data(), x.data(), c.B, c.Cin, c.Cout,
                                      c.L, c.K, c.stride, c.pad, c.dil, c.groups);
    return std::vector<std::vector<char>>{bytes_of(y), bytes_of(dx), bytes_of(dw), bytes_of(db)};
  });
}

// The weight gradient (sample blocks and row or column blocks when groups == 1, a chain per group
// otherwise) against direct loops in double: |got - ref| <= 1e-5 * sum |terms| (B * Lout float
// products per element).
TEST_P(ConvThreads, WeightGradientMatchesDirectLoops) {
  const Conv c = GetParam();
  const int Lout = conv1d_out_length(c.L, c.K, c.stride, c.pad, c.dil);
  const int Cg = c.Cin / c.groups, Coutg = c.Cout / c.groups;
  const auto xd = random_vec(size_t(c.B) * c.Cin * c.L, 21);
  const auto dyd = random_vec(size_t(c.B) * c.Cout * Lout, 22);
  std::vector<double> ref(size_t(c.Cout) * Cg * c.K, 0.0), mag(ref.size(), 0.0);
  for (int n = 0; n < c.B; ++n)
    for (int co = 0; co < c.Cout; ++co)
      for (int ci = 0; ci < Cg; ++ci)
        for (int k = 0; k < c.K; ++k)
          for (int lo = 0; lo < Lout; ++lo) {
            const int pos = lo * c.stride - c.pad + k * c.dil;
            if (pos < 0 || pos >= c.L) continue;
            const int cin = (co / Coutg) * Cg + ci;
            const double t = dyd[(size_t(n) * c.Cout + co) * Lout + lo] *
                             xd[(size_t(n) * c.Cin + cin) * c.L + pos];
            ref[(size_t(co) * Cg + ci) * c.K + k] += t;
            mag[(size_t(co) * Cg + ci) * c.K + k] += std::fabs(t);
          }
  ThreadCountGuard guard;
  set_cpu_num_threads(3);
  const auto x = fvec_impl(xd);
  const auto dy = fvec_impl(dyd);
  std::vector<float> dw(ref.size(), std::numeric_limits<float>::quiet_NaN());
  conv1d_backward_weight_cpu<float>(dw.data(), nullptr, dy.data(), x.data(), c.B, c.Cin, c.Cout,
                                    c.L, c.K, c.stride, c.pad, c.dil, c.groups);
  double worst = 0.0;
  size_t worst_i = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double err = std::fabs(dw[i] - ref[i]) - 1e-5 * mag[i];
    if (!(err <= worst)) {
      worst = std::isnan(err) ? INFINITY : err;
      worst_i = i;
    }
  }
  EXPECT_LE(worst, 0.0) << "grad_w[" << worst_i << "] = " << dw[worst_i] << ", reference "
                        << ref[worst_i];
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvThreads,
    // Sizes large enough that every pass is split at 2+ threads.
    ::testing::Values(Conv{37, 64, 16, 100, 7, 1, 3, 1, 1},  // groups 1: 8 sample blocks (5 + tail)
                      Conv{20, 32, 130, 300, 3, 1, 1, 1, 1},  // groups 1: 3 row blocks of grad_w
                      Conv{130, 8, 8, 65, 5, 2, 2, 2, 1},     // groups 1, stride 2, dilation 2
                      Conv{40, 12, 96, 125, 5, 1, 2, 1, 12},  // lead-wise: a group per lead
                      Conv{64, 6, 9, 400, 1, 1, 0, 1, 3},     // 1x1, the input is its own column
                      Conv{24, 8, 8, 210, 7, 3, 3, 1, 2},     // stride 3, groups 2
                      // groups 1 with short outputs (resnet1d18's later stages): forward and
                      // backward-data in sample blocks, the weight gradient split along Cin*K
                      Conv{45, 64, 24, 20, 7, 1, 3, 1, 1},   // 3 blocks of 15 samples
                      Conv{33, 48, 80, 17, 3, 2, 1, 2, 1}),  // stride 2, dilation 2, Lout 8
    [](const ::testing::TestParamInfo<Conv>& i) {
      const Conv& c = i.param;
      return "B" + std::to_string(c.B) + "_Cin" + std::to_string(c.Cin) + "_Cout" +
             std::to_string(c.Cout) + "_L" + std::to_string(c.L) + "_K" + std::to_string(c.K) +
             "_s" + std::to_string(c.stride) + "_p" + std::to_string(c.pad) + "_d" +
             std::to_string(c.dil) + "_g" + std::to_string(c.groups);
    });

TEST(CpuThreads, BatchNormSameBits) {
  for (int L : {1, 7, 125}) {
    const int B = L == 1 ? 2000 : L == 7 ? 300 : 33, C = 19;  // split over channels at 2+ threads
    const size_t n = size_t(B) * C * L;
    const auto x = fvec_impl(random_vec(n, 31, -2.0, 3.0));
    const auto dy = fvec_impl(random_vec(n, 32));
    const auto gamma = fvec_impl(random_vec(C, 33, 0.5, 1.5));
    const auto beta = fvec_impl(random_vec(C, 34));
    expect_same_bits_across_threads("batchnorm", [&] {
      std::vector<float> y(n), mean(C), invstd(C), rm(C, 0.1f), rv(C, 0.9f), dx(n), dg(C), db(C);
      batchnorm1d_forward_train_cpu<float>(y.data(), mean.data(), invstd.data(), rm.data(),
                                           rv.data(), x.data(), gamma.data(), beta.data(), B, C, L,
                                           0.1, 1e-5);
      batchnorm1d_backward_train_cpu<float>(dx.data(), dg.data(), db.data(), dy.data(), x.data(),
                                            mean.data(), invstd.data(), gamma.data(), B, C, L);
      return std::vector<std::vector<char>>{bytes_of(y),  bytes_of(mean), bytes_of(invstd),
                                            bytes_of(rm), bytes_of(rv),   bytes_of(dx),
                                            bytes_of(dg), bytes_of(db)};
    });
  }
}

// The fused batch norm + ReLU (train and eval, forward and backward), at the same shapes.
TEST(CpuThreads, BatchNormReluSameBits) {
  for (int L : {1, 7, 125}) {
    const int B = L == 1 ? 2000 : L == 7 ? 300 : 33, C = 19;
    const size_t n = size_t(B) * C * L;
    const auto x = fvec_impl(random_vec(n, 35, -2.0, 3.0));
    const auto dy = fvec_impl(random_vec(n, 36));
    const auto gamma = fvec_impl(random_vec(C, 37, -1.5, 1.5));
    const auto beta = fvec_impl(random_vec(C, 38));
    const auto rv0 = fvec_impl(random_vec(C, 39, 0.5, 2.0));
    expect_same_bits_across_threads("batchnorm_relu", [&] {
      std::vector<float> y(n), mean(C), invstd(C), rm(C, 0.1f), rv(C, 0.9f), dx(n), dg(C), db(C);
      std::vector<float> ey(n), edx(n), edg(C), edb(C);
      batchnorm1d_relu_forward_train_cpu<float>(y.data(), mean.data(), invstd.data(), rm.data(),
                                                rv.data(), x.data(), gamma.data(), beta.data(), B,
                                                C, L, 0.1, 1e-5);
      batchnorm1d_relu_backward_train_cpu<float>(dx.data(), dg.data(), db.data(), dy.data(),
                                                 y.data(), x.data(), mean.data(), invstd.data(),
                                                 gamma.data(), B, C, L);
      batchnorm1d_relu_forward_eval_cpu<float>(ey.data(), x.data(), rm.data(), rv0.data(),
                                               gamma.data(), beta.data(), B, C, L, 1e-5);
      batchnorm1d_relu_backward_eval_cpu<float>(edx.data(), edg.data(), edb.data(), dy.data(),
                                                ey.data(), x.data(), rm.data(), rv0.data(),
                                                gamma.data(), B, C, L, 1e-5);
      return std::vector<std::vector<char>>{bytes_of(y),   bytes_of(mean), bytes_of(invstd),
                                            bytes_of(rm),  bytes_of(rv),   bytes_of(dx),
                                            bytes_of(dg),  bytes_of(db),   bytes_of(ey),
                                            bytes_of(edx), bytes_of(edg),  bytes_of(edb)};
    });
  }
}

// Max-pool K=2 stride 2 (the encoders' path) against window_argmax semantics written here: NaN
// wins (the first one), ties keep the first index; and the same bits at every thread count.
TEST(CpuThreads, MaxPoolPairPath) {
  const int B = 7, C = 45, L = 251, Lout = L / 2;
  std::vector<float> x = fvec_impl(random_vec(size_t(B) * C * L, 41));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t i = 0; i < x.size(); i += 97) x[i] = nan;
  for (size_t i = 1; i + 1 < x.size(); i += 53) x[i + 1] = x[i];  // ties
  std::vector<float> y(size_t(B) * C * Lout);
  std::vector<int32_t> am(y.size());
  max_pool1d_forward_cpu<float>(y.data(), am.data(), x.data(), B, C, L, 2, 2, 0);
  for (int r = 0; r < B * C; ++r) {
    for (int lo = 0; lo < Lout; ++lo) {
      const float a = x[size_t(r) * L + 2 * lo], b = x[size_t(r) * L + 2 * lo + 1];
      const int want = std::isnan(a) ? 0 : (std::isnan(b) || b > a) ? 1 : 0;
      const size_t o = size_t(r) * Lout + lo;
      ASSERT_EQ(am[o], 2 * lo + want) << "row " << r << " window " << lo;
      const float v = want ? b : a;
      ASSERT_TRUE(std::isnan(v) ? std::isnan(y[o]) : y[o] == v) << "row " << r << " window " << lo;
    }
  }
  const auto dy = fvec_impl(random_vec(y.size(), 42));
  expect_same_bits_across_threads("max_pool1d", [&] {
    std::vector<float> yy(y.size()), dx(x.size());
    std::vector<int32_t> a(y.size());
    max_pool1d_forward_cpu<float>(yy.data(), a.data(), x.data(), B, C, L, 2, 2, 0);
    max_pool1d_backward_cpu<float>(dx.data(), dy.data(), a.data(), B, C, L, Lout);
    std::vector<float> r(x.size()), dr(x.size());
    relu_forward_cpu<float>(r.data(), dx.data(), int64_t(dx.size()));
    relu_backward_cpu<float>(dr.data(), x.data(), dx.data(), int64_t(dx.size()));
    return std::vector<std::vector<char>>{bytes_of(yy), bytes_of(a), bytes_of(dx), bytes_of(r),
                                          bytes_of(dr)};
  });
}

// The contrastive loss over 9 row tiles of 64 (M = 520 rows: 130 records x 2 views x 2 regions):
// forward statistics and loss, backward gradient.
TEST(CpuThreads, ContrastiveSameBits) {
  const int M = 520, d = 40;
  std::vector<float> z = fvec_impl(random_vec(size_t(M) * d, 51));
  for (int i = 0; i < M; ++i) {  // L2-normalised rows
    double n = 0;
    for (int j = 0; j < d; ++j) n += double(z[size_t(i) * d + j]) * z[size_t(i) * d + j];
    for (int j = 0; j < d; ++j) z[size_t(i) * d + j] = float(z[size_t(i) * d + j] / std::sqrt(n));
  }
  std::vector<int32_t> ids(size_t(M) * 3);
  for (int i = 0; i < M; ++i) {
    ids[3 * size_t(i)] = i / 4;            // record
    ids[3 * size_t(i) + 1] = (i / 2) % 2;  // region
    ids[3 * size_t(i) + 2] = i % 2;        // view
  }
  expect_same_bits_across_threads("contrastive", [&] {
    float loss = 0, acc = 0;
    int32_t anchors = 0;
    std::vector<float> lse(M), spos(M), grad(size_t(M) * d);
    std::vector<int32_t> pos(M), hit(M);
    contrastive_forward_cpu<float>(&loss, &acc, &anchors, lse.data(), pos.data(), spos.data(),
                                   hit.data(), z.data(), ids.data(), M, d, 10.0);
    EXPECT_GT(anchors, 0);
    const float gl = 1.0f;
    contrastive_backward_cpu<float>(grad.data(), &gl, z.data(), ids.data(), lse.data(), pos.data(),
                                    anchors, M, d, 10.0);
    return std::vector<std::vector<char>>{bytes_of(std::vector<float>{loss, acc}),
                                          bytes_of(lse),
                                          bytes_of(spos),
                                          bytes_of(pos),
                                          bytes_of(hit),
                                          bytes_of(grad)};
  });
}

}  // namespace
