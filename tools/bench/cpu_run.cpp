// acl_bench --device cpu: the conv1d, contrastive-loss and batch-norm + ReLU CPU kernels, each
// checked against float64 before it is timed; with ACL_HAVE_DNNL, oneDNN's conv1d on the same
// shapes as the yardstick (tools/bench/bench_dnnl_conv.h).
#include "tools/bench/runs.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "engine/tensor.h"
#include "kernels/batchnorm.h"
#include "kernels/contrastive.h"
#include "kernels/cpu_threads.h"
#include "kernels/elementwise.h"
#include "kernels/normalize.h"
#include "tools/bench/contrastive_cases.h"
#include "tools/bench/conv_cases.h"
#include "tools/bench/reference.h"
#include "tools/bench/report.h"
#include "tools/bench/timing.h"

#ifdef ACL_HAVE_DNNL
#include "tools/bench/bench_dnnl_conv.h"
#endif

namespace acl::bench {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// The contrastive loss on the CPU (kernels/cpu/contrastive.cpp, f32) for M <= 4096, each row
// checked against the float64 twin on the same inputs. fwd: the fused forward on zhat; bwd: the
// fused backward (after one untimed forward); fwd_bwd: l2_normalize forward, loss forward, loss
// backward, l2_normalize backward on the raw z: the engine's contrastive_loss op without its
// autograd bookkeeping.
void run_contrastive(const Options& o, Report& report, const std::string& threads) {
  namespace k = acl::kernels;
  bool said_skip = false;
  for (const ContrastiveShape& c : contrastive_shapes()) {
    const int M = contrastive_rows(c), d = c.d;
    for (LossPass pass : kLossPasses) {
      Row r;
      r.kernel = loss_kernel(pass);
      r.shape = c.tag;
      r.dims = contrastive_dims(c);
      r.impl = "acl";
      r.check_ref = "cpu_f64";
      r.tol = kContrastiveTol;
      r.note = threads;
      if (!selected(o, r.name(), r.impl)) continue;
      if (M > kContrastiveCheckRows) {
        if (!said_skip) {
          std::printf(
              "(contrastive shapes with M > %d are timed on the GPU only: the float64 "
              "check is O(M^2 d))\n",
              kContrastiveCheckRows);
          said_skip = true;
        }
        continue;
      }
      try {
        const ContrastiveInputs in = contrastive_inputs(c, c.N);
        const ContrastiveRef ref = contrastive_reference(in, pass == LossPass::forward_backward);
        const size_t md = static_cast<size_t>(M) * d;
        const double inv_tau = 1.0 / kTau;
        float loss = 0, accuracy = 0;
        int32_t anchors = 0;
        const float one = 1.0f;
        std::vector<float> lse(M), spos(M), norms(M), zn(md), gzhat(md), gz(md);
        std::vector<int32_t> pos(M), hit(M);
        auto forward = [&](const float* zhat) {
          k::contrastive_forward_cpu<float>(&loss, &accuracy, &anchors, lse.data(), pos.data(),
                                            spos.data(), hit.data(), zhat, in.ids.data(), M, d,
                                            inv_tau);
        };
        auto backward = [&](const float* zhat) {
          k::contrastive_backward_cpu<float>(gzhat.data(), &one, zhat, in.ids.data(), lse.data(),
                                             pos.data(), anchors, M, d, inv_tau);
        };
        std::function<void()> launch;
        if (pass == LossPass::forward) {
          launch = [&]() { forward(in.zhat.data()); };
        } else if (pass == LossPass::backward) {
          forward(in.zhat.data());
          launch = [&]() { backward(in.zhat.data()); };
        } else {
          launch = [&]() {
            k::l2_normalize_forward_cpu<float>(zn.data(), norms.data(), in.z.data(), M, d, 1e-12);
            forward(zn.data());
            backward(zn.data());
            k::l2_normalize_backward_cpu<float>(gz.data(), gzhat.data(), zn.data(), norms.data(), M,
                                                d, 1e-12);
          };
        }
        launch();
        std::string why;
        if (pass == LossPass::forward) {
          r.error = forward_error(ref, loss, accuracy, anchors, lse, spos, pos, &why);
        } else if (pass == LossPass::backward) {
          r.error = rel_error(gzhat, ref.grad_zhat);
        } else {
          r.error = worst_of({rel_error(std::vector<float>{loss}, std::vector<double>{ref.loss}),
                              rel_error(gz, ref.grad_z)});
        }
        if (!why.empty()) r.note = why;
        if (!(r.error <= r.tol)) {
          r.status = "check_failed";
          report.add(r);
          continue;
        }
        fill_rates(r, cpu_median_ms(launch, o.warmup, o.reps), contrastive_flops(c, pass),
                   contrastive_bytes(c, pass), kNaN, kNaN);
        r.status = "ok";
      } catch (const std::exception& e) {
        r.status = "error";
        r.note = e.what();
      }
      report.add(r);
    }
  }
}

// One conv1d row: impl "acl" (the engine's CPU kernel), "dnnl" (oneDNN on the plain layouts) or
// "dnnl_blocked" (oneDNN's preferred layouts, reorders included), checked against the float64
// reference on the same inputs, then timed.
void run_conv(const Options& o, Report& report, const ConvShape& c, ConvPass pass, int B,
              const std::string& impl, const std::string& threads) {
  Row r;
  r.kernel = std::string("conv1d_") + pass_name(pass);
  r.shape = c.tag;
  r.dims = conv_dims(c, B);
  r.impl = impl;
  r.check_ref = "cpu_f64";
  r.tol = fp32_tolerance(pass);
  r.note = threads;
  if (!selected(o, r.name(), r.impl)) return;
  try {
    acl::Rng rng(1, 0);
    const Tensor x = Tensor::normal(Shape{B, c.Cin, c.L}, 0, 1, rng);
    const Tensor w = Tensor::normal(Shape{c.Cout, c.Cin / c.groups, c.K}, 0, 1, rng);
    const Tensor dy = Tensor::normal(Shape{B, c.Cout, conv_out_length(c)}, 0, 1, rng);
    Tensor out = Tensor::empty(conv_out_shape(c, pass, B));
    std::function<void()> launch = [&]() {
      conv_cpu<float>(c, pass, B, out.data<float>(), x.data<float>(), w.data<float>(),
                      dy.data<float>());
    };
#ifdef ACL_HAVE_DNNL
    std::unique_ptr<DnnlConv> dnnl;
    if (impl != "acl") {
      dnnl = std::make_unique<DnnlConv>(
          c, pass, B, impl == "dnnl" ? DnnlLayout::plain : DnnlLayout::blocked, out.data<float>(),
          x.data<float>(), w.data<float>(), dy.data<float>());
      r.note = dnnl->describe() + "; " + threads;
      launch = [&]() { dnnl->run(); };
    }
#endif
    launch();
    r.error = rel_error(out.to_vector<float>(), conv_reference_f64(c, pass, B, x, w, dy));
    if (!(r.error <= r.tol)) {
      r.status = "check_failed";
      report.add(r);
      return;
    }
    fill_rates(r, cpu_median_ms(launch, o.warmup, o.reps), conv_flops(c, B), conv_bytes(c, B), kNaN,
               kNaN);
    r.status = "ok";
  } catch (const std::exception& e) {
    r.status = "error";
    r.note = e.what();
  }
  report.add(r);
}

// Median thread-CPU milliseconds of `reps` calls of `launch`. At one engine thread the kernels run
// on the caller, so this leaves out the time the thread waited for a core: on a machine shared
// with other work it moves less than the wall clock.
double thread_cpu_median_ms(const std::function<void()>& launch, int reps) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    timespec t0{}, t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    launch();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    ms.push_back(static_cast<double>(t1.tv_sec - t0.tv_sec) * 1e3 +
                 static_cast<double>(t1.tv_nsec - t0.tv_nsec) * 1e-6);
  }
  return median(ms);
}

// Batch norm + ReLU in training on the quickstart encoder's shapes (lead-wise 8-16-32-32 over 12
// leads, batch 64 x 2 views): impl "acl" the fused kernels (batchnorm1d_relu_*), impl
// "acl_unfused" the batch-norm kernels with relu_forward_cpu after / relu_backward_cpu before.
// fwd: forward_train; bwd: backward_train after one untimed forward. Checked against the plain
// kernels in float64 followed by ReLU. Bytes: every pass's reads and writes of (B, C, L) tensors
// (fused fwd 4, unfused 6; fused bwd 7, unfused 8). At one thread the note adds the thread-CPU
// median.
void run_batchnorm_relu(const Options& o, Report& report, const std::string& threads) {
  namespace k = acl::kernels;
  struct Shape3 {
    const char* tag;
    int C, L;
  };
  const int B = o.batch > 0 ? o.batch : 128;
  for (const Shape3& s : {Shape3{"qs_block1", 96, 250}, Shape3{"qs_block2", 192, 125},
                          Shape3{"qs_block3", 384, 62}, Shape3{"qs_block4", 384, 31}}) {
    const int C = s.C, L = s.L;
    const size_t n = static_cast<size_t>(B) * C * L;
    acl::Rng rng(3, static_cast<uint64_t>(C));
    const std::vector<float> x = Tensor::normal(Shape{B, C, L}, 0.2, 1.5, rng).to_vector<float>();
    const std::vector<float> dy = Tensor::normal(Shape{B, C, L}, 0, 1, rng).to_vector<float>();
    const std::vector<float> gamma = Tensor::uniform(Shape{C}, 0.5, 1.5, rng).to_vector<float>();
    const std::vector<float> beta = Tensor::normal(Shape{C}, 0, 0.5, rng).to_vector<float>();
    // float64 reference: plain kernels, ReLU and its mask in double.
    std::vector<double> xd(x.begin(), x.end()), dyd(dy.begin(), dy.end()),
        gd(gamma.begin(), gamma.end()), bd(beta.begin(), beta.end()), zd(n), dzd(n), dxd(n), md(C),
        isd(C);
    k::batchnorm1d_forward_train_cpu<double>(zd.data(), md.data(), isd.data(), nullptr, nullptr,
                                             xd.data(), gd.data(), bd.data(), B, C, L, 0.1, 1e-5);
    std::vector<double> yd(n);
    for (size_t i = 0; i < n; ++i) {
      yd[i] = zd[i] > 0 ? zd[i] : 0.0;
      dzd[i] = zd[i] > 0 ? dyd[i] : 0.0;
    }
    k::batchnorm1d_backward_train_cpu<double>(dxd.data(), nullptr, nullptr, dzd.data(), xd.data(),
                                              md.data(), isd.data(), gd.data(), B, C, L);
    for (bool fused : {true, false}) {
      for (bool backward : {false, true}) {
        Row r;
        r.kernel = backward ? "bn_relu_train_bwd" : "bn_relu_train_fwd";
        r.shape = s.tag;
        r.dims = "B" + std::to_string(B) + "_C" + std::to_string(C) + "_L" + std::to_string(L);
        r.impl = fused ? "acl" : "acl_unfused";
        r.check_ref = "cpu_f64";
        r.tol = 1e-5;  // per-element double arithmetic rounded once; save_* stored in f32
        r.note = threads;
        if (!selected(o, r.name(), r.impl)) continue;
        std::vector<float> y(n), z(n), dz(n), dx(n), mean(C), invstd(C), dg(C), db(C);
        auto forward = [&]() {
          if (fused) {
            k::batchnorm1d_relu_forward_train_cpu<float>(y.data(), mean.data(), invstd.data(),
                                                         nullptr, nullptr, x.data(), gamma.data(),
                                                         beta.data(), B, C, L, 0.1, 1e-5);
          } else {
            k::batchnorm1d_forward_train_cpu<float>(z.data(), mean.data(), invstd.data(), nullptr,
                                                    nullptr, x.data(), gamma.data(), beta.data(), B,
                                                    C, L, 0.1, 1e-5);
            k::relu_forward_cpu<float>(y.data(), z.data(), static_cast<int64_t>(n));
          }
        };
        auto backward_pass = [&]() {
          if (fused) {
            k::batchnorm1d_relu_backward_train_cpu<float>(
                dx.data(), dg.data(), db.data(), dy.data(), y.data(), x.data(), mean.data(),
                invstd.data(), gamma.data(), B, C, L);
          } else {
            k::relu_backward_cpu<float>(dz.data(), dy.data(), z.data(), static_cast<int64_t>(n));
            k::batchnorm1d_backward_train_cpu<float>(dx.data(), dg.data(), db.data(), dz.data(),
                                                     x.data(), mean.data(), invstd.data(),
                                                     gamma.data(), B, C, L);
          }
        };
        try {
          forward();
          std::function<void()> launch = forward;
          if (backward) {
            backward_pass();
            launch = backward_pass;
            r.error = rel_error(dx, dxd);
          } else {
            r.error = rel_error(y, yd);
          }
          if (!(r.error <= r.tol)) {
            r.status = "check_failed";
            report.add(r);
            continue;
          }
          const double passes = backward ? (fused ? 7 : 8) : (fused ? 4 : 6);
          fill_rates(r, cpu_median_ms(launch, o.warmup, o.reps), kNaN,
                     passes * static_cast<double>(n) * sizeof(float), kNaN, kNaN);
          if (k::cpu_num_threads() == 1) {
            char cpu_ms[64];
            std::snprintf(cpu_ms, sizeof(cpu_ms), "; thread CPU median %.3f ms",
                          thread_cpu_median_ms(launch, o.reps));
            r.note += cpu_ms;
          }
          r.status = "ok";
        } catch (const std::exception& e) {
          r.status = "error";
          r.note = e.what();
        }
        report.add(r);
      }
    }
  }
}

}  // namespace

int run_cpu(const Options& o) {
  const int B_default = 8;
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  const std::string threads = std::to_string(kernels::cpu_num_threads()) +
                              " thread(s) (ACL_NUM_THREADS; OpenBLAS single-threaded), "
                              "OPENBLAS_CORETYPE=" +
                              (core != nullptr ? core : "unset");
  std::printf(
      "device: cpu, %s, %s; conv1d, the contrastive loss and batch norm + ReLU, steady-clock "
      "medians, no cache flush\n",
      cpu_model().c_str(), threads.c_str());
#ifdef ACL_HAVE_DNNL
  if (!o.no_dnnl) {
    dnnl_set_num_threads(kernels::cpu_num_threads());
    std::printf(
        "conv1d yardstick: %s, %d OpenMP thread(s); rows dnnl (plain ncw layouts) and "
        "dnnl_blocked (oneDNN's layouts, reorders timed)\n",
        dnnl_version_string().c_str(), kernels::cpu_num_threads());
  }
#endif
  Report report("cpu: " + cpu_model(), o.csv);
  report.print_header();
  // The engine's rows first, then oneDNN's: the engine's pool and OpenMP's threads each keep
  // spinning a little after their last job, so interleaving them would let one wait on the other's
  // cores at more than one thread.
  std::vector<std::string> impls = {"acl"};
#ifdef ACL_HAVE_DNNL
  if (!o.no_dnnl) {
    impls.push_back("dnnl");
    impls.push_back("dnnl_blocked");
  }
#endif
  const int B = o.batch > 0 ? o.batch : B_default;
  for (const std::string& impl : impls) {
    for (const ConvShape& c : conv_shapes()) {
      for (ConvPass pass : kConvPasses) run_conv(o, report, c, pass, B, impl, threads);
    }
  }
  run_contrastive(o, report, threads);
  run_batchnorm_relu(o, report, threads);
  report.print_conv_summary();
  return report.failures() == 0 ? 0 : 1;
}

}  // namespace acl::bench
