// acl_bench: microbenchmarks of the CUDA kernels on the encoders' shapes.
//
// For every (kernel, shape) it first checks the CUDA kernel against its CPU twin on the same shape
// with a batch of 2 (a full-batch CPU reference would take minutes), then times the full shape:
// warm-up launches, then repetitions each preceded by an L2 flush (a memset of a buffer twice the
// L2 size, outside the timed region) and timed with CUDA events on the compute stream. It prints
// the median time, the achieved GB/s (minimum traffic: every input read once, every output written
// once) and TFLOP/s, and their fractions of the device's peaks (bandwidth from the memory clock and
// bus width; FP32 from SMs x FP32 lanes x 2 x SM clock).
//
//   acl_bench [--filter conv1d] [--reps 10] [--warmup 2]
//
// Without a usable GPU (or in a CPU-only build) it says so and exits 0.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/device_select.h"

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

#include "engine/cuda/cuda_check.h"
#include "engine/cuda/device_info.h"
#include "engine/cuda/stream.h"
#include "engine/rng.h"
#include "engine/tensor.h"
#include "kernels/batchnorm.h"
#include "kernels/conv1d.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/normalize.h"
#include "kernels/pooling.h"
#include "kernels/softmax.h"

namespace {

using acl::Device;
using acl::DType;
using acl::Shape;
using acl::Tensor;

struct Peaks {
  double gbs = 0;     // memory bandwidth, 1e9 B/s
  double tflops = 0;  // FP32 FMA throughput, 1e12 FLOP/s
};

Peaks device_peaks(const acl::CudaDeviceInfo& info, int device) {
  int clock_khz = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
  // FP32 lanes per SM: 64 on sm_80 (A100), 128 on sm_86 and newer (incl. sm_90).
  const int lanes = info.sm_major == 8 && info.sm_minor == 0 ? 64 : 128;
  Peaks p;
  p.gbs = info.peak_memory_bandwidth_gbs;
  p.tflops = 2.0 * info.multiprocessors * lanes * clock_khz * 1e3 / 1e12;
  return p;
}

Tensor random_cuda(const Shape& s, uint64_t seed, bool positive = false) {
  acl::Rng rng(seed, 0);
  Tensor t = positive ? Tensor::uniform(s, 0.5, 1.5, rng) : Tensor::normal(s, 0, 1, rng);
  return t.to(Device::CUDA);
}

// max |got - ref| / (max |ref|) over two host vectors.
double rel_error(const std::vector<float>& got, const std::vector<float>& ref) {
  double scale = 0, worst = 0;
  for (float v : ref) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < ref.size(); ++i) {
    double e = std::fabs(static_cast<double>(got[i]) - ref[i]);
    if (!(e <= worst)) worst = e;  // NaN-safe
  }
  return scale > 0 ? worst / scale : worst;
}

// One timed case: `prepare(batch)` allocates inputs for a batch size and returns the launcher;
// `check()` runs the CUDA and CPU kernels at a small batch and returns the relative error.
struct Case {
  std::string name;
  double flops = 0, bytes = 0;  // per launch at the full batch
  std::function<std::function<void()>()> prepare;
  std::function<double()> check;
  double tol = 1e-4;
};

class Timer {
 public:
  // The flush buffer: twice the L2 size, at least 64 MiB.
  explicit Timer(size_t l2_bytes)
      : flush_(Tensor::empty(
            Shape{static_cast<int64_t>(std::max<size_t>(2 * l2_bytes, size_t{64} << 20) / 4)},
            DType::f32, Device::CUDA)) {}

  // Median milliseconds of `reps` launches, each after an L2 flush.
  double median_ms(const std::function<void()>& launch, int warmup, int reps) {
    cudaStream_t s = acl::compute_stream();
    for (int i = 0; i < warmup; ++i) launch();
    CUDA_CHECK(cudaStreamSynchronize(s));
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) {
      CUDA_CHECK(cudaMemsetAsync(flush_.raw_data(), i & 0xff, flush_.nbytes(), s));
      acl::CudaEvent start(true), stop(true);
      start.record(s);
      launch();
      stop.record(s);
      stop.synchronize();
      ms.push_back(stop.elapsed_ms_since(start));
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  }

 private:
  Tensor flush_;
};

// ---- conv1d ---------------------------------------------------------------------------------
struct ConvShape {
  const char* tag;
  int B, Cin, Cout, L, K, stride, pad, groups;
};

const ConvShape kConvShapes[] = {
    // resnet1d18 on 10 s at 100 Hz (L = 1000) and the 250 Hz stem (L = 2500)
    {"resnet_stem_L1000", 256, 12, 64, 1000, 15, 2, 7, 1},
    {"resnet_stem_L2500", 256, 12, 64, 2500, 15, 2, 7, 1},
    {"resnet_s1", 256, 64, 64, 250, 7, 1, 3, 1},
    {"resnet_s2_down", 256, 64, 128, 250, 7, 2, 3, 1},
    {"resnet_s2", 256, 128, 128, 125, 7, 1, 3, 1},
    {"resnet_s3", 256, 256, 256, 63, 7, 1, 3, 1},
    {"resnet_s4", 256, 512, 512, 63, 7, 1, 3, 1},
    // lead-wise VGG branches, 8 leads as groups (8-16-32-64-64 channels per lead)
    {"leadwise_b1", 256, 8, 64, 1000, 7, 1, 3, 8},
    {"leadwise_b2", 256, 64, 128, 500, 7, 1, 3, 8},
    {"leadwise_b3", 256, 128, 256, 250, 7, 1, 3, 8},
    {"leadwise_b4", 256, 256, 512, 125, 15, 1, 7, 8},
    {"leadwise_b5", 256, 512, 512, 63, 15, 1, 7, 8},
};

enum class ConvPass { forward, backward_data, backward_weight };

struct ConvTensors {
  Tensor x, w, b, dy;  // inputs
  Tensor out, out_b;   // y, dx or dw (+ db for wgrad)
};

ConvTensors conv_tensors(const ConvShape& c, ConvPass pass, int B, int Lout) {
  ConvTensors t;
  t.x = random_cuda(Shape{B, c.Cin, c.L}, 1);
  t.w = random_cuda(Shape{c.Cout, c.Cin / c.groups, c.K}, 2);
  t.b = random_cuda(Shape{c.Cout}, 3);
  t.dy = random_cuda(Shape{B, c.Cout, Lout}, 4);
  const Shape out = pass == ConvPass::forward         ? Shape{B, c.Cout, Lout}
                    : pass == ConvPass::backward_data ? t.x.shape()
                                                      : t.w.shape();
  t.out = Tensor::empty(out, DType::f32, Device::CUDA);
  t.out_b = Tensor::empty(Shape{c.Cout}, DType::f32, Device::CUDA);
  return t;
}

void launch_conv(const ConvShape& c, ConvPass pass, const ConvTensors& t, int B) {
  namespace k = acl::kernels;
  cudaStream_t s = acl::compute_stream();
  float *x = t.x.data<float>(), *w = t.w.data<float>(), *b = t.b.data<float>();
  float *dy = t.dy.data<float>(), *out = t.out.data<float>();
  if (pass == ConvPass::forward) {
    k::conv1d_forward_cuda<float>(out, x, w, b, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                  c.groups, s);
  } else if (pass == ConvPass::backward_data) {
    k::conv1d_backward_data_cuda<float>(out, dy, w, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                        c.groups, s);
  } else {
    k::conv1d_backward_weight_cuda<float>(out, t.out_b.data<float>(), dy, x, B, c.Cin, c.Cout, c.L,
                                          c.K, c.stride, c.pad, 1, c.groups, s);
  }
}

// The CPU twin's result on host copies of t's inputs.
Tensor conv_reference(const ConvShape& c, ConvPass pass, const ConvTensors& t, int B) {
  namespace k = acl::kernels;
  Tensor hx = t.x.to(Device::CPU), hw = t.w.to(Device::CPU), hb = t.b.to(Device::CPU);
  Tensor hdy = t.dy.to(Device::CPU), out = Tensor::empty(t.out.shape());
  Tensor out_b = Tensor::empty(t.out_b.shape());
  float *x = hx.data<float>(), *w = hw.data<float>(), *b = hb.data<float>();
  float *dy = hdy.data<float>(), *o = out.data<float>();
  if (pass == ConvPass::forward) {
    k::conv1d_forward_cpu<float>(o, x, w, b, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                 c.groups);
  } else if (pass == ConvPass::backward_data) {
    k::conv1d_backward_data_cpu<float>(o, dy, w, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                       c.groups);
  } else {
    k::conv1d_backward_weight_cpu<float>(o, out_b.data<float>(), dy, x, B, c.Cin, c.Cout, c.L, c.K,
                                         c.stride, c.pad, 1, c.groups);
  }
  return out;
}

void add_conv_cases(std::vector<Case>& cases) {
  const char* pass_names[] = {"fwd", "dgrad", "wgrad"};
  for (const ConvShape& c : kConvShapes) {
    const int Lout = acl::kernels::conv1d_out_length(c.L, c.K, c.stride, c.pad, 1);
    for (ConvPass pass : {ConvPass::forward, ConvPass::backward_data, ConvPass::backward_weight}) {
      Case k;
      k.name = std::string("conv1d_") + pass_names[static_cast<int>(pass)] + "/" + c.tag;
      const double B = c.B, x = B * c.Cin * c.L, y = B * c.Cout * Lout,
                   w = static_cast<double>(c.Cout) * (c.Cin / c.groups) * c.K;
      k.flops = 2.0 * y * (c.Cin / c.groups) * c.K;  // the same for the three passes
      k.bytes = 4.0 * (x + y + w);                   // each pass reads two and writes one
      k.tol = pass == ConvPass::backward_weight ? 1e-3 : 1e-4;  // wgrad sums B x Lout terms
      k.prepare = [c, pass, Lout]() -> std::function<void()> {
        auto t = std::make_shared<ConvTensors>(conv_tensors(c, pass, c.B, Lout));
        return [c, pass, t]() { launch_conv(c, pass, *t, c.B); };
      };
      k.check = [c, pass, Lout]() {
        const int B = 2;
        ConvTensors t = conv_tensors(c, pass, B, Lout);
        launch_conv(c, pass, t, B);
        return rel_error(t.out.to_vector<float>(),
                         conv_reference(c, pass, t, B).to_vector<float>());
      };
      cases.push_back(std::move(k));
    }
  }
}

// ---- the other families, on one shape each (a ResNet stage-1 activation) ---------------------
void add_other_cases(std::vector<Case>& cases) {
  namespace k = acl::kernels;
  const int B = 256, C = 64, L = 250;
  const double n = static_cast<double>(B) * C * L;
  {
    Case c;
    c.name = "relu_fwd/256x64x250";
    c.bytes = 8.0 * n;
    c.flops = n;
    struct T2 {
      Tensor x, y;
    };
    auto make = [](int b) {
      auto t = std::make_shared<T2>();
      t->x = random_cuda(Shape{b, C, L}, 5);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](T2& t) {
      k::relu_forward_cuda<float>(t.y.data<float>(), t.x.data<float>(), t.x.numel(),
                                  acl::compute_stream());
    };
    c.prepare = [make, launch]() -> std::function<void()> {
      auto t = make(B);
      return [t, launch]() { launch(*t); };
    };
    c.check = [make, launch]() {
      auto t = make(2);
      launch(*t);
      Tensor hx = t->x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      k::relu_forward_cpu<float>(hy.data<float>(), hx.data<float>(), hx.numel());
      return rel_error(t->y.to_vector<float>(), hy.to_vector<float>());
    };
    cases.push_back(c);
  }
  {
    Case c;
    c.name = "batchnorm1d_train_fwd/256x64x250";
    c.bytes = 8.0 * n;  // the minimum: one read, one write (the kernel reads x three times)
    c.flops = 6.0 * n;
    struct T3 {
      Tensor x, y, m, is;
    };
    auto make = [](int b) {
      auto t = std::make_shared<T3>();
      t->x = random_cuda(Shape{b, C, L}, 6);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      t->m = Tensor::empty(Shape{C}, DType::f32, Device::CUDA);
      t->is = Tensor::empty(Shape{C}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](T3& t, int b) {
      k::batchnorm1d_forward_train_cuda<float>(
          t.y.data<float>(), t.m.data<float>(), t.is.data<float>(), nullptr, nullptr,
          t.x.data<float>(), nullptr, nullptr, b, C, L, 0.1, 1e-5, acl::compute_stream());
    };
    c.prepare = [make, launch]() -> std::function<void()> {
      auto t = make(B);
      return [t, launch]() { launch(*t, B); };
    };
    c.check = [make, launch]() {
      auto t = make(2);
      launch(*t, 2);
      Tensor hx = t->x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      Tensor hm = Tensor::empty(Shape{C}), his = Tensor::empty(Shape{C});
      k::batchnorm1d_forward_train_cpu<float>(hy.data<float>(), hm.data<float>(), his.data<float>(),
                                              nullptr, nullptr, hx.data<float>(), nullptr, nullptr,
                                              2, C, L, 0.1, 1e-5);
      return rel_error(t->y.to_vector<float>(), hy.to_vector<float>());
    };
    cases.push_back(c);
  }
  {
    Case c;
    c.name = "max_pool1d_fwd_K3_s2_p1/256x64x250";
    const double out = static_cast<double>(B) * C * ((L + 2 - 3) / 2 + 1);
    c.bytes = 4.0 * n + 8.0 * out;
    c.flops = 2.0 * out;
    struct T2 {
      Tensor x, y, am;
    };
    auto make = [](int b) {
      auto t = std::make_shared<T2>();
      t->x = random_cuda(Shape{b, C, L}, 7);
      const int lout = k::pool1d_out_length(L, 3, 2, 1);
      t->y = Tensor::empty(Shape{b, C, lout}, DType::f32, Device::CUDA);
      t->am = Tensor::empty(Shape{b, C, lout}, DType::i32, Device::CUDA);
      return t;
    };
    auto launch = [](T2& t, int b) {
      k::max_pool1d_forward_cuda<float>(t.y.data<float>(), t.am.data<int32_t>(), t.x.data<float>(),
                                        b, C, L, 3, 2, 1, acl::compute_stream());
    };
    c.prepare = [make, launch]() -> std::function<void()> {
      auto t = make(B);
      return [t, launch]() { launch(*t, B); };
    };
    c.check = [make, launch]() {
      auto t = make(2);
      launch(*t, 2);
      Tensor hx = t->x.to(Device::CPU), hy = Tensor::empty(t->y.shape());
      Tensor ham = Tensor::empty(t->am.shape(), DType::i32);
      k::max_pool1d_forward_cpu<float>(hy.data<float>(), ham.data<int32_t>(), hx.data<float>(), 2,
                                       C, L, 3, 2, 1);
      return rel_error(t->y.to_vector<float>(), hy.to_vector<float>());
    };
    cases.push_back(c);
  }
  {
    Case c;
    const int M = 4096, N = 512, K = 512;  // a projection head over a large batch
    c.name = "gemm_4096x512x512";
    c.flops = 2.0 * M * N * K;
    c.bytes = 4.0 * (static_cast<double>(M) * K + static_cast<double>(K) * N +
                     static_cast<double>(M) * N);
    struct T3 {
      Tensor a, b, c;
    };
    auto make = [](int m) {
      auto t = std::make_shared<T3>();
      t->a = random_cuda(Shape{m, K}, 8);
      t->b = random_cuda(Shape{K, N}, 9);
      t->c = Tensor::empty(Shape{m, N}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](T3& t, int m) {
      k::gemm_cuda<float>(false, false, m, N, K, 1.0f, t.a.data<float>(), t.b.data<float>(), 0.0f,
                          t.c.data<float>(), acl::compute_stream());
    };
    c.prepare = [make, launch]() -> std::function<void()> {
      auto t = make(M);
      return [t, launch]() { launch(*t, M); };
    };
    c.check = [make, launch]() {
      auto t = make(64);
      launch(*t, 64);
      Tensor ha = t->a.to(Device::CPU), hb = t->b.to(Device::CPU), hc = Tensor::empty(Shape{64, N});
      k::gemm_cpu<float>(false, false, 64, N, K, 1.0f, ha.data<float>(), hb.data<float>(), 0.0f,
                         hc.data<float>());
      return rel_error(t->c.to_vector<float>(), hc.to_vector<float>());
    };
    cases.push_back(c);
  }
  {
    Case c;
    const int N = 65536, D = 128;  // contrastive embeddings
    c.name = "l2_normalize_fwd/65536x128";
    c.bytes = 8.0 * N * D;
    c.flops = 3.0 * N * D;
    struct T3 {
      Tensor x, y, n;
    };
    auto make = [](int rows) {
      auto t = std::make_shared<T3>();
      t->x = random_cuda(Shape{rows, D}, 10);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      t->n = Tensor::empty(Shape{rows}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](T3& t, int rows) {
      k::l2_normalize_forward_cuda<float>(t.y.data<float>(), t.n.data<float>(), t.x.data<float>(),
                                          rows, D, 1e-12, acl::compute_stream());
    };
    c.prepare = [make, launch]() -> std::function<void()> {
      auto t = make(N);
      return [t, launch]() { launch(*t, N); };
    };
    c.check = [make, launch]() {
      auto t = make(256);
      launch(*t, 256);
      Tensor hx = t->x.to(Device::CPU), hy = Tensor::empty(hx.shape()),
             hn = Tensor::empty(Shape{256});
      k::l2_normalize_forward_cpu<float>(hy.data<float>(), hn.data<float>(), hx.data<float>(), 256,
                                         D, 1e-12);
      return rel_error(t->y.to_vector<float>(), hy.to_vector<float>());
    };
    cases.push_back(c);
  }
  {
    Case c;
    const int N = 4096, Cls = 71;  // a PTB-XL-sized classifier head
    c.name = "log_softmax_fwd/4096x71";
    c.bytes = 8.0 * N * Cls;
    c.flops = 4.0 * N * Cls;
    struct T2 {
      Tensor x, y;
    };
    auto make = [](int rows) {
      auto t = std::make_shared<T2>();
      t->x = random_cuda(Shape{rows, Cls}, 11);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](T2& t, int rows) {
      k::log_softmax_forward_cuda<float>(t.y.data<float>(), t.x.data<float>(), rows, Cls,
                                         acl::compute_stream());
    };
    c.prepare = [make, launch]() -> std::function<void()> {
      auto t = make(N);
      return [t, launch]() { launch(*t, N); };
    };
    c.check = [make, launch]() {
      auto t = make(64);
      launch(*t, 64);
      Tensor hx = t->x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      k::log_softmax_forward_cpu<float>(hy.data<float>(), hx.data<float>(), 64, Cls);
      return rel_error(t->y.to_vector<float>(), hy.to_vector<float>());
    };
    cases.push_back(c);
  }
}

int run(const std::string& filter, int reps, int warmup) {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  const acl::CudaDeviceInfo info = acl::cuda_device_info(device);
  const Peaks peak = device_peaks(info, device);
  std::printf("device %d: %s, sm_%d%d, %d SMs, peak %.0f GB/s, %.1f FP32 TFLOP/s (no TF32)\n",
              device, info.name.c_str(), info.sm_major, info.sm_minor, info.multiprocessors,
              peak.gbs, peak.tflops);
  std::printf("%-44s %10s %9s %8s %9s %8s %10s\n", "kernel/shape", "median_ms", "GB/s", "%bw",
              "TFLOP/s", "%fp32", "check");
  std::vector<Case> cases;
  add_conv_cases(cases);
  add_other_cases(cases);
  Timer timer(info.l2_bytes);
  int failed = 0;
  for (const Case& c : cases) {
    if (!filter.empty() && c.name.find(filter) == std::string::npos) continue;
    const double err = c.check();
    if (!(err <= c.tol)) {
      std::printf("%-44s CHECK FAILED: relative error %.3g > %.1g against the CPU twin\n",
                  c.name.c_str(), err, c.tol);
      ++failed;
      continue;
    }
    std::function<void()> launch = c.prepare();
    const double ms = timer.median_ms(launch, warmup, reps);
    const double gbs = c.bytes / (ms * 1e-3) / 1e9, tflops = c.flops / (ms * 1e-3) / 1e12;
    std::printf("%-44s %10.4f %9.1f %7.1f%% %9.2f %7.1f%% %10.1e\n", c.name.c_str(), ms, gbs,
                100.0 * gbs / peak.gbs, tflops, 100.0 * tflops / peak.tflops, err);
    std::fflush(stdout);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace
#endif  // ACL_HAVE_CUDA

int main(int argc, char** argv) {
  CLI::App app{"acl-ecg kernel microbenchmarks (CUDA)"};
  std::string filter;
  int reps = 10, warmup = 2;
  app.add_option("--filter", filter, "only kernels whose name contains this text");
  app.add_option("--reps", reps, "timed repetitions per kernel (median reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "untimed launches first")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  if (!acl::cuda_available()) {
    std::printf("acl_bench: no usable CUDA device (%s); nothing to measure\n",
                acl::cuda_unavailable_reason().c_str());
    return 0;
  }
#ifdef ACL_HAVE_CUDA
  try {
    return run(filter, reps, warmup);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acl_bench: %s\n", e.what());
    return 1;
  }
#else
  return 0;
#endif
}
