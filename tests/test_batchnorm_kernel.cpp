// Batch-norm CPU kernels (kernels/batchnorm.h) against direct loops written here in double:
// training forward (output, saved statistics, running-statistic updates by PyTorch's formulas),
// eval forward, the training backward against the explicit Jacobian transpose and against central
// finite differences, the eval backward against its formula and the adjoint identity, float vs
// double agreement (also for a large n and for channels whose mean dwarfs their spread), optional
// gamma / beta / running buffers, shape errors, and the fused batch norm + ReLU against the plain
// kernels around relu_forward_cpu / relu_backward_cpu (bit for bit, outputs on and near 0).
// Every output buffer is poisoned with NaN (a kernel that accumulates or skips an element leaves a
// NaN) and framed by sentinel guards (a kernel that writes past its buffer breaks one).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/elementwise.h"
#include "tests/kernel_test_util.h"

namespace {

using namespace acl::kernels::testing;

using namespace acl::kernels;

// ---- helpers ------------------------------------------------------------------------------

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

constexpr double kEps = 1e-5;
constexpr double kMomentum = 0.1;

// ---- cases and data -----------------------------------------------------------------------

struct BnCase {
  int B, C, L;
  bool affine;  // gamma and beta given (else nullptr: 1 and 0)
  size_t size() const { return size_t(B) * C * L; }
  int64_t n() const { return int64_t(B) * L; }
  size_t at(int b, int c, int l) const { return (size_t(b) * C + c) * L + l; }
};

std::string case_name(const BnCase& c) {
  return "B" + std::to_string(c.B) + "_C" + std::to_string(c.C) + "_L" + std::to_string(c.L) +
         (c.affine ? "_affine" : "_plain");
}
// GoogleTest prints parameters with this (ctest names and failure messages).
void PrintTo(const BnCase& c, std::ostream* os) {
  *os << case_name(c);
}

const BnCase kCases[] = {
    {4, 3, 37, true},    // (B, C, L)
    {16, 5, 1, true},    // 2-D input (B, C)
    {2, 12, 250, true},  // ECG leads
    {3, 1, 2, true},     // one channel
    {2, 4, 1, true},     // n = 2, the smallest trainable batch
    {8, 6, 97, false},   // no gamma / beta
    {5, 7, 1, false},
};

struct Data {
  std::vector<double> x, gamma, beta, rm0, rv0, dy;
};

// x[b, c, :] = offset_c + spread_c * u with per-channel offsets in [-3, 3] and spreads in
// [0.5, 2], so the normalisation has something to remove.
Data make_data(const BnCase& c, uint32_t seed = 0) {
  Data d;
  std::vector<double> u = random_vec(c.size(), 1 + seed);
  std::vector<double> off = random_vec(c.C, 2 + seed, -3, 3),
                      spr = random_vec(c.C, 3 + seed, .5, 2);
  d.x.resize(c.size());
  for (int b = 0; b < c.B; ++b)
    for (int ch = 0; ch < c.C; ++ch)
      for (int l = 0; l < c.L; ++l) {
        size_t i = c.at(b, ch, l);
        d.x[i] = static_cast<double>(static_cast<float>(off[ch] + spr[ch] * u[i]));
      }
  d.gamma = random_vec(c.C, 4 + seed, 0.5, 1.5);
  d.beta = random_vec(c.C, 5 + seed);
  d.rm0 = random_vec(c.C, 6 + seed);
  d.rv0 = random_vec(c.C, 7 + seed, 0.5, 2.0);
  d.dy = random_vec(c.size(), 8 + seed);
  return d;
}

// ---- direct-loop references in double -----------------------------------------------------

struct Naive {
  const BnCase& c;
  std::vector<double> mean, var;  // biased batch variance

  Naive(const BnCase& cs, const std::vector<double>& x) : c(cs), mean(cs.C, 0.0), var(cs.C, 0.0) {
    for (int ch = 0; ch < c.C; ++ch) {
      for (int b = 0; b < c.B; ++b)
        for (int l = 0; l < c.L; ++l) mean[ch] += x[c.at(b, ch, l)];
      mean[ch] /= double(c.n());
      for (int b = 0; b < c.B; ++b)
        for (int l = 0; l < c.L; ++l) var[ch] += std::pow(x[c.at(b, ch, l)] - mean[ch], 2);
      var[ch] /= double(c.n());
    }
  }
  double g(const Data& d, int ch) const { return c.affine ? d.gamma[ch] : 1.0; }
  double be(const Data& d, int ch) const { return c.affine ? d.beta[ch] : 0.0; }

  // out with the given statistics (batch ones in training, running ones in eval).
  std::vector<double> normalise(const Data& d, const std::vector<double>& m,
                                const std::vector<double>& v) const {
    std::vector<double> out(c.size());
    for (int b = 0; b < c.B; ++b)
      for (int ch = 0; ch < c.C; ++ch)
        for (int l = 0; l < c.L; ++l) {
          size_t i = c.at(b, ch, l);
          out[i] = (d.x[i] - m[ch]) / std::sqrt(v[ch] + kEps) * g(d, ch) + be(d, ch);
        }
    return out;
  }

  // grad_in = J^T dy with the training Jacobian of channel ch, element by element:
  //   d out_j / d x_i = gamma * invstd * (delta_ij - 1/n - xhat_i * xhat_j / n).
  std::vector<double> train_dx_by_jacobian(const Data& d) const {
    std::vector<double> dx(c.size(), 0.0);
    const double n = double(c.n());
    for (int ch = 0; ch < c.C; ++ch) {
      const double is = 1.0 / std::sqrt(var[ch] + kEps);
      std::vector<size_t> idx;
      for (int b = 0; b < c.B; ++b)
        for (int l = 0; l < c.L; ++l) idx.push_back(c.at(b, ch, l));
      for (size_t i : idx) {
        const double xi = (d.x[i] - mean[ch]) * is;
        double s = 0.0;
        for (size_t j : idx) {
          const double xj = (d.x[j] - mean[ch]) * is;
          s += g(d, ch) * is * ((i == j ? 1.0 : 0.0) - 1.0 / n - xi * xj / n) * d.dy[j];
        }
        dx[i] = s;
      }
    }
    return dx;
  }
  // sum dy * (x - m) / sqrt(v + eps) and sum dy per channel.
  void param_grads(const Data& d, const std::vector<double>& m, const std::vector<double>& v,
                   std::vector<double>* dgamma, std::vector<double>* dbeta) const {
    dgamma->assign(c.C, 0.0);
    dbeta->assign(c.C, 0.0);
    for (int b = 0; b < c.B; ++b)
      for (int ch = 0; ch < c.C; ++ch)
        for (int l = 0; l < c.L; ++l) {
          size_t i = c.at(b, ch, l);
          (*dgamma)[ch] += d.dy[i] * (d.x[i] - m[ch]) / std::sqrt(v[ch] + kEps);
          (*dbeta)[ch] += d.dy[i];
        }
  }
  std::vector<double> eval_dx(const Data& d) const {
    std::vector<double> dx(c.size());
    for (int b = 0; b < c.B; ++b)
      for (int ch = 0; ch < c.C; ++ch)
        for (int l = 0; l < c.L; ++l) {
          size_t i = c.at(b, ch, l);
          dx[i] = d.dy[i] * g(d, ch) / std::sqrt(d.rv0[ch] + kEps);
        }
    return dx;
  }
};

// ---- the kernels under test ---------------------------------------------------------------

struct TrainOut {
  std::vector<double> out, save_mean, save_invstd, rm, rv, dx, dgamma, dbeta;
};

template <typename T>
TrainOut run_train(const BnCase& c, const Data& d) {
  std::vector<T> x = cast_vec<T>(d.x), gamma = cast_vec<T>(d.gamma), beta = cast_vec<T>(d.beta),
                 dy = cast_vec<T>(d.dy);
  const T* gp = c.affine ? gamma.data() : nullptr;
  const T* bp = c.affine ? beta.data() : nullptr;
  Guarded<T> out(c.size()), sm(c.C), si(c.C), rm(d.rm0), rv(d.rv0), dx(c.size()), dg(c.C), db(c.C);
  batchnorm1d_forward_train_cpu<T>(out.data(), sm.data(), si.data(), rm.data(), rv.data(), x.data(),
                                   gp, bp, c.B, c.C, c.L, kMomentum, kEps);
  batchnorm1d_backward_train_cpu<T>(dx.data(), dg.data(), db.data(), dy.data(), x.data(), sm.data(),
                                    si.data(), gp, c.B, c.C, c.L);
  for (auto* g : {&out, &sm, &si, &rm, &rv, &dx, &dg, &db}) EXPECT_TRUE(g->intact("train"));
  return {out.values(), sm.values(), si.values(), rm.values(),
          rv.values(),  dx.values(), dg.values(), db.values()};
}

struct EvalOut {
  std::vector<double> out, dx, dgamma, dbeta;
};

template <typename T>
EvalOut run_eval(const BnCase& c, const Data& d) {
  std::vector<T> x = cast_vec<T>(d.x), gamma = cast_vec<T>(d.gamma), beta = cast_vec<T>(d.beta),
                 dy = cast_vec<T>(d.dy), rm = cast_vec<T>(d.rm0), rv = cast_vec<T>(d.rv0);
  const T* gp = c.affine ? gamma.data() : nullptr;
  const T* bp = c.affine ? beta.data() : nullptr;
  Guarded<T> out(c.size()), dx(c.size()), dg(c.C), db(c.C);
  batchnorm1d_forward_eval_cpu<T>(out.data(), x.data(), rm.data(), rv.data(), gp, bp, c.B, c.C, c.L,
                                  kEps);
  batchnorm1d_backward_eval_cpu<T>(dx.data(), dg.data(), db.data(), dy.data(), x.data(), rm.data(),
                                   rv.data(), gp, c.B, c.C, c.L, kEps);
  for (auto* g : {&out, &dx, &dg, &db}) EXPECT_TRUE(g->intact("eval"));
  return {out.values(), dx.values(), dg.values(), db.values()};
}

class BatchNormKernel : public ::testing::TestWithParam<BnCase> {};

// A double sum of n values: n * eps (times a small factor) bounds its error relative to its scale.
double double_sum_tol(const BnCase& c) {
  return 8 * double(c.n()) * std::numeric_limits<double>::epsilon();
}

// grad_gamma and grad_beta of a pass ("backward_train", "backward_eval") against the loop
// reference taken with statistics (m, v), each judged at its own scale.
void expect_param_grads(const char* pass, const Naive& nv, const Data& d,
                        const std::vector<double>& m, const std::vector<double>& v,
                        const std::vector<double>& dgamma, const std::vector<double>& dbeta,
                        double tol) {
  std::vector<double> ref_dg, ref_db;
  nv.param_grads(d, m, v, &ref_dg, &ref_db);
  EXPECT_TRUE(
      close_to(std::string(pass) + " grad_gamma", dgamma, ref_dg, 0, tol * max_abs(ref_dg)));
  EXPECT_TRUE(close_to(std::string(pass) + " grad_beta", dbeta, ref_db, 0, tol * max_abs(ref_db)));
}

// Double results: every element within a few ulp-multiples of the loop reference (both sides sum
// n values in double, so n * eps bounds the difference relative to the tensor's scale).
TEST_P(BatchNormKernel, TrainMatchesDirectLoops) {
  const BnCase& c = GetParam();
  Data d = make_data(c);
  Naive nv(c, d.x);
  TrainOut got = run_train<double>(c, d);
  const double tol = double_sum_tol(c);
  std::vector<double> ref_out = nv.normalise(d, nv.mean, nv.var);
  EXPECT_TRUE(close_to("forward_train out", got.out, ref_out, tol, tol * max_abs(ref_out)));
  EXPECT_TRUE(close_to("save_mean", got.save_mean, nv.mean, tol, tol));
  std::vector<double> invstd(c.C), rm(c.C), rv(c.C);
  for (int ch = 0; ch < c.C; ++ch) {
    invstd[ch] = 1.0 / std::sqrt(nv.var[ch] + kEps);
    rm[ch] = (1 - kMomentum) * d.rm0[ch] + kMomentum * nv.mean[ch];
    rv[ch] = (1 - kMomentum) * d.rv0[ch] +
             kMomentum * nv.var[ch] * double(c.n()) / double(c.n() - 1);  // unbiased
  }
  EXPECT_TRUE(close_to("save_invstd", got.save_invstd, invstd, tol, 0));
  EXPECT_TRUE(close_to("running_mean", got.rm, rm, tol, tol));
  EXPECT_TRUE(close_to("running_var", got.rv, rv, tol, 0));

  std::vector<double> ref_dx = nv.train_dx_by_jacobian(d);
  // grad_in cancels (its sum over a channel is 0): judge it against the scale of its terms.
  double dx_scale = max_abs(d.dy) * (c.affine ? max_abs(d.gamma) : 1.0) * max_abs(invstd);
  EXPECT_TRUE(close_to("backward_train grad_in", got.dx, ref_dx, 0, 4 * tol * dx_scale));
  expect_param_grads("backward_train", nv, d, nv.mean, nv.var, got.dgamma, got.dbeta, tol);
}

TEST_P(BatchNormKernel, EvalMatchesDirectLoopsAndAdjoint) {
  const BnCase& c = GetParam();
  Data d = make_data(c);
  Naive nv(c, d.x);
  EvalOut got = run_eval<double>(c, d);
  const double tol = double_sum_tol(c);
  std::vector<double> ref_out = nv.normalise(d, d.rm0, d.rv0);
  EXPECT_TRUE(close_to("forward_eval out", got.out, ref_out, tol, tol * max_abs(ref_out)));
  EXPECT_TRUE(close_to("backward_eval grad_in", got.dx, nv.eval_dx(d), tol, 0));
  expect_param_grads("backward_eval", nv, d, d.rm0, d.rv0, got.dgamma, got.dbeta, tol);

  // Eval is affine in x: <f(x) - f(0), dy> == <x, grad_in(dy)>.
  BnCase cz = c;
  Data dz = d;
  std::fill(dz.x.begin(), dz.x.end(), 0.0);
  EvalOut at_zero = run_eval<double>(cz, dz);
  std::vector<double> diff(c.size());
  for (size_t i = 0; i < diff.size(); ++i) diff[i] = got.out[i] - at_zero.out[i];
  double lhs = dot(diff, d.dy), rhs = dot(d.x, got.dx);
  EXPECT_NEAR(lhs, rhs, 1e-12 * double(c.size()) * (1 + std::fabs(lhs)));
  EXPECT_GT(std::fabs(lhs), 1e-9);
}

// The kernels do their sums and per-element arithmetic in double, and the float inputs are exactly
// the double ones, so every float result that depends only on inputs is the double result rounded
// once (rtol = eps, whatever n is). The training backward reads save_mean / save_invstd, which are
// stored rounded to float: xhat moves by about eps * (1 + |mean| * invstd) ("cond"), and
// grad_gamma = sum dy * xhat picks that up once per term, up to sqrt(n)-ish for random dy.
TEST_P(BatchNormKernel, FloatMatchesDouble) {
  const BnCase& c = GetParam();
  Data d = make_data(c);
  TrainOut td = run_train<double>(c, d), tf = run_train<float>(c, d);
  EvalOut ed = run_eval<double>(c, d), ef = run_eval<float>(c, d);
  const double e = std::numeric_limits<float>::epsilon();
  double cond = 1.0;
  for (int ch = 0; ch < c.C; ++ch)
    cond = std::max(cond, 1.0 + std::fabs(td.save_mean[ch]) * td.save_invstd[ch]);
  EXPECT_TRUE(close_to("train out f32", tf.out, td.out, e, 0));
  EXPECT_TRUE(close_to("save_mean f32", tf.save_mean, td.save_mean, e, 0));
  EXPECT_TRUE(close_to("save_invstd f32", tf.save_invstd, td.save_invstd, e, 0));
  EXPECT_TRUE(close_to("running_mean f32", tf.rm, td.rm, e, 0));
  EXPECT_TRUE(close_to("running_var f32", tf.rv, td.rv, e, 0));
  EXPECT_TRUE(close_to("train grad_beta f32", tf.dbeta, td.dbeta, e, 0));
  // grad_in cancels (exactly so for n = 2): judge it against the scale of its terms.
  const double dx_scale =
      max_abs(d.dy) * (c.affine ? max_abs(d.gamma) : 1.0) * max_abs(td.save_invstd);
  EXPECT_TRUE(close_to("train grad_in f32", tf.dx, td.dx, 0, 8 * e * cond * dx_scale));
  const double sq_n = std::sqrt(double(c.n()));
  EXPECT_TRUE(close_to("train grad_gamma f32", tf.dgamma, td.dgamma, 0,
                       8 * e * cond * (sq_n * max_abs(d.dy) + max_abs(td.dgamma))));
  EXPECT_TRUE(close_to("eval out f32", ef.out, ed.out, e, 0));
  EXPECT_TRUE(close_to("eval grad_in f32", ef.dx, ed.dx, e, 0));
  EXPECT_TRUE(close_to("eval grad_gamma f32", ef.dgamma, ed.dgamma, e, 0));
  EXPECT_TRUE(close_to("eval grad_beta f32", ef.dbeta, ed.dbeta, e, 0));
}

// ---- fused batch norm + ReLU ----------------------------------------------------------------

// Makes the normalised values of every 5th element of each channel land within rounding of 0
// (either sign): those elements take the channel's first value, and beta cancels its normalised
// value under the statistics (m, v) (the batch ones in training, the running ones in eval).
// Channels without affine parameters keep their data (beta is not passed to the kernels).
Data near_zero(const BnCase& c, Data d, bool training) {
  if (!c.affine) return d;
  for (int ch = 0; ch < c.C; ++ch) {
    const double x0 = d.x[c.at(0, ch, 0)];
    int k = 0;
    for (int b = 0; b < c.B; ++b)
      for (int l = 0; l < c.L; ++l)
        if (k++ % 5 == 0) d.x[c.at(b, ch, l)] = x0;
  }
  Naive nv(c, d.x);
  for (int ch = 0; ch < c.C; ++ch) {
    const double m = training ? nv.mean[ch] : d.rm0[ch], v = training ? nv.var[ch] : d.rv0[ch];
    d.beta[ch] = -d.gamma[ch] * (d.x[c.at(0, ch, 0)] - m) / std::sqrt(v + kEps);
  }
  return d;
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// The index and values of the first element whose bits differ, for the failure message.
template <typename T>
std::string first_difference(const std::vector<T>& got, const std::vector<T>& want) {
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0) {
      return "element " + std::to_string(i) + ": " + std::to_string(double(got[i])) + " vs " +
             std::to_string(double(want[i]));
    }
  }
  return "sizes differ";
}

#define EXPECT_SAME_BITS(what, got, want) \
  EXPECT_TRUE(same_bits(got, want)) << (what) << ": " << first_difference(got, want)

template <typename T>
std::vector<T> body(Guarded<T>& g) {
  return std::vector<T>(g.data(), g.data() + g.values().size());
}

// Fused forward and backward, train and eval, against the plain kernels with relu_forward_cpu
// after and relu_backward_cpu (masked by the plain output) before; every output bit for bit.
// Returns the fraction of outputs the ReLU zeroed in training (the mask must matter).
template <typename T>
double expect_fused_matches_plain(const BnCase& c, const Data& dt, const Data& de) {
  const size_t n = c.size();
  double zeroed = 0;
  {  // train
    std::vector<T> x = cast_vec<T>(dt.x), gamma = cast_vec<T>(dt.gamma),
                   beta = cast_vec<T>(dt.beta), dy = cast_vec<T>(dt.dy);
    const T* gp = c.affine ? gamma.data() : nullptr;
    const T* bp = c.affine ? beta.data() : nullptr;
    std::vector<T> z(n), y(n), dz(n), sm(c.C), si(c.C),
        rm = cast_vec<T>(dt.rm0), rv = cast_vec<T>(dt.rv0), dx(n), dg(c.C), db(c.C);
    batchnorm1d_forward_train_cpu<T>(z.data(), sm.data(), si.data(), rm.data(), rv.data(), x.data(),
                                     gp, bp, c.B, c.C, c.L, kMomentum, kEps);
    relu_forward_cpu<T>(y.data(), z.data(), int64_t(n));
    relu_backward_cpu<T>(dz.data(), dy.data(), z.data(), int64_t(n));
    batchnorm1d_backward_train_cpu<T>(dx.data(), dg.data(), db.data(), dz.data(), x.data(),
                                      sm.data(), si.data(), gp, c.B, c.C, c.L);

    Guarded<T> fy(n), fsm(c.C), fsi(c.C), frm(dt.rm0), frv(dt.rv0), fdx(n), fdg(c.C), fdb(c.C);
    batchnorm1d_relu_forward_train_cpu<T>(fy.data(), fsm.data(), fsi.data(), frm.data(), frv.data(),
                                          x.data(), gp, bp, c.B, c.C, c.L, kMomentum, kEps);
    batchnorm1d_relu_backward_train_cpu<T>(fdx.data(), fdg.data(), fdb.data(), dy.data(), fy.data(),
                                           x.data(), fsm.data(), fsi.data(), gp, c.B, c.C, c.L);
    for (auto* g : {&fy, &fsm, &fsi, &frm, &frv, &fdx, &fdg, &fdb}) {
      EXPECT_TRUE(g->intact("fused train"));
    }
    EXPECT_SAME_BITS("fused train out", body(fy), y);
    EXPECT_SAME_BITS("fused save_mean", body(fsm), sm);
    EXPECT_SAME_BITS("fused save_invstd", body(fsi), si);
    EXPECT_SAME_BITS("fused running_mean", body(frm), rm);
    EXPECT_SAME_BITS("fused running_var", body(frv), rv);
    EXPECT_SAME_BITS("fused train grad_in", body(fdx), dx);
    EXPECT_SAME_BITS("fused train grad_gamma", body(fdg), dg);
    EXPECT_SAME_BITS("fused train grad_beta", body(fdb), db);
    for (T v : y) zeroed += v == T(0);
  }
  {  // eval
    std::vector<T> x = cast_vec<T>(de.x), gamma = cast_vec<T>(de.gamma),
                   beta = cast_vec<T>(de.beta), dy = cast_vec<T>(de.dy), rm = cast_vec<T>(de.rm0),
                   rv = cast_vec<T>(de.rv0);
    const T* gp = c.affine ? gamma.data() : nullptr;
    const T* bp = c.affine ? beta.data() : nullptr;
    std::vector<T> z(n), y(n), dz(n), dx(n), dg(c.C), db(c.C);
    batchnorm1d_forward_eval_cpu<T>(z.data(), x.data(), rm.data(), rv.data(), gp, bp, c.B, c.C, c.L,
                                    kEps);
    relu_forward_cpu<T>(y.data(), z.data(), int64_t(n));
    relu_backward_cpu<T>(dz.data(), dy.data(), z.data(), int64_t(n));
    batchnorm1d_backward_eval_cpu<T>(dx.data(), dg.data(), db.data(), dz.data(), x.data(),
                                     rm.data(), rv.data(), gp, c.B, c.C, c.L, kEps);
    Guarded<T> fy(n), fdx(n), fdg(c.C), fdb(c.C);
    batchnorm1d_relu_forward_eval_cpu<T>(fy.data(), x.data(), rm.data(), rv.data(), gp, bp, c.B,
                                         c.C, c.L, kEps);
    batchnorm1d_relu_backward_eval_cpu<T>(fdx.data(), fdg.data(), fdb.data(), dy.data(), fy.data(),
                                          x.data(), rm.data(), rv.data(), gp, c.B, c.C, c.L, kEps);
    for (auto* g : {&fy, &fdx, &fdg, &fdb}) EXPECT_TRUE(g->intact("fused eval"));
    EXPECT_SAME_BITS("fused eval out", body(fy), y);
    EXPECT_SAME_BITS("fused eval grad_in", body(fdx), dx);
    EXPECT_SAME_BITS("fused eval grad_gamma", body(fdg), dg);
    EXPECT_SAME_BITS("fused eval grad_beta", body(fdb), db);
  }
  return zeroed / double(n);
}

TEST_P(BatchNormKernel, FusedReluMatchesPlainBitForBit) {
  const BnCase& c = GetParam();
  Data d = make_data(c, 600);
  for (bool near : {false, true}) {
    SCOPED_TRACE(near ? "outputs near 0" : "random");
    const Data dt = near ? near_zero(c, d, true) : d, de = near ? near_zero(c, d, false) : d;
    const double zf = expect_fused_matches_plain<float>(c, dt, de);
    const double zd = expect_fused_matches_plain<double>(c, dt, de);
    // Normalised values straddle 0 (n = 2: one of the two per channel), so the mask matters.
    EXPECT_GT(zf, 0.2);
    EXPECT_LT(zf, 0.8);
    EXPECT_GT(zd, 0.2);
    EXPECT_LT(zd, 0.8);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, BatchNormKernel, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<BnCase>& info) {
                           return case_name(info.param);
                         });

// ---- finite differences -------------------------------------------------------------------

// loss = <forward_train(x, gamma, beta), dy>; its central differences in double against the
// training backward for every x, gamma and beta.
TEST(BatchNormKernelGrad, TrainBackwardMatchesFiniteDifferences) {
  for (BnCase c : {BnCase{3, 2, 5, true}, BnCase{6, 3, 1, true}, BnCase{2, 2, 1, true}}) {
    SCOPED_TRACE(case_name(c));
    Data d = make_data(c, 100);
    auto loss = [&](const Data& p) {
      std::vector<double> out(c.size()), sm(c.C), si(c.C);
      batchnorm1d_forward_train_cpu<double>(out.data(), sm.data(), si.data(), nullptr, nullptr,
                                            p.x.data(), p.gamma.data(), p.beta.data(), c.B, c.C,
                                            c.L, kMomentum, kEps);
      return dot(out, p.dy);
    };
    auto fd = [&](std::vector<double> Data::*field) {
      std::vector<double> g((d.*field).size());
      for (size_t i = 0; i < g.size(); ++i) {
        const double h = 1e-6 * std::max(1.0, std::fabs((d.*field)[i]));
        Data p = d, m = d;
        (p.*field)[i] += h;
        (m.*field)[i] -= h;
        g[i] = (loss(p) - loss(m)) / (2 * h);
      }
      return g;
    };
    TrainOut got = run_train<double>(c, d);
    // Truncation O(h^2) and cancellation O(eps / h): ~1e-9 on values of order 1.
    EXPECT_TRUE(close_to("fd grad_in", got.dx, fd(&Data::x), 1e-6, 1e-7));
    EXPECT_TRUE(close_to("fd grad_gamma", got.dgamma, fd(&Data::gamma), 1e-6, 1e-7));
    EXPECT_TRUE(close_to("fd grad_beta", got.dbeta, fd(&Data::beta), 1e-6, 1e-7));
  }
}

// ---- running statistics, optional arguments, numerics -------------------------------------

TEST(BatchNormKernelStats, MomentumOneCopiesBatchStatsAndZeroKeepsRunning) {
  BnCase c{4, 3, 11, true};
  Data d = make_data(c, 200);
  Naive nv(c, d.x);
  const double n = double(c.n());
  for (double momentum : {1.0, 0.0}) {
    std::vector<double> out(c.size()), sm(c.C), si(c.C), rm = d.rm0, rv = d.rv0;
    batchnorm1d_forward_train_cpu<double>(out.data(), sm.data(), si.data(), rm.data(), rv.data(),
                                          d.x.data(), d.gamma.data(), d.beta.data(), c.B, c.C, c.L,
                                          momentum, kEps);
    for (int ch = 0; ch < c.C; ++ch) {
      if (momentum == 1.0) {
        EXPECT_NEAR(rm[ch], nv.mean[ch], 1e-14);
        EXPECT_NEAR(rv[ch], nv.var[ch] * n / (n - 1), 1e-14);
      } else {
        EXPECT_EQ(rm[ch], d.rm0[ch]);
        EXPECT_EQ(rv[ch], d.rv0[ch]);
      }
    }
  }
}

TEST(BatchNormKernelStats, NullRunningBuffersAndParamGradsAreSkipped) {
  BnCase c{4, 2, 9, true};
  Data d = make_data(c, 300);
  TrainOut full = run_train<double>(c, d);
  std::vector<double> out(c.size()), sm(c.C), si(c.C), dx(c.size());
  batchnorm1d_forward_train_cpu<double>(out.data(), sm.data(), si.data(), nullptr, nullptr,
                                        d.x.data(), d.gamma.data(), d.beta.data(), c.B, c.C, c.L,
                                        kMomentum, kEps);
  EXPECT_EQ(out, full.out);
  batchnorm1d_backward_train_cpu<double>(dx.data(), nullptr, nullptr, d.dy.data(), d.x.data(),
                                         sm.data(), si.data(), d.gamma.data(), c.B, c.C, c.L);
  EXPECT_EQ(dx, full.dx);
  std::vector<double> edx(c.size());
  batchnorm1d_backward_eval_cpu<double>(edx.data(), nullptr, nullptr, d.dy.data(), d.x.data(),
                                        d.rm0.data(), d.rv0.data(), d.gamma.data(), c.B, c.C, c.L,
                                        kEps);
  EXPECT_EQ(edx, run_eval<double>(c, d).dx);
}

// A channel whose mean is 1e5 times its spread: a one-pass E[x^2] - E[x]^2 in float would lose
// every digit; the kernel's double two-pass statistics keep float output at float precision.
TEST(BatchNormKernelStats, LargeMeanSmallSpreadStaysAccurateInFloat) {
  BnCase c{8, 2, 500, true};
  Data d = make_data(c, 400);
  std::vector<double> u = random_vec(c.size(), 401);
  for (size_t i = 0; i < c.size(); ++i) {
    d.x[i] = static_cast<double>(static_cast<float>(1000.0 + 0.01 * u[i]));
  }
  Naive nv(c, d.x);
  std::vector<double> ref = nv.normalise(d, nv.mean, nv.var);
  TrainOut f = run_train<float>(c, d);
  const double e = std::numeric_limits<float>::epsilon();
  EXPECT_TRUE(close_to("large-mean train out f32", f.out, ref, 2 * e, 2 * e * max_abs(ref)));
  std::vector<double> invstd(c.C);
  for (int ch = 0; ch < c.C; ++ch) invstd[ch] = 1.0 / std::sqrt(nv.var[ch] + kEps);
  EXPECT_TRUE(close_to("large-mean save_invstd f32", f.save_invstd, invstd, 2 * e, 0));
  for (int ch = 0; ch < c.C; ++ch) {
    EXPECT_NEAR(f.rv[ch],
                (1 - kMomentum) * d.rv0[ch] + kMomentum * nv.var[ch] * c.n() / (c.n() - 1),
                2 * e * d.rv0[ch]);
  }
}

// n = 64000 values per channel: the double accumulators keep float results one rounding away from
// the double ones, where a float running sum would drift by ~sqrt(n) * eps or worse.
TEST(BatchNormKernelStats, LongReductionFloatMatchesDouble) {
  BnCase c{64, 2, 1000, true};
  Data d = make_data(c, 500);
  TrainOut td = run_train<double>(c, d), tf = run_train<float>(c, d);
  const double e = std::numeric_limits<float>::epsilon();
  EXPECT_TRUE(close_to("long save_mean f32", tf.save_mean, td.save_mean, e, 0));
  EXPECT_TRUE(close_to("long save_invstd f32", tf.save_invstd, td.save_invstd, e, 0));
  EXPECT_TRUE(close_to("long out f32", tf.out, td.out, e, 0));
  EXPECT_TRUE(close_to("long grad_beta f32", tf.dbeta, td.dbeta, e, 0));
}

// ---- errors -------------------------------------------------------------------------------

TEST(BatchNormKernelShape, BadShapesThrowNamingTheOp) {
  std::vector<float> buf(64, 0.5f);
  float* p = buf.data();
  expect_throw_with(
      [&] {
        batchnorm1d_forward_train_cpu<float>(p, p, p, nullptr, nullptr, p, nullptr, nullptr, 1, 3,
                                             1, 0.1, 1e-5);
      },
      {"batchnorm1d_forward_train", "B=1", "L=1"});
  expect_throw_with(
      [&] {
        batchnorm1d_backward_train_cpu<float>(p, nullptr, nullptr, p, p, p, p, nullptr, 1, 3, 1);
      },
      {"batchnorm1d_backward_train", "B*L=1"});
  expect_throw_with(
      [&] {
        batchnorm1d_forward_train_cpu<float>(p, p, p, nullptr, nullptr, p, nullptr, nullptr, 2, -1,
                                             3, 0.1, 1e-5);
      },
      {"batchnorm1d_forward_train", "C=-1"});
  expect_throw_with(
      [&] { batchnorm1d_forward_eval_cpu<float>(p, p, p, p, nullptr, nullptr, 2, 3, 0, 1e-5); },
      {"batchnorm1d_forward_eval", "L=0"});
  expect_throw_with(
      [&] { batchnorm1d_forward_eval_cpu<float>(p, p, p, p, nullptr, nullptr, 2, 3, 4, -1.0); },
      {"batchnorm1d_forward_eval", "eps="});
  expect_throw_with(
      [&] {
        batchnorm1d_forward_eval_cpu<float>(p, p, nullptr, p, nullptr, nullptr, 2, 3, 4, 1e-5);
      },
      {"batchnorm1d_forward_eval", "running_mean"});
  expect_throw_with(
      [&] {
        batchnorm1d_backward_eval_cpu<float>(p, nullptr, nullptr, p, p, p, nullptr, nullptr, 2, 3,
                                             4, 1e-5);
      },
      {"batchnorm1d_backward_eval", "running_var"});
  expect_throw_with(
      [&] {
        batchnorm1d_relu_forward_train_cpu<float>(p, p, p, nullptr, nullptr, p, nullptr, nullptr, 1,
                                                  3, 1, 0.1, 1e-5);
      },
      {"batchnorm1d_relu_forward_train", "B=1"});
  expect_throw_with(
      [&] {
        batchnorm1d_relu_backward_train_cpu<float>(p, nullptr, nullptr, p, nullptr, p, p, p,
                                                   nullptr, 2, 3, 4);
      },
      {"batchnorm1d_relu_backward_train", "out"});
  expect_throw_with(
      [&] {
        batchnorm1d_relu_backward_eval_cpu<float>(p, nullptr, nullptr, p, p, p, p, nullptr, nullptr,
                                                  2, 3, 4, 1e-5);
      },
      {"batchnorm1d_relu_backward_eval", "running_var"});
}

}  // namespace
