// Pooling CPU kernels (kernels/pooling.h) against direct loops written here in double: max / avg /
// global-average pooling, forward and backward, the adjoint identity <P x, y> == <x, P^T y> of
// each (max pooling is linear once its argmax is fixed), float vs double agreement, PyTorch's
// output-length rule, tie and NaN behaviour of max pooling, and shape errors.
// Every output buffer is poisoned with NaN (a kernel that accumulates or skips an element leaves a
// NaN) and framed by sentinel guards (a kernel that writes past its buffer breaks one).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/pooling.h"
#include "tests/kernel_test_util.h"

namespace {

using namespace acl::kernels::testing;

using namespace acl::kernels;

// ---- windowed pooling cases ---------------------------------------------------------------

struct PoolCase {
  int B, C, L, K, stride, pad;
  int Lout() const { return (L + 2 * pad - K) / stride + 1; }
  size_t in_size() const { return size_t(B) * C * L; }
  size_t out_size() const { return size_t(B) * C * Lout(); }
};

std::string case_name(const PoolCase& c) {
  return "B" + std::to_string(c.B) + "_C" + std::to_string(c.C) + "_L" + std::to_string(c.L) +
         "_K" + std::to_string(c.K) + "_s" + std::to_string(c.stride) + "_p" +
         std::to_string(c.pad);
}
// GoogleTest prints parameters with this (ctest names and failure messages).
void PrintTo(const PoolCase& c, std::ostream* os) {
  *os << case_name(c);
}

const PoolCase kCases[] = {
    {2, 3, 17, 2, 2, 0},    // the usual 2x downsample, odd length (last element dropped)
    {2, 3, 17, 3, 2, 1},    // K = 3, stride 2, pad 1
    {3, 2, 50, 1, 1, 0},    // K = 1: identity
    {2, 4, 61, 7, 3, 3},    // stride 3, pad = K/2
    {1, 5, 101, 15, 2, 7},  // K = 15
    {2, 2, 29, 3, 1, 1},    // overlapping windows, stride 1
    {2, 3, 9, 4, 5, 2},     // even K with pad = K/2, stride > K
    {3, 2, 5, 5, 3, 0},     // Lout = 1
    {4, 12, 997, 3, 2, 1},  // ECG-sized length, not round
};

// Direct loops. Window lo covers [lo*stride - pad, lo*stride - pad + K) clipped to [0, L).
struct Naive {
  const PoolCase& c;
  template <typename F>
  void for_each_window(F f) const {
    for (int r = 0; r < c.B * c.C; ++r)
      for (int lo = 0; lo < c.Lout(); ++lo) {
        int start = lo * c.stride - c.pad;
        f(r, lo, std::max(start, 0), std::min(start + c.K, c.L));
      }
  }
  void max_forward(std::vector<double>* y, std::vector<int32_t>* am,
                   const std::vector<double>& x) const {
    y->assign(c.out_size(), 0.0);
    am->assign(c.out_size(), -1);
    for_each_window([&](int r, int lo, int lb, int le) {
      double best = -std::numeric_limits<double>::infinity();
      int bi = -1;
      for (int i = lb; i < le; ++i)
        if (x[size_t(r) * c.L + i] > best) best = x[size_t(r) * c.L + (bi = i)];
      (*y)[size_t(r) * c.Lout() + lo] = best;
      (*am)[size_t(r) * c.Lout() + lo] = bi;
    });
  }
  std::vector<double> max_backward(const std::vector<double>& dy,
                                   const std::vector<int32_t>& am) const {
    std::vector<double> dx(c.in_size(), 0.0);
    for_each_window([&](int r, int lo, int, int) {
      dx[size_t(r) * c.L + am[size_t(r) * c.Lout() + lo]] += dy[size_t(r) * c.Lout() + lo];
    });
    return dx;
  }
  std::vector<double> avg_forward(const std::vector<double>& x) const {
    std::vector<double> y(c.out_size(), 0.0);
    for_each_window([&](int r, int lo, int lb, int le) {
      double s = 0.0;
      for (int i = lb; i < le; ++i) s += x[size_t(r) * c.L + i];
      y[size_t(r) * c.Lout() + lo] = s / c.K;  // count_include_pad=True
    });
    return y;
  }
  std::vector<double> avg_backward(const std::vector<double>& dy) const {
    std::vector<double> dx(c.in_size(), 0.0);
    for_each_window([&](int r, int lo, int lb, int le) {
      for (int i = lb; i < le; ++i) dx[size_t(r) * c.L + i] += dy[size_t(r) * c.Lout() + lo] / c.K;
    });
    return dx;
  }
};

struct Outputs {
  std::vector<double> max_y, max_dx, avg_y, avg_dx;
  std::vector<int32_t> argmax;
};

template <typename T>
Outputs run_kernels(const PoolCase& c, const std::vector<double>& xd,
                    const std::vector<double>& dyd) {
  std::vector<T> x = cast_vec<T>(xd), dy = cast_vec<T>(dyd);
  Guarded<T> my(c.out_size()), mdx(c.in_size()), ay(c.out_size()), adx(c.in_size());
  Guarded<int32_t> am(c.out_size());
  max_pool1d_forward_cpu<T>(my.data(), am.data(), x.data(), c.B, c.C, c.L, c.K, c.stride, c.pad);
  max_pool1d_backward_cpu<T>(mdx.data(), dy.data(), am.data(), c.B, c.C, c.L, c.Lout());
  avg_pool1d_forward_cpu<T>(ay.data(), x.data(), c.B, c.C, c.L, c.K, c.stride, c.pad);
  avg_pool1d_backward_cpu<T>(adx.data(), dy.data(), c.B, c.C, c.L, c.K, c.stride, c.pad);
  EXPECT_TRUE(my.intact("max_pool1d forward"));
  EXPECT_TRUE(am.intact("max_pool1d argmax"));
  EXPECT_TRUE(mdx.intact("max_pool1d backward"));
  EXPECT_TRUE(ay.intact("avg_pool1d forward"));
  EXPECT_TRUE(adx.intact("avg_pool1d backward"));
  std::vector<double> amv = am.values();
  return {my.values(), mdx.values(), ay.values(), adx.values(),
          std::vector<int32_t>(amv.begin(), amv.end())};
}

class PoolKernel : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolKernel, OutLengthMatchesFloorFormula) {
  const PoolCase& c = GetParam();
  EXPECT_EQ(pool1d_out_length(c.L, c.K, c.stride, c.pad), c.Lout());
}

TEST_P(PoolKernel, DoubleMatchesDirectLoops) {
  const PoolCase& c = GetParam();
  std::vector<double> x = random_vec(c.in_size(), 11), dy = random_vec(c.out_size(), 22);
  Naive nv{c};
  std::vector<double> ref_y;
  std::vector<int32_t> ref_am;
  nv.max_forward(&ref_y, &ref_am, x);
  Outputs got = run_kernels<double>(c, x, dy);
  // Max pooling selects: exact. Argmax must be the very same index.
  EXPECT_TRUE(close_to("max_pool1d forward", got.max_y, ref_y, 0.0, 0.0));
  EXPECT_EQ(got.argmax, ref_am);
  EXPECT_TRUE(close_to("max_pool1d backward", got.max_dx, nv.max_backward(dy, ref_am), 1e-15, 0));
  // Sums of at most K terms of magnitude <= 1.
  const double tol = 4 * c.K * std::numeric_limits<double>::epsilon();
  EXPECT_TRUE(close_to("avg_pool1d forward", got.avg_y, nv.avg_forward(x), tol, tol));
  EXPECT_TRUE(close_to("avg_pool1d backward", got.avg_dx, nv.avg_backward(dy), tol, tol));
}

// <P x, y> == <x, P^T y>; for max pooling P picks x[argmax].
TEST_P(PoolKernel, AdjointIdentity) {
  const PoolCase& c = GetParam();
  std::vector<double> x = random_vec(c.in_size(), 33), dy = random_vec(c.out_size(), 44);
  Outputs got = run_kernels<double>(c, x, dy);
  const double n = double(c.out_size()) * c.K;
  const double tol = 8 * n * std::numeric_limits<double>::epsilon();
  EXPECT_NEAR(dot(got.max_y, dy), dot(x, got.max_dx), tol) << "max_pool1d";
  EXPECT_NEAR(dot(got.avg_y, dy), dot(x, got.avg_dx), tol) << "avg_pool1d";
  EXPECT_GT(std::fabs(dot(got.avg_y, dy)), 1e-9);  // not trivially zero
}

TEST_P(PoolKernel, FloatMatchesDouble) {
  const PoolCase& c = GetParam();
  std::vector<double> x = random_vec(c.in_size(), 55), dy = random_vec(c.out_size(), 66);
  Outputs d = run_kernels<double>(c, x, dy), f = run_kernels<float>(c, x, dy);
  // Max pooling only selects and adds at most ceil(K/stride) gradients per input.
  EXPECT_EQ(f.argmax, d.argmax);
  EXPECT_TRUE(close_to("max_pool1d forward f32", f.max_y, d.max_y, 0.0, 0.0));
  const double e = std::numeric_limits<float>::epsilon();
  const double overlap = (c.K + c.stride - 1) / c.stride;
  EXPECT_TRUE(close_to("max_pool1d backward f32", f.max_dx, d.max_dx, 0, (overlap + 1) * e));
  // Inputs |x| <= 1: the K-term window sum (done in double) rounds once to float; the backward
  // adds up to `overlap` float terms of size <= 1/K each.
  EXPECT_TRUE(close_to("avg_pool1d forward f32", f.avg_y, d.avg_y, e, e));
  EXPECT_TRUE(close_to("avg_pool1d backward f32", f.avg_dx, d.avg_dx, 0, 2 * (overlap + 1) * e));
}

INSTANTIATE_TEST_SUITE_P(Cases, PoolKernel, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<PoolCase>& info) {
                           return case_name(info.param);
                         });

// ---- max-pool semantics -------------------------------------------------------------------

TEST(PoolKernelMax, TiesPickTheFirstIndexAndPaddingNeverWins) {
  // All-negative values: a zero-padded max would return 0 at the edges; -inf padding must not.
  const std::vector<double> x = {-3, -1, -1, -2, -5, -4};
  double y[4];
  int32_t am[4];
  max_pool1d_forward_cpu<double>(y, am, x.data(), 1, 1, 6, 3, 2, 1);  // Lout = 3
  EXPECT_EQ(y[0], -1);  // window [-1, 2): {pad, -3, -1}
  EXPECT_EQ(am[0], 1);
  EXPECT_EQ(y[1], -1);  // window [1, 4): {-1, -1, -2}: tie, first index
  EXPECT_EQ(am[1], 1);
  EXPECT_EQ(y[2], -2);  // window [3, 6): {-2, -5, -4}
  EXPECT_EQ(am[2], 3);
  // Overlapping windows that pick the same index add their gradients there.
  const double dy[3] = {0.5, 0.25, 2.0};
  double dx[6];
  max_pool1d_backward_cpu<double>(dx, dy, am, 1, 1, 6, 3);
  const double want[6] = {0, 0.75, 0, 2.0, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(dx[i], want[i]) << "i=" << i;
}

TEST(PoolKernelMax, NanPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {1, nan, 3, 4, 0, 2};
  float y[3];
  int32_t am[3];
  max_pool1d_forward_cpu<float>(y, am, x.data(), 1, 1, 6, 2, 2, 0);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(am[0], 1);
  EXPECT_EQ(y[1], 4);
  EXPECT_EQ(y[2], 2);
}

// ---- global average pooling ---------------------------------------------------------------

TEST(PoolKernelGlobalAvg, MatchesDirectLoopsAndAdjoint) {
  for (auto [rows, L] :
       {std::pair{1, 1}, std::pair{7, 13}, std::pair{48, 997}, std::pair{3, 250}}) {
    SCOPED_TRACE("rows=" + std::to_string(rows) + " L=" + std::to_string(L));
    std::vector<double> x = random_vec(size_t(rows) * L, 77), dy = random_vec(rows, 88);
    std::vector<double> ref_y(rows, 0.0), ref_dx(size_t(rows) * L);
    for (int r = 0; r < rows; ++r) {
      for (int l = 0; l < L; ++l) ref_y[r] += x[size_t(r) * L + l];
      ref_y[r] /= L;
      for (int l = 0; l < L; ++l) ref_dx[size_t(r) * L + l] = dy[r] / L;
    }
    Guarded<double> y(rows), dx(size_t(rows) * L);
    global_avg_pool1d_forward_cpu<double>(y.data(), x.data(), rows, L);
    global_avg_pool1d_backward_cpu<double>(dx.data(), dy.data(), rows, L);
    EXPECT_TRUE(y.intact("global_avg_pool1d forward"));
    EXPECT_TRUE(dx.intact("global_avg_pool1d backward"));
    const double e = std::numeric_limits<double>::epsilon();
    EXPECT_TRUE(close_to("global_avg_pool1d forward", y.values(), ref_y, 0, 2 * e));
    EXPECT_TRUE(close_to("global_avg_pool1d backward", dx.values(), ref_dx, 2 * e, 0));
    EXPECT_NEAR(dot(y.values(), dy), dot(x, dx.values()), 8 * rows * L * e);

    // float: the row sum is accumulated in double, so one rounding on the way out.
    std::vector<float> xf = cast_vec<float>(x), dyf = cast_vec<float>(dy);
    Guarded<float> yf(rows), dxf(size_t(rows) * L);
    global_avg_pool1d_forward_cpu<float>(yf.data(), xf.data(), rows, L);
    global_avg_pool1d_backward_cpu<float>(dxf.data(), dyf.data(), rows, L);
    const double ef = std::numeric_limits<float>::epsilon();
    EXPECT_TRUE(close_to("global_avg_pool1d forward f32", yf.values(), y.values(), ef, 1e-30));
    EXPECT_TRUE(close_to("global_avg_pool1d backward f32", dxf.values(), dx.values(), ef, 1e-30));
  }
}

// ---- output length and errors -------------------------------------------------------------

TEST(PoolKernelShape, OutLengthMatchesPyTorch) {
  EXPECT_EQ(pool1d_out_length(1000, 2, 2, 0), 500);
  EXPECT_EQ(pool1d_out_length(999, 2, 2, 0), 499);  // floor mode drops the tail
  EXPECT_EQ(pool1d_out_length(10, 3, 2, 1), 5);
  EXPECT_EQ(pool1d_out_length(3, 3, 1, 0), 1);
  EXPECT_EQ(pool1d_out_length(1, 3, 1, 1), 1);  // a single element padded on both sides
}

TEST(PoolKernelShape, BadShapesThrowNamingTheOp) {
  std::vector<float> buf(256, 0.5f);
  std::vector<int32_t> ibuf(256, 0);
  float* p = buf.data();
  int32_t* ip = ibuf.data();
  expect_throw_with([] { pool1d_out_length(10, 3, 1, 2); }, {"pool1d", "pad=2", "K/2=1"});
  expect_throw_with([] { pool1d_out_length(2, 5, 1, 1); }, {"pool1d", "L=2", "K=5"});
  expect_throw_with([] { pool1d_out_length(10, 0, 1, 0); }, {"pool1d", "K=0"});
  expect_throw_with([] { pool1d_out_length(10, 2, 0, 0); }, {"pool1d", "stride=0"});
  expect_throw_with([] { pool1d_out_length(10, 2, 1, -1); }, {"pool1d", "pad=-1"});
  expect_throw_with([&] { max_pool1d_forward_cpu<float>(p, ip, p, 1, 1, 4, 3, 1, 2); },
                    {"max_pool1d", "pad=2"});
  expect_throw_with([&] { avg_pool1d_forward_cpu<float>(p, p, 1, 1, 2, 3, 1, 0); },
                    {"avg_pool1d", "L=2", "K=3"});
  expect_throw_with([&] { avg_pool1d_backward_cpu<float>(p, p, 1, 1, 0, 1, 1, 0); },
                    {"avg_pool1d_backward", "L=0"});
  expect_throw_with([&] { max_pool1d_forward_cpu<float>(p, ip, p, -1, 1, 8, 2, 2, 0); },
                    {"max_pool1d", "B=-1"});
  expect_throw_with([&] { global_avg_pool1d_forward_cpu<float>(p, p, 4, 0); },
                    {"global_avg_pool1d", "L=0"});
  expect_throw_with([&] { global_avg_pool1d_backward_cpu<float>(p, p, -1, 4); },
                    {"global_avg_pool1d_backward", "rows=-1"});
  // A corrupted argmax is reported, not followed out of the buffer.
  int32_t bad_am[2] = {0, 9};
  expect_throw_with([&] { max_pool1d_backward_cpu<float>(p, p, bad_am, 1, 1, 4, 2); },
                    {"max_pool1d_backward", "argmax[1]=9"});
}

}  // namespace
