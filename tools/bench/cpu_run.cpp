// acl_bench --device cpu: the conv1d and contrastive-loss CPU kernels, each checked against
// float64 before it is timed; with ACL_HAVE_DNNL, oneDNN's conv1d on the same shapes as the
// yardstick (tools/bench/bench_dnnl_conv.h).
#include "tools/bench/runs.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "engine/tensor.h"
#include "kernels/contrastive.h"
#include "kernels/cpu_threads.h"
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

}  // namespace

int run_cpu(const Options& o) {
  const int B_default = 8;
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  const std::string threads = std::to_string(kernels::cpu_num_threads()) +
                              " thread(s) (ACL_NUM_THREADS; OpenBLAS single-threaded), "
                              "OPENBLAS_CORETYPE=" +
                              (core != nullptr ? core : "unset");
  std::printf(
      "device: cpu, %s, %s; conv1d and the contrastive loss, steady-clock medians, no cache "
      "flush\n",
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
  report.print_conv_summary();
  return report.failures() == 0 ? 0 : 1;
}

}  // namespace acl::bench
