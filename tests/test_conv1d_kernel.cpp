// conv1d CPU kernels (kernels/conv1d.h) against direct loops written here in double: forward,
// backward-data and backward-weight, the adjoint identities
//   <conv(x, w), y> == <x, conv_dgrad(y, w)> == <w, conv_wgrad(y, x)>,
// float vs double agreement, output-length formula, shape errors and determinism.
// Every output buffer is poisoned with NaN (a kernel that accumulates or skips an element leaves a
// NaN) and framed by sentinel guards (a kernel that writes past its buffer breaks one).
// Tolerances: an element that sums n products may differ from the exact value by about
// n * eps * sum|products| (the bound of recursive summation); `absref` is that sum of magnitudes,
// computed by running the reference on |inputs|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/conv1d.h"
#include "tests/kernel_test_util.h"

namespace {

using namespace acl::kernels::testing;

using acl::kernels::conv1d_backward_data_cpu;
using acl::kernels::conv1d_backward_weight_cpu;
using acl::kernels::conv1d_forward_cpu;
using acl::kernels::conv1d_out_length;

// ---- helpers ------------------------------------------------------------------------------

std::vector<double> abs_vec(std::vector<double> v) {
  for (double& x : v) x = std::fabs(x);
  return v;
}

// |got - ref| <= rtol * absref elementwise (absref: sum of |terms|); reports the worst element and
// fails on an identically zero reference.
::testing::AssertionResult close_to(const std::string& what, const std::vector<double>& got,
                                    const std::vector<double>& ref,
                                    const std::vector<double>& absref, double rtol) {
  return within_bound(what, got, ref, [&](size_t i) { return rtol * absref[i]; });
}

// ---- the case table -----------------------------------------------------------------------

struct ConvCase {
  int B, Cin, Cout, L, K, stride, pad, dil, groups;
  bool bias;
  int Lout() const { return (L + 2 * pad - dil * (K - 1) - 1) / stride + 1; }
  int Cg() const { return Cin / groups; }
  int Coutg() const { return Cout / groups; }
  size_t in_size() const { return size_t(B) * Cin * L; }
  size_t w_size() const { return size_t(Cout) * Cg() * K; }
  size_t out_size() const { return size_t(B) * Cout * Lout(); }
};

std::string case_name(const ConvCase& c) {
  return "B" + std::to_string(c.B) + "_Cin" + std::to_string(c.Cin) + "_Cout" +
         std::to_string(c.Cout) + "_L" + std::to_string(c.L) + "_K" + std::to_string(c.K) + "_s" +
         std::to_string(c.stride) + "_p" + std::to_string(c.pad) + "_d" + std::to_string(c.dil) +
         "_g" + std::to_string(c.groups) + (c.bias ? "_bias" : "");
}
// GoogleTest prints parameters with this (ctest names and failure messages).
void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << case_name(c);
}

const ConvCase kCases[] = {
    {2, 3, 4, 17, 3, 1, 1, 1, 1, true},      // plain "same" conv
    {2, 3, 5, 50, 7, 2, 3, 1, 1, false},     // stride 2
    {3, 2, 4, 101, 15, 3, 7, 1, 1, true},    // stride 3, K = 15
    {2, 4, 6, 33, 3, 1, 2, 2, 2, true},      // dilation 2, 2 groups
    {2, 12, 96, 61, 3, 1, 1, 1, 12, true},   // depthwise, channel multiplier 8
    {2, 12, 12, 45, 7, 2, 3, 1, 12, false},  // pure depthwise, stride 2
    {2, 24, 36, 29, 3, 2, 2, 2, 12, true},   // 12 groups of 2 in / 3 out, stride 2, dilation 2
    {2, 5, 7, 23, 1, 1, 0, 1, 1, true},      // 1x1 (column == input fast path)
    {2, 6, 4, 23, 1, 2, 0, 1, 2, false},     // 1x1 with stride 2 (not the fast path)
    {1, 3, 2, 7, 3, 1, 4, 1, 1, true},       // pad > K: edge outputs see only padding
    {2, 6, 9, 19, 15, 1, 7, 2, 3, true},     // K = 15, dilation 2, 3 groups
    {3, 4, 4, 5, 3, 3, 0, 2, 1, false},      // Lout = 1
    {4, 12, 16, 997, 7, 2, 3, 1, 1, true},   // ECG-sized length, not round
    // groups 1 with short outputs: forward and backward-data run one GEMM per block of samples
    {5, 4, 6, 200, 5, 1, 2, 1, 1, true},   // blocks of 2 samples (2 + 2 + 1)
    {7, 9, 70, 13, 7, 1, 3, 1, 1, false},  // all 7 samples in one block, Cout > Cin*K
    {6, 7, 5, 11, 3, 2, 2, 2, 1, true},    // one block, stride 2, dilation 2
    {9, 5, 3, 40, 1, 1, 0, 1, 1, true},    // 1x1 stride 1 in blocks (columns copied)
    {3, 70, 4, 9, 7, 3, 3, 1, 1, false},   // weight gradient split along Cin*K, stride 3
};

// ---- direct-loop references in double -----------------------------------------------------

struct Naive {
  const ConvCase& c;
  // Calls f(n, co, lo, ci_global, idx, w_index) for every in-range product of the convolution.
  template <typename F>
  void for_each_term(F f) const {
    for (int n = 0; n < c.B; ++n)
      for (int co = 0; co < c.Cout; ++co) {
        int g = co / c.Coutg();
        for (int lo = 0; lo < c.Lout(); ++lo)
          for (int ci = 0; ci < c.Cg(); ++ci)
            for (int k = 0; k < c.K; ++k) {
              int idx = lo * c.stride - c.pad + k * c.dil;
              if (idx < 0 || idx >= c.L) continue;
              f(n, co, lo, g * c.Cg() + ci, idx, (size_t(co) * c.Cg() + ci) * c.K + k);
            }
      }
  }
  size_t out_at(int n, int co, int lo) const { return (size_t(n) * c.Cout + co) * c.Lout() + lo; }
  size_t in_at(int n, int ci, int idx) const { return (size_t(n) * c.Cin + ci) * c.L + idx; }

  std::vector<double> forward(const std::vector<double>& x, const std::vector<double>& w,
                              const std::vector<double>* b) const {
    std::vector<double> y(c.out_size(), 0.0);
    for (int n = 0; n < c.B; ++n)
      for (int co = 0; co < c.Cout; ++co)
        for (int lo = 0; lo < c.Lout(); ++lo) y[out_at(n, co, lo)] = b ? (*b)[co] : 0.0;
    for_each_term([&](int n, int co, int lo, int ci, int idx, size_t wi) {
      y[out_at(n, co, lo)] += w[wi] * x[in_at(n, ci, idx)];
    });
    return y;
  }
  std::vector<double> dgrad(const std::vector<double>& dy, const std::vector<double>& w) const {
    std::vector<double> dx(c.in_size(), 0.0);
    for_each_term([&](int n, int co, int lo, int ci, int idx, size_t wi) {
      dx[in_at(n, ci, idx)] += w[wi] * dy[out_at(n, co, lo)];
    });
    return dx;
  }
  std::vector<double> wgrad(const std::vector<double>& dy, const std::vector<double>& x) const {
    std::vector<double> dw(c.w_size(), 0.0);
    for_each_term([&](int n, int co, int lo, int ci, int idx, size_t wi) {
      dw[wi] += dy[out_at(n, co, lo)] * x[in_at(n, ci, idx)];
    });
    return dw;
  }
  std::vector<double> bgrad(const std::vector<double>& dy) const {
    std::vector<double> db(c.Cout, 0.0);
    for (int n = 0; n < c.B; ++n)
      for (int co = 0; co < c.Cout; ++co)
        for (int lo = 0; lo < c.Lout(); ++lo) db[co] += dy[out_at(n, co, lo)];
    return db;
  }
};

// ---- the kernels under test, on guarded buffers -------------------------------------------

struct Inputs {
  std::vector<double> x, w, b, dy;
};

Inputs make_inputs(const ConvCase& c) {
  return {random_vec(c.in_size(), 101), random_vec(c.w_size(), 202), random_vec(c.Cout, 303),
          random_vec(c.out_size(), 404)};
}

struct Outputs {
  std::vector<double> y, dx, dw, db;
};

template <typename T>
Outputs run_kernels(const ConvCase& c, const Inputs& in) {
  std::vector<T> x = cast_vec<T>(in.x), w = cast_vec<T>(in.w), b = cast_vec<T>(in.b),
                 dy = cast_vec<T>(in.dy);
  Guarded<T> y(c.out_size()), dx(c.in_size()), dw(c.w_size()), db(c.Cout);
  conv1d_forward_cpu<T>(y.data(), x.data(), w.data(), c.bias ? b.data() : nullptr, c.B, c.Cin,
                        c.Cout, c.L, c.K, c.stride, c.pad, c.dil, c.groups);
  conv1d_backward_data_cpu<T>(dx.data(), dy.data(), w.data(), c.B, c.Cin, c.Cout, c.L, c.K,
                              c.stride, c.pad, c.dil, c.groups);
  conv1d_backward_weight_cpu<T>(dw.data(), c.bias ? db.data() : nullptr, dy.data(), x.data(), c.B,
                                c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, c.dil, c.groups);
  EXPECT_TRUE(y.intact("forward"));
  EXPECT_TRUE(dx.intact("backward_data"));
  EXPECT_TRUE(dw.intact("backward_weight grad_w"));
  if (c.bias) {
    EXPECT_TRUE(db.intact("backward_weight grad_b"));
  }
  return {y.values(), dx.values(), dw.values(), c.bias ? db.values() : std::vector<double>()};
}

// Reference values and their magnitude bounds.
struct Reference {
  Outputs val, mag;
};

Reference reference(const ConvCase& c, const Inputs& in) {
  Naive nv{c};
  std::vector<double> ax = abs_vec(in.x), aw = abs_vec(in.w), ab = abs_vec(in.b),
                      ady = abs_vec(in.dy);
  Reference r;
  r.val = {nv.forward(in.x, in.w, c.bias ? &in.b : nullptr), nv.dgrad(in.dy, in.w),
           nv.wgrad(in.dy, in.x), nv.bgrad(in.dy)};
  r.mag = {nv.forward(ax, aw, c.bias ? &ab : nullptr), nv.dgrad(ady, aw), nv.wgrad(ady, ax),
           nv.bgrad(ady)};
  return r;
}

// Longest sum behind one element of each output (the n of the n*eps bound).
struct ReductionLengths {
  double y, dx, dw, db;
};
ReductionLengths reduction_lengths(const ConvCase& c) {
  return {double(c.Cg() * c.K + 1), double(c.Coutg() * c.K), double(c.B) * c.Lout(),
          double(c.B) * c.Lout()};
}

class Conv1dKernel : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv1dKernel, DoubleMatchesDirectLoops) {
  const ConvCase& c = GetParam();
  Inputs in = make_inputs(c);
  Reference ref = reference(c, in);
  Outputs got = run_kernels<double>(c, in);
  ReductionLengths n = reduction_lengths(c);
  const double e = std::numeric_limits<double>::epsilon();
  // Both sides carry rounding error, hence 2 * n.
  EXPECT_TRUE(close_to("forward", got.y, ref.val.y, ref.mag.y, 2 * n.y * e));
  EXPECT_TRUE(close_to("backward_data", got.dx, ref.val.dx, ref.mag.dx, 2 * n.dx * e));
  EXPECT_TRUE(close_to("backward_weight grad_w", got.dw, ref.val.dw, ref.mag.dw, 2 * n.dw * e));
  if (c.bias) {
    EXPECT_TRUE(close_to("backward_weight grad_b", got.db, ref.val.db, ref.mag.db, 2 * n.db * e));
  }
}

TEST_P(Conv1dKernel, FloatMatchesDouble) {
  const ConvCase& c = GetParam();
  Inputs in = make_inputs(c);
  Outputs d = run_kernels<double>(c, in);
  Outputs f = run_kernels<float>(c, in);
  Reference ref = reference(c, in);
  ReductionLengths n = reduction_lengths(c);
  const double e = std::numeric_limits<float>::epsilon();
  // The inputs are exactly representable in float, so the difference is float rounding in the
  // sums (n * eps * sum|terms|) plus the final rounding of each output.
  EXPECT_TRUE(close_to("forward f32", f.y, d.y, ref.mag.y, (n.y + 1) * e));
  EXPECT_TRUE(close_to("backward_data f32", f.dx, d.dx, ref.mag.dx, (n.dx + 1) * e));
  EXPECT_TRUE(close_to("backward_weight grad_w f32", f.dw, d.dw, ref.mag.dw, (n.dw + 1) * e));
  if (c.bias) {
    EXPECT_TRUE(close_to("backward_weight grad_b f32", f.db, d.db, ref.mag.db, (n.db + 1) * e));
  }
}

// <conv(x, w), y> == <x, dgrad(y, w)> == <w, wgrad(y, x)>: all three are the same sum over every
// (sample, output, tap) of y * w * x, in different orders.
TEST_P(Conv1dKernel, AdjointIdentities) {
  ConvCase c = GetParam();
  c.bias = false;  // the identities hold for the linear part
  Inputs in = make_inputs(c);
  Outputs got = run_kernels<double>(c, in);
  const double lhs = dot(got.y, in.dy);
  const double via_dgrad = dot(in.x, got.dx);
  const double via_wgrad = dot(in.w, got.dw);
  Naive nv{c};
  const double mag = dot(nv.forward(abs_vec(in.x), abs_vec(in.w), nullptr), abs_vec(in.dy));
  ASSERT_GT(mag, 0.0);
  const double tol =
      64 * std::numeric_limits<double>::epsilon() * (reduction_lengths(c).dw + c.Cg() * c.K) * mag;
  EXPECT_NEAR(via_dgrad, lhs, tol) << "<x, dgrad(y)> vs <conv(x), y>";
  EXPECT_NEAR(via_wgrad, lhs, tol) << "<w, wgrad(y, x)> vs <conv(x), y>";
  // The identity must be sensitive: a different y gives a different value.
  EXPECT_GT(std::fabs(lhs), 1e-6 * mag);
}

TEST_P(Conv1dKernel, BitwiseDeterministic) {
  const ConvCase& c = GetParam();
  Inputs in = make_inputs(c);
  Outputs a = run_kernels<float>(c, in), b = run_kernels<float>(c, in);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.dx, b.dx);
  EXPECT_EQ(a.dw, b.dw);
  EXPECT_EQ(a.db, b.db);
}

INSTANTIATE_TEST_SUITE_P(Cases, Conv1dKernel, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ConvCase>& info) {
                           return case_name(info.param);
                         });

// ---- output length and errors -------------------------------------------------------------

TEST(Conv1dKernelShape, OutLengthFormula) {
  EXPECT_EQ(conv1d_out_length(1000, 3, 1, 1, 1), 1000);
  EXPECT_EQ(conv1d_out_length(10, 3, 2, 0, 1), 4);
  EXPECT_EQ(conv1d_out_length(10, 3, 3, 1, 2), 3);  // (10 + 2 - 4 - 1) / 3 + 1
  EXPECT_EQ(conv1d_out_length(5, 3, 1, 0, 2), 1);   // span exactly L
  EXPECT_EQ(conv1d_out_length(1, 1, 1, 0, 1), 1);
  EXPECT_EQ(conv1d_out_length(2500, 15, 2, 7, 1), 1250);
}

TEST(Conv1dKernelShape, BadShapesThrowNamingTheOp) {
  std::vector<float> buf(4096, 0.5f);
  float* p = buf.data();
  expect_throw_with([] { conv1d_out_length(4, 3, 1, 0, 2); }, {"conv1d", "L=4", "dil=2"});
  expect_throw_with([] { conv1d_out_length(10, 0, 1, 0, 1); }, {"conv1d", "K=0"});
  expect_throw_with([] { conv1d_out_length(10, 3, 0, 0, 1); }, {"conv1d", "stride=0"});
  expect_throw_with([] { conv1d_out_length(10, 3, 1, -1, 1); }, {"conv1d", "pad=-1"});
  expect_throw_with([] { conv1d_out_length(10, 3, 1, 0, 0); }, {"conv1d", "dil=0"});
  expect_throw_with(
      [&] { conv1d_forward_cpu<float>(p, p, p, nullptr, 1, 12, 10, 8, 3, 1, 1, 1, 5); },
      {"conv1d", "Cin=12", "groups=5"});
  expect_throw_with(
      [&] { conv1d_forward_cpu<float>(p, p, p, nullptr, 1, 12, 10, 8, 3, 1, 1, 1, 4); },
      {"conv1d", "Cout=10", "groups=4"});
  expect_throw_with([&] { conv1d_forward_cpu<float>(p, p, p, nullptr, 1, 4, 4, 8, 3, 1, 1, 1, 0); },
                    {"conv1d", "groups=0"});
  expect_throw_with([&] { conv1d_backward_data_cpu<float>(p, p, p, 1, 4, 4, 2, 5, 1, 0, 1, 1); },
                    {"conv1d", "L=2", "K=5"});
  expect_throw_with(
      [&] { conv1d_backward_weight_cpu<float>(p, p, p, p, 1, 6, 4, 8, 3, 1, 1, 1, 4); },
      {"conv1d", "Cin=6", "groups=4"});
  expect_throw_with(
      [&] { conv1d_forward_cpu<float>(p, p, p, nullptr, -1, 4, 4, 8, 3, 1, 1, 1, 1); },
      {"conv1d", "B=-1"});
}

// An empty batch still writes the weight and bias gradients (as zeros).
TEST(Conv1dKernelShape, EmptyBatchWritesZeroWeightGrad) {
  Guarded<double> dw(4 * 2 * 3), db(4);
  conv1d_backward_weight_cpu<double>(dw.data(), db.data(), nullptr, nullptr, 0, 2, 4, 9, 3, 1, 1, 1,
                                     1);
  EXPECT_TRUE(dw.intact("grad_w"));
  EXPECT_TRUE(db.intact("grad_b"));
  for (double v : dw.values()) EXPECT_EQ(v, 0.0);
  for (double v : db.values()) EXPECT_EQ(v, 0.0);
}

}  // namespace
