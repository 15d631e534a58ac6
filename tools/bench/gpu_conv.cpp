// conv1d on the GPU: acl's kernels, and cuDNN as the yardstick (ACL_HAVE_CUDNN). acl rows are
// checked against the CPU twin at batch 2 (a full-batch CPU reference would take minutes); cuDNN
// rows against acl's CUDA output on the same full-batch inputs, cudnn_fp32 (CUDNN_FMA_MATH, strict
// FP32) at the FP32 tolerance and cudnn_tf32 (CUDNN_DEFAULT_MATH, TF32 tensor cores allowed) at
// kTf32Tolerance. The convolutions have no bias (the encoders' have none), in every
// implementation.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <cuda_runtime.h>

#include "kernels/conv1d.h"
#include "kernels/runtime/cuda_check.h"
#include "kernels/runtime/stream.h"
#include "tools/bench/conv_cases.h"
#include "tools/bench/gpu_cases.h"
#ifdef ACL_HAVE_CUDNN
#include "tools/bench/bench_cudnn_conv.h"
#endif

namespace acl::bench {
namespace {

struct ConvTensors {
  Tensor x, w, dy;  // inputs (the pass reads two of them)
  Tensor out;       // y, dx or dw
};

ConvTensors conv_tensors(const ConvShape& c, ConvPass pass, int B) {
  ConvTensors t;
  t.x = random_cuda(Shape{B, c.Cin, c.L}, 1);
  t.w = random_cuda(Shape{c.Cout, c.Cin / c.groups, c.K}, 2);
  t.dy = random_cuda(Shape{B, c.Cout, conv_out_length(c)}, 4);
  t.out = Tensor::empty(conv_out_shape(c, pass, B), DType::f32, Device::CUDA);
  return t;
}

void launch_conv(const ConvShape& c, ConvPass pass, const ConvTensors& t, int B) {
  namespace k = acl::kernels;
  cudaStream_t s = acl::compute_stream();
  const float *x = t.x.data<float>(), *w = t.w.data<float>(), *dy = t.dy.data<float>();
  float* out = t.out.data<float>();
  if (pass == ConvPass::forward) {
    k::conv1d_forward_cuda(out, x, w, nullptr, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                           c.groups, s);
  } else if (pass == ConvPass::backward_data) {
    k::conv1d_backward_data_cuda(out, dy, w, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad, 1,
                                 c.groups, s);
  } else {
    k::conv1d_backward_weight_cuda(out, nullptr, dy, x, B, c.Cin, c.Cout, c.L, c.K, c.stride, c.pad,
                                   1, c.groups, s);
  }
}

// The CPU twin's result on host copies of t's inputs.
std::vector<float> conv_reference(const ConvShape& c, ConvPass pass, const ConvTensors& t, int B) {
  const Tensor hx = t.x.to(Device::CPU), hw = t.w.to(Device::CPU), hdy = t.dy.to(Device::CPU);
  Tensor out = Tensor::empty(t.out.shape());
  conv_cpu<float>(c, pass, B, out.data<float>(), hx.data<float>(), hw.data<float>(),
                  hdy.data<float>());
  return out.to_vector<float>();
}

Case conv_case(const ConvShape& c, ConvPass pass, int B) {
  Case k;
  k.kernel = std::string("conv1d_") + pass_name(pass);
  k.shape = c.tag;
  k.dims = conv_dims(c, B);
  k.flops = conv_flops(c, B);
  k.bytes = conv_bytes(c, B);
  k.tol = fp32_tolerance(pass);
  return k;
}

#ifdef ACL_HAVE_CUDNN
CudnnConvPass cudnn_pass(ConvPass p) {
  return p == ConvPass::forward         ? CudnnConvPass::forward
         : p == ConvPass::backward_data ? CudnnConvPass::backward_data
                                        : CudnnConvPass::backward_filter;
}

// cuDNN on full-batch inputs, checked against acl's CUDA kernel on the same inputs.
Case cudnn_conv_case(const ConvShape& c, ConvPass pass, int B, CudnnMath math,
                     const CudnnHandlePtr& handle) {
  Case k = conv_case(c, pass, B);
  k.impl = math == CudnnMath::fp32 ? "cudnn_fp32" : "cudnn_tf32";
  k.tf32 = math == CudnnMath::tf32;
  if (math == CudnnMath::tf32) k.tol = kTf32Tolerance;
  k.check_ref = "acl_cuda";
  k.prepare = [c, pass, B, math, handle]() {
    auto t = std::make_shared<ConvTensors>(conv_tensors(c, pass, B));
    launch_conv(c, pass, *t, B);
    const std::vector<float> ours = t->out.to_vector<float>();
    Conv1dGeometry g;
    g.B = B;
    g.Cin = c.Cin;
    g.Cout = c.Cout;
    g.L = c.L;
    g.K = c.K;
    g.stride = c.stride;
    g.pad = c.pad;
    g.dil = 1;
    g.groups = c.groups;
    Conv1dBuffers buf;
    buf.x = t->x.data<float>();
    buf.w = t->w.data<float>();
    buf.dy = t->dy.data<float>();
    buf.out = t->out.data<float>();
    auto conv = std::make_shared<CudnnConv1d>(*handle, g, cudnn_pass(pass), math, buf);
    CUDA_CHECK(cudaMemsetAsync(t->out.raw_data(), 0xff, t->out.nbytes(), acl::compute_stream()));
    conv->launch();  // over a NaN-filled output: an unwritten element fails the check
    Prepared p;
    p.error = rel_error(t->out.to_vector<float>(), ours);
    p.note = conv->describe();
    p.launch = [t, conv, handle]() { conv->launch(); };
    return p;
  };
  return k;
}
#endif  // ACL_HAVE_CUDNN

}  // namespace

CudnnHandlePtr cudnn_rows([[maybe_unused]] const Options& o) {
#ifdef ACL_HAVE_CUDNN
  if (o.no_cudnn) {
    std::printf("cuDNN rows off (--no-cudnn)\n");
    return nullptr;
  }
  auto cudnn = std::make_shared<CudnnHandle>(acl::compute_stream());
  std::printf("%s; cudnn_fp32 = %s, cudnn_tf32 = %s%s\n", cudnn_version_string().c_str(),
              cudnn_math_label(CudnnMath::fp32), cudnn_math_label(CudnnMath::tf32),
              std::getenv("NVIDIA_TF32_OVERRIDE") != nullptr
                  ? " (NVIDIA_TF32_OVERRIDE is set: it overrides the TF32 choice)"
                  : "");
  return cudnn;
#else
  std::printf("cuDNN rows off: this build has no cuDNN (ACL_BENCH_CUDNN=OFF)\n");
  return nullptr;
#endif
}

void add_conv_cases(std::vector<Case>& cases, const Options& o,
                    [[maybe_unused]] const CudnnHandlePtr& cudnn) {
  for (const ConvShape& c : conv_shapes()) {
    const int B = conv_batch(c, o.batch);
    for (ConvPass pass : kConvPasses) {
      Case k = conv_case(c, pass, B);
      auto make = [c, pass](int n) {
        return std::make_shared<ConvTensors>(conv_tensors(c, pass, n));
      };
      auto launch = [c, pass](const ConvTensors& t, int n) { launch_conv(c, pass, t, n); };
      auto check = [c, pass](const ConvTensors& t, int n) {
        return rel_error(t.out.to_vector<float>(), conv_reference(c, pass, t, n));
      };
      k.prepare = checked(B, std::min(B, 2), make, launch, check);
      cases.push_back(std::move(k));
#ifdef ACL_HAVE_CUDNN
      if (cudnn) {
        cases.push_back(cudnn_conv_case(c, pass, B, CudnnMath::fp32, cudnn));
        cases.push_back(cudnn_conv_case(c, pass, B, CudnnMath::tf32, cudnn));
      }
#endif
    }
  }
}

}  // namespace acl::bench
