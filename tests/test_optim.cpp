// Optimizers against hand-computed updates in double: SGD (momentum, Nesterov, weight decay),
// AdamW (closed-form first step, hand formula second step, per-parameter step counters), LARS
// (trust ratio by hand, exclusion of bias/BN groups, the paper's denominator), gradient clipping by
// global norm, and state export/import (resuming gives bit-identical parameters). Every optimizer
// and the clipping also run on each backend (CPU f32, CUDA f32) against the same run in CPU f64.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/device_select.h"
#include "engine/ops.h"
#include "engine/optim/adamw.h"
#include "engine/optim/clip_grad.h"
#include "engine/optim/lars.h"
#include "engine/optim/sgd.h"
#include "engine/optim/sum_squares.h"
#include "engine/rng.h"
#include "kernels/optim.h"
#include "kernels/runtime/host_sync.h"
#include "tests/test_files.h"

namespace acl {
namespace {

Tensor param(const std::vector<double>& v) {
  Tensor p = Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
  p.set_requires_grad(true);
  return p;
}

Tensor param_f32(const std::vector<float>& v) {
  Tensor p = Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
  p.set_requires_grad(true);
  return p;
}

// Sets p's accumulated gradient to `g` (a copy in p's dtype).
void set_grad(const Tensor& p, const std::vector<double>& g) {
  Tensor t = Tensor::from_vector(g, p.shape()).to(p.dtype());
  p.impl().grad = t.impl_ptr();
}

// |got - want| <= rel * |want| + abs for every element.
void expect_near_all(const std::vector<double>& got, const std::vector<double>& want, double rel,
                     const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], rel * std::fabs(want[i]) + 1e-300) << what << " element " << i;
  }
}

// ---- SGD ----------------------------------------------------------------------------------------

TEST(Sgd, PlainStepIsLrTimesGrad) {
  Tensor p = param({1.0, -2.0, 0.5});
  Sgd opt({p}, SgdOptions{0.1, 0.0, false, 0.0});
  set_grad(p, {0.5, 0.25, -1.0});
  opt.step();
  expect_near_all(p.to_vector<double>(), {1.0 - 0.05, -2.0 - 0.025, 0.5 + 0.1}, 1e-15, "p");
  EXPECT_TRUE(opt.buffer_names().empty());
  EXPECT_EQ(opt.steps(), 1u);
}

// Momentum 0.9, weight decay 0.01, three steps by hand (PyTorch SGD: the first buffer is the grad).
void check_sgd_momentum(bool nesterov) {
  const double lr = 0.1, mu = 0.9, wd = 0.01;
  const std::vector<std::vector<double>> grads = {{0.5, -1.0}, {0.25, 0.75}, {-0.5, 0.125}};
  Tensor p = param({1.0, 2.0});
  Sgd opt({p}, SgdOptions{lr, mu, nesterov, wd});
  std::vector<double> ref = {1.0, 2.0}, buf(2);
  for (size_t s = 0; s < grads.size(); ++s) {
    set_grad(p, grads[s]);
    opt.step();
    for (int i = 0; i < 2; ++i) {
      double g = grads[s][i] + wd * ref[i];
      buf[i] = s == 0 ? g : mu * buf[i] + g;
      ref[i] -= lr * (nesterov ? g + mu * buf[i] : buf[i]);
    }
    expect_near_all(p.to_vector<double>(), ref, 1e-14, nesterov ? "nesterov p" : "momentum p");
    expect_near_all(opt.buffer(0, "momentum_buffer").to_vector<double>(), buf, 1e-14, "buffer");
  }
}

TEST(Sgd, MomentumSequenceByHand) {
  check_sgd_momentum(false);
}
TEST(Sgd, NesterovSequenceByHand) {
  check_sgd_momentum(true);
}

TEST(Sgd, ExcludedGroupGetsNoWeightDecay) {
  Tensor w = param({1.0}), b = param({1.0});
  Sgd opt({ParamGroup{{w}, false}, ParamGroup{{b}, true}}, SgdOptions{0.1, 0.0, false, 0.5});
  set_grad(w, {0.0});
  set_grad(b, {0.0});
  opt.step();
  EXPECT_DOUBLE_EQ(w.item(), 1.0 - 0.1 * 0.5);
  EXPECT_DOUBLE_EQ(b.item(), 1.0);
}

TEST(Sgd, SkipsParametersWithoutGrad) {
  Tensor a = param({1.0}), b = param({2.0});
  Sgd opt({a, b}, SgdOptions{0.1, 0.9, false, 0.0});
  set_grad(a, {1.0});
  opt.step();
  EXPECT_DOUBLE_EQ(b.item(), 2.0);
  EXPECT_FALSE(opt.buffer(1, "momentum_buffer").defined());
  EXPECT_EQ(opt.state().counters.at("param.1.step"), 0u);
  EXPECT_EQ(opt.state().counters.at("param.0.step"), 1u);
}

TEST(Sgd, RejectsBadArguments) {
  Tensor p = param({1.0});
  EXPECT_THROW(Sgd({p}, SgdOptions{0.1, 0.0, true, 0.0}), std::invalid_argument);
  EXPECT_THROW(Sgd({p}, SgdOptions{-0.1, 0.0, false, 0.0}), std::invalid_argument);
  Tensor not_param = Tensor::from_vector(std::vector<double>{1.0}, Shape{1});
  EXPECT_THROW(Sgd({not_param}, SgdOptions{}), std::invalid_argument);
  EXPECT_THROW(Sgd({p, p}, SgdOptions{}), std::invalid_argument);
}

// ---- AdamW --------------------------------------------------------------------------------------

TEST(AdamW, FirstStepClosedFormSecondStepByHand) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
  const std::vector<double> p0 = {1.0, -0.5, 2.0}, g1 = {0.3, -0.2, 1e-3}, g2 = {-0.1, 0.4, 0.05};
  Tensor p = param(p0);
  AdamW opt({p}, AdamWOptions{lr, b1, b2, eps, wd});

  set_grad(p, g1);
  opt.step();
  // Step 1: m/(1-b1) = g and sqrt(v/(1-b2)) = |g|, so p1 = p0 (1 - lr wd) - lr g / (|g| + eps).
  std::vector<double> p1(3), m1(3), v1(3);
  for (int i = 0; i < 3; ++i) {
    p1[i] = p0[i] * (1 - lr * wd) - lr * g1[i] / (std::fabs(g1[i]) + eps);
    m1[i] = (1 - b1) * g1[i];
    v1[i] = (1 - b2) * g1[i] * g1[i];
  }
  expect_near_all(p.to_vector<double>(), p1, 1e-13, "p after step 1");
  expect_near_all(opt.buffer(0, "exp_avg").to_vector<double>(), m1, 1e-14, "exp_avg 1");
  expect_near_all(opt.buffer(0, "exp_avg_sq").to_vector<double>(), v1, 1e-14, "exp_avg_sq 1");

  set_grad(p, g2);
  opt.step();
  std::vector<double> p2(3);
  for (int i = 0; i < 3; ++i) {
    double m2 = b1 * m1[i] + (1 - b1) * g2[i];
    double v2 = b2 * v1[i] + (1 - b2) * g2[i] * g2[i];
    double denom = std::sqrt(v2) / std::sqrt(1 - b2 * b2) + eps;
    p2[i] = p1[i] * (1 - lr * wd) - lr / (1 - b1 * b1) * m2 / denom;
  }
  expect_near_all(p.to_vector<double>(), p2, 1e-13, "p after step 2");
  EXPECT_EQ(opt.state().counters.at("param.0.step"), 2u);
}

TEST(AdamW, Float32MatchesDoubleReference) {
  const std::vector<double> p0 = {0.7, -1.3, 0.05, 2.5, -0.01};
  Tensor p32 = param_f32({0.7f, -1.3f, 0.05f, 2.5f, -0.01f});
  Tensor p64 = param(std::vector<double>(p0));
  p64.copy_from(p32.to(DType::f64));
  AdamWOptions o{3e-3, 0.9, 0.95, 1e-8, 0.05};
  AdamW a32({p32}, o), a64({p64}, o);
  Rng rng(5, 1);
  for (int s = 0; s < 10; ++s) {
    std::vector<double> g(5);
    for (double& x : g) x = static_cast<float>(rng.normal());  // representable in f32
    set_grad(p32, g);
    set_grad(p64, g);
    a32.step();
    a64.step();
  }
  expect_near_all(p32.to_vector<double>(), p64.to_vector<double>(), 1e-5, "f32 vs f64");
}

// A parameter that misses a step keeps its own counter, so its bias correction restarts at t = 1.
TEST(AdamW, PerParameterStepCounter) {
  const double lr = 0.1, eps = 1e-8;
  Tensor a = param({1.0}), b = param({1.0});
  AdamW opt({a, b}, AdamWOptions{lr, 0.9, 0.999, eps, 0.0});
  set_grad(a, {0.5});
  opt.step();
  set_grad(b, {0.5});
  opt.step();  // b's first update (a's grad is still set: its second)
  EXPECT_NEAR(b.item(), 1.0 - lr * 0.5 / (0.5 + eps), 1e-15);
  EXPECT_EQ(opt.state().counters.at("param.0.step"), 2u);
  EXPECT_EQ(opt.state().counters.at("param.1.step"), 1u);
}

TEST(AdamW, ExcludedGroupGetsNoWeightDecay) {
  Tensor w = param({2.0}), b = param({2.0});
  AdamW opt({ParamGroup{{w}, false}, ParamGroup{{b}, true}},
            AdamWOptions{0.1, 0.9, 0.999, 1e-8, 0.5});
  set_grad(w, {1.0});
  set_grad(b, {1.0});
  opt.step();
  EXPECT_NEAR(w.item(), 2.0 * (1 - 0.05) - 0.1 / (1 + 1e-8), 1e-15);
  EXPECT_NEAR(b.item(), 2.0 - 0.1 / (1 + 1e-8), 1e-15);
}

// ---- LARS ---------------------------------------------------------------------------------------

TEST(Lars, TrustRatioAndMomentumByHand) {
  const double lr = 0.5, mu = 0.9, wd = 0.01, eta = 0.001;
  const std::vector<double> w0 = {3.0, 4.0};
  const std::vector<std::vector<double>> grads = {{0.03, -0.04}, {0.01, 0.02}};
  Tensor w = param(w0);
  Lars opt({w}, LarsOptions{lr, mu, false, wd, eta, LarsTrustRatio::kSimclr});
  std::vector<double> ref = w0, v = {0.0, 0.0};
  for (const auto& g : grads) {
    set_grad(w, g);
    opt.step();
    double wn = std::hypot(ref[0], ref[1]);
    std::vector<double> gd = {g[0] + wd * ref[0], g[1] + wd * ref[1]};
    double trust = eta * wn / std::hypot(gd[0], gd[1]);
    EXPECT_NEAR(opt.last_trust_ratio(0), trust, 1e-15 * trust);
    for (int i = 0; i < 2; ++i) {
      v[i] = mu * v[i] + lr * trust * gd[i];
      ref[i] -= v[i];
    }
    expect_near_all(w.to_vector<double>(), ref, 1e-14, "w");
    expect_near_all(opt.buffer(0, "momentum").to_vector<double>(), v, 1e-14, "momentum");
  }
  // The first step's trust ratio in numbers: ||w|| = 5, g' = (0.06, 0), so 0.001 * 5 / 0.06.
  Tensor w2 = param(w0);
  Lars opt2({w2}, LarsOptions{lr, mu, false, wd, eta, LarsTrustRatio::kSimclr});
  set_grad(w2, grads[0]);
  opt2.step();
  EXPECT_NEAR(opt2.last_trust_ratio(0), 0.005 / 0.06, 1e-16);
}

TEST(Lars, NesterovByHand) {
  const double lr = 0.2, mu = 0.9, wd = 0.0, eta = 0.01;
  Tensor w = param({1.0, 2.0, 2.0});  // ||w|| = 3
  Lars opt({w}, LarsOptions{lr, mu, true, wd, eta, LarsTrustRatio::kSimclr});
  set_grad(w, {0.0, 0.6, 0.8});  // ||g|| = 1
  opt.step();
  const double trust = eta * 3.0 / 1.0;
  std::vector<double> want(3);
  const std::vector<double> w0 = {1.0, 2.0, 2.0}, g = {0.0, 0.6, 0.8};
  for (int i = 0; i < 3; ++i) {
    double v = lr * trust * g[i];
    want[i] = w0[i] - (mu * v + lr * trust * g[i]);
  }
  expect_near_all(w.to_vector<double>(), want, 1e-15, "w");
}

TEST(Lars, ExcludedGroupHasNoDecayNorAdaptation) {
  const double lr = 0.5, wd = 0.1;
  Tensor w = param({3.0, 4.0}), bias = param({3.0, 4.0}), bn_gamma = param({1.0});
  Lars opt({ParamGroup{{w}, false}, ParamGroup{{bias, bn_gamma}, true}},
           LarsOptions{lr, 0.9, false, wd, 0.001, LarsTrustRatio::kSimclr});
  for (const Tensor& p : {w, bias}) set_grad(p, {0.3, -0.4});
  set_grad(bn_gamma, {0.2});
  opt.step();
  EXPECT_EQ(opt.last_trust_ratio(1), 1.0);
  EXPECT_EQ(opt.last_trust_ratio(2), 1.0);
  expect_near_all(bias.to_vector<double>(), {3.0 - lr * 0.3, 4.0 + lr * 0.4}, 1e-15, "bias");
  EXPECT_NEAR(bn_gamma.item(), 1.0 - lr * 0.2, 1e-15);
  // The same values in the adapted group move far less (trust ratio ~0.0098).
  EXPECT_LT(opt.last_trust_ratio(0), 0.02);
  EXPECT_NE(w.to_vector<double>(), bias.to_vector<double>());
}

TEST(Lars, PaperTrustRatioDenominator) {
  const double lr = 1.0, wd = 0.01, eta = 0.001;
  Tensor w = param({3.0, 4.0});
  Lars opt({w}, LarsOptions{lr, 0.0, false, wd, eta, LarsTrustRatio::kPaper});
  set_grad(w, {0.03, -0.04});  // ||g|| = 0.05
  opt.step();
  const double trust = eta * 5.0 / (0.05 + wd * 5.0);
  EXPECT_NEAR(opt.last_trust_ratio(0), trust, 1e-16);
  expect_near_all(w.to_vector<double>(),
                  {3.0 - lr * trust * (0.03 + wd * 3.0), 4.0 - lr * trust * (-0.04 + wd * 4.0)},
                  1e-15, "w");
}

TEST(Lars, ZeroNormsGiveTrustOne) {
  Tensor zero_w = param({0.0, 0.0}), zero_g = param({1.0, 1.0});
  Lars opt({zero_w, zero_g}, LarsOptions{0.1, 0.9, false, 0.0, 0.001, LarsTrustRatio::kSimclr});
  set_grad(zero_w, {1.0, -1.0});
  set_grad(zero_g, {0.0, 0.0});
  opt.step();
  EXPECT_EQ(opt.last_trust_ratio(0), 1.0);
  EXPECT_EQ(opt.last_trust_ratio(1), 1.0);
  expect_near_all(zero_w.to_vector<double>(), {-0.1, 0.1}, 1e-15, "zero_w");
}

// ---- gradient clipping --------------------------------------------------------------------------

TEST(OptimClipGradNorm, ScalesByMaxOverNormAndReturnsPreClipNorm) {
  Tensor a = param({3.0, 4.0}), b = param({12.0}), c = param({1.0});
  set_grad(a, {3.0, 4.0});
  set_grad(b, {12.0});  // c has no grad: skipped
  double norm = clip_grad_norm({a, b, c}, 6.5);
  EXPECT_DOUBLE_EQ(norm, 13.0);
  const double coef = 6.5 / (13.0 + 1e-6);
  expect_near_all(a.grad().to_vector<double>(), {3.0 * coef, 4.0 * coef}, 1e-15, "a.grad");
  expect_near_all(b.grad().to_vector<double>(), {12.0 * coef}, 1e-15, "b.grad");
  EXPECT_NEAR(grad_norm({a, b}), 6.5, 1e-6);
}

TEST(OptimClipGradNorm, LeavesSmallGradientsAlone) {
  Tensor a = param_f32({1.0f, 2.0f});
  set_grad(a, {0.3, -0.4});
  std::vector<float> before = a.grad().to_vector<float>();
  EXPECT_NEAR(clip_grad_norm({a}, 1.0), 0.5, 1e-7);
  EXPECT_EQ(a.grad().to_vector<float>(), before);
}

TEST(OptimClipGradNorm, NonFiniteNormLeavesGradientsAlone) {
  Tensor a = param({1.0, 2.0});
  set_grad(a, {std::numeric_limits<double>::infinity(), 1.0});
  EXPECT_TRUE(std::isinf(clip_grad_norm({a}, 1.0)));
  EXPECT_EQ(a.grad().to_vector<double>()[1], 1.0);
}

// ---- state export / import ----------------------------------------------------------------------

// Gradients of sum(c * p * p) = 2 c p: a deterministic problem whose grads depend on the params.
void backward_quadratic(const std::vector<Tensor>& ps, const std::vector<Tensor>& cs) {
  Tensor loss;
  for (size_t i = 0; i < ps.size(); ++i) {
    Tensor term = sum(mul(cs[i], mul(ps[i], ps[i])));
    loss = loss.defined() ? add(loss, term) : term;
  }
  loss.backward();
}

struct Problem {
  std::vector<Tensor> params, coeffs;
  explicit Problem(uint64_t seed) {
    Rng rng(seed, 3);
    for (int64_t n : {5, 3, 1}) {
      Tensor p = Tensor::normal(Shape{n}, 0.0, 1.0, rng);
      p.set_requires_grad(true);
      params.push_back(p);
      coeffs.push_back(Tensor::uniform(Shape{n}, 0.5, 1.5, rng));
    }
  }
  std::vector<ParamGroup> groups() const {
    return {ParamGroup{{params[0], params[1]}, false}, ParamGroup{{params[2]}, true}};
  }
};

template <typename Opt, typename Options>
void check_resume_is_bit_identical(Options options, const char* kind) {
  SCOPED_TRACE(kind);
  const int total = 7, split = 3;
  Problem straight(9), resumed(9);
  // Steps [from, to) of the shared schedule: lr decays by 0.1 * lr0 per step.
  auto run_steps = [&](Opt& opt, Problem& p, int from, int to) {
    for (int s = from; s < to; ++s) {
      opt.zero_grad();
      backward_quadratic(p.params, p.coeffs);
      opt.set_lr(options.lr * (1.0 - 0.1 * s));
      opt.step();
    }
  };
  Opt a(straight.groups(), options);
  run_steps(a, straight, 0, total);
  OptimizerState saved;
  std::vector<Tensor> saved_params;
  {
    Opt b(resumed.groups(), options);
    run_steps(b, resumed, 0, split);
    saved = b.state();
    EXPECT_EQ(saved.kind, kind);
    EXPECT_EQ(saved.step, static_cast<uint64_t>(split));
  }
  // A fresh optimizer over the same parameters, restored from the exported state.
  Opt c(resumed.groups(), options);
  c.load_state(saved);
  run_steps(c, resumed, split, total);
  for (size_t i = 0; i < straight.params.size(); ++i) {
    EXPECT_EQ(straight.params[i].to_vector<float>(), resumed.params[i].to_vector<float>())
        << "param " << i;
  }
  EXPECT_EQ(c.steps(), static_cast<uint64_t>(total));
}

TEST(OptimState, SgdResumeIsBitIdentical) {
  check_resume_is_bit_identical<Sgd>(SgdOptions{0.05, 0.9, true, 1e-3}, "sgd");
}
TEST(OptimState, AdamWResumeIsBitIdentical) {
  check_resume_is_bit_identical<AdamW>(AdamWOptions{0.05, 0.9, 0.99, 1e-8, 0.01}, "adamw");
}
TEST(OptimState, LarsResumeIsBitIdentical) {
  check_resume_is_bit_identical<Lars>(LarsOptions{0.5, 0.9, false, 1e-4, 0.01, {}}, "lars");
}

TEST(OptimState, ExportNamesAndCopies) {
  Tensor a = param({1.0, 2.0}), b = param({3.0});
  AdamW opt({a, b}, AdamWOptions{});
  set_grad(a, {0.1, 0.2});
  opt.step();
  OptimizerState s = opt.state();
  ASSERT_EQ(s.tensors.size(), 2u);  // b has had no update: no buffers yet
  EXPECT_EQ(s.tensors[0].first, "param.0.exp_avg");
  EXPECT_EQ(s.tensors[1].first, "param.0.exp_avg_sq");
  EXPECT_EQ(s.counters.size(), 2u);
  // The export is a copy: stepping again does not change it.
  std::vector<double> m = s.tensors[0].second.to_vector<double>();
  opt.step();
  EXPECT_EQ(s.tensors[0].second.to_vector<double>(), m);
}

TEST(OptimState, LoadStateListsEveryProblem) {
  Tensor a = param({1.0, 2.0}), b = param({3.0});
  AdamW opt({a, b}, AdamWOptions{});
  OptimizerState s;
  s.kind = "sgd";
  s.counters["param.0.step"] = 1;  // but no exp_avg / exp_avg_sq for param 0
  s.counters["param.7.step"] = 1;  // no such parameter; param.1.step missing
  s.tensors.emplace_back("param.1.exp_avg", Tensor::zeros(Shape{2}, DType::f64));  // wrong shape
  s.tensors.emplace_back("param.0.velocity", Tensor::zeros(Shape{2}, DType::f64));
  try {
    opt.load_state(s);
    FAIL() << "load_state accepted a broken state";
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    for (const char* needle :
         {"kind is 'sgd'", "unexpected counter 'param.7.step'", "missing counter 'param.1.step'",
          "'param.1.exp_avg' is f64[2]", "unexpected tensor 'param.0.velocity'",
          "missing tensor 'param.0.exp_avg'", "missing tensor 'param.0.exp_avg_sq'"}) {
      EXPECT_NE(msg.find(needle), std::string::npos) << "no '" << needle << "' in:\n" << msg;
    }
  }
  EXPECT_EQ(opt.steps(), 0u);  // unchanged
}

// ---- backends -----------------------------------------------------------------------------------

// Five steps of an optimizer on a problem whose sizes span several CUDA blocks and grids (and a
// one-element parameter), with clipping, run in f64 on the CPU and in f32 on `device`.
struct BackendCase {
  const char* name;
  std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)> make;
  double clip = 0;  // clip_grad_norm before each step when > 0
};

std::vector<Tensor> run_backend_case(const BackendCase& c, DType dtype, Device device) {
  Rng rng(21, 4);
  std::vector<Tensor> params, coeffs;
  for (int64_t n : {70001, 300, 1}) {
    Tensor p = Tensor::normal(Shape{n}, 0.0, 1.0, rng).to(DType::f32).to(dtype).to(device);
    p.set_requires_grad(true);
    params.push_back(p);
    coeffs.push_back(Tensor::uniform(Shape{n}, 0.5, 1.5, rng).to(DType::f32).to(dtype).to(device));
  }
  auto opt = c.make({ParamGroup{{params[0], params[1]}, false}, ParamGroup{{params[2]}, true}});
  for (int s = 0; s < 5; ++s) {
    opt->zero_grad();
    backward_quadratic(params, coeffs);
    if (c.clip > 0) clip_grad_norm(*opt, c.clip);
    opt->step();
  }
  return params;
}

const BackendCase kBackendCases[] = {
    {"sgd_nesterov_wd",
     [](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
       return std::make_unique<Sgd>(std::move(g), SgdOptions{0.05, 0.9, true, 1e-3});
     }},
    {"adamw",
     [](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
       return std::make_unique<AdamW>(std::move(g), AdamWOptions{0.01, 0.9, 0.99, 1e-8, 0.05});
     }},
    {"adamw_clipped",
     [](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
       return std::make_unique<AdamW>(std::move(g), AdamWOptions{0.01, 0.9, 0.99, 1e-8, 0.05});
     },
     1.0},
    {"lars_simclr",
     [](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
       return std::make_unique<Lars>(std::move(g), LarsOptions{0.5, 0.9, false, 1e-4, 0.01, {}});
     }},
    {"lars_paper_nesterov",
     [](std::vector<ParamGroup> g) -> std::unique_ptr<Optimizer> {
       return std::make_unique<Lars>(
           std::move(g), LarsOptions{0.5, 0.9, true, 1e-4, 0.01, LarsTrustRatio::kPaper});
     }},
};

class OptimBackends
    : public ::testing::TestWithParam<std::tuple<BackendCase, std::pair<const char*, Device>>> {};

TEST_P(OptimBackends, MatchFloat64OnTheCpu) {
  const auto& [c, backend] = GetParam();
  if (backend.second == Device::CUDA && !cuda_available()) {
    GTEST_SKIP() << "no usable GPU (" << cuda_unavailable_reason() << "): CUDA row not run";
  }
  const auto want = run_backend_case(c, DType::f64, Device::CPU);
  const auto got = run_backend_case(c, DType::f32, backend.second);
  for (size_t i = 0; i < want.size(); ++i) {
    // Five f32 steps of element-wise updates (and, for LARS/clipping, f64-accumulated norms):
    // a few f32 roundings of O(1) values per step, so the bound is absolute at the parameters'
    // scale (an updated element near 0 carries the rounding of the O(1) terms it came from).
    const auto g = got[i].to(Device::CPU).to_vector<double>();
    const auto w = want[i].to_vector<double>();
    ASSERT_EQ(g.size(), w.size());
    double worst = 0;
    size_t at = 0;
    for (size_t k = 0; k < w.size(); ++k) {
      const double err = std::fabs(g[k] - w[k]) / (1.0 + std::fabs(w[k]));
      if (err > worst) worst = err, at = k;
    }
    EXPECT_LE(worst, 2e-6) << c.name << " param " << i << " element " << at << ": " << g[at]
                           << " vs f64 " << w[at];
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, OptimBackends,
    ::testing::Combine(::testing::ValuesIn(kBackendCases),
                       ::testing::Values(std::make_pair("cpu_f32", Device::CPU),
                                         std::make_pair("cuda_f32", Device::CUDA))),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).name) + "_" + std::get<1>(info.param).first;
    });

// ---- sums of squares (clipping and LARS norms) -------------------------------------------------

// Terms of several sizes (0, 1, one block, several blocks) in `dtype` on `device`, from a fixed
// seed: plain, decayed and decayed with weight decay 0.
std::vector<SquareSumTerm> square_terms(DType dtype, Device device) {
  Rng rng(11);
  std::vector<SquareSumTerm> terms;
  for (int64_t n : {0, 1, 300, 70001}) {
    Tensor x = Tensor::normal(Shape{n}, 0.0, 1.0, rng, dtype).to(device);
    Tensor p = Tensor::normal(Shape{n}, 0.0, 2.0, rng, dtype).to(device);
    terms.push_back({x, Tensor(), 0.0});
    terms.push_back({x, p, 0.01});
    terms.push_back({x, p, 0.0});
  }
  return terms;
}

template <typename T>
double one_term_cpu(const SquareSumTerm& t) {
  const int64_t n = t.x.numel();
  if (t.decay_with.defined() && t.weight_decay != 0) {
    return kernels::decayed_sum_squares_cpu<T>(t.x.data<T>(), t.decay_with.data<T>(), n,
                                               t.weight_decay);
  }
  return kernels::sum_squares_cpu<T>(t.x.data<T>(), n);
}

TEST(SumsOfSquares, EqualOneTensorAtATimeOnTheCpu) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const std::vector<SquareSumTerm> terms = square_terms(dtype, Device::CPU);
    const std::vector<double> got = sums_of_squares(terms);
    ASSERT_EQ(got.size(), terms.size());
    for (size_t i = 0; i < terms.size(); ++i) {
      const double want =
          dtype == DType::f32 ? one_term_cpu<float>(terms[i]) : one_term_cpu<double>(terms[i]);
      EXPECT_EQ(got[i], want) << "term " << i << " " << dtype_name(dtype);  // bit for bit
    }
    EXPECT_GT(got[3 * 3], 0.0);  // the largest plain term is not empty
  }
}

TEST(SumsOfSquares, KernelWritesTheSumWhereItIsTold) {
  const std::vector<float> g{1.0f, -2.0f, 3.0f}, p{10.0f, 20.0f, 30.0f};
  double out = -1.0;
  kernels::sum_squares_to_cpu<float>(g.data(), nullptr, 3, 0.0, &out);
  EXPECT_EQ(out, 14.0);
  kernels::sum_squares_to_cpu<float>(g.data(), p.data(), 3, 0.5, &out);  // (6, 8, 18)
  EXPECT_EQ(out, 36.0 + 64.0 + 324.0);
  EXPECT_THROW(kernels::sum_squares_to_cpu<float>(g.data(), nullptr, 3, 0.0, nullptr),
               std::invalid_argument);
}

TEST(SumsOfSquares, RejectsADecayTensorOfAnotherShape) {
  const std::string err = acl::testing::error_of([] {
    sums_of_squares({{Tensor::ones(Shape{3}), Tensor::ones(Shape{4}), 0.1}});
  });
  EXPECT_NE(err.find("sums_of_squares"), std::string::npos) << err;
  EXPECT_NE(err.find("decay_with"), std::string::npos) << err;
}

// CUDA twins: the same sums as the CPU's f32 kernels (double accumulation in another order), every
// term read back with one host wait.
TEST(SumsOfSquares, CudaMatchesTheCpuWithOneHostWait) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  const std::vector<SquareSumTerm> cpu = square_terms(DType::f32, Device::CPU);
  const std::vector<SquareSumTerm> gpu = square_terms(DType::f32, Device::CUDA);
  const std::vector<double> want = sums_of_squares(cpu);
  const uint64_t before = host_sync_count();
  const std::vector<double> got = sums_of_squares(gpu);
  EXPECT_EQ(host_sync_count() - before, 1u);
  expect_near_all(got, want, 1e-12, "sums_of_squares cuda vs cpu");
}

TEST(SumsOfSquares, CudaClippingAndLarsWaitOncePerCall) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device";
  Rng rng(5);
  std::vector<Tensor> params;
  for (int64_t n : {7, 300, 4096}) {
    Tensor p = Tensor::normal(Shape{n}, 0.0, 1.0, rng).to(Device::CUDA);
    p.set_requires_grad(true);
    p.impl().grad = Tensor::normal(Shape{n}, 0.0, 1.0, rng).to(Device::CUDA).impl_ptr();
    params.push_back(p);
  }
  uint64_t before = host_sync_count();
  const double norm = clip_grad_norm(params, 0.5);
  EXPECT_EQ(host_sync_count() - before, 1u);
  EXPECT_GT(norm, 0.5);
  Lars opt(params, LarsOptions{});
  before = host_sync_count();
  opt.step();
  EXPECT_EQ(host_sync_count() - before, 1u);
  for (size_t i = 0; i < params.size(); ++i) EXPECT_GT(opt.last_trust_ratio(i), 0.0) << i;
}

}  // namespace
}  // namespace acl
