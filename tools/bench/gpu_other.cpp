// The GPU kernels other than conv1d and the pretraining kernels, on one representative shape
// each, checked against their CPU twins on a smaller size.
#include "kernels/batchnorm.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/normalize.h"
#include "kernels/pooling.h"
#include "kernels/runtime/stream.h"
#include "kernels/softmax.h"
#include "tools/bench/gpu_cases.h"

namespace acl::bench {

void add_other_cases(std::vector<Case>& cases) {
  namespace k = acl::kernels;
  const int B = 256, C = 64, L = 250;  // a resnet1d18 stage-1 activation at 100 Hz
  const double n = static_cast<double>(B) * C * L;
  struct XY {
    Tensor x, y;
  };
  {
    Case c;
    c.kernel = "relu_fwd";
    c.shape = c.dims = "256x64x250";
    c.bytes = 8.0 * n;
    c.flops = n;
    auto make = [](int b) {
      auto t = std::make_shared<XY>();
      t->x = random_cuda(Shape{b, C, L}, 5);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const XY& t, int) {
      k::relu_forward_cuda(t.y.data<float>(), t.x.data<float>(), t.x.numel(),
                           acl::compute_stream());
    };
    auto check = [](const XY& t, int) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      k::relu_forward_cpu<float>(hy.data<float>(), hx.data<float>(), hx.numel());
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(B, 2, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    c.kernel = "batchnorm1d_train_fwd";
    c.shape = c.dims = "256x64x250";
    c.bytes = 8.0 * n;  // the minimum: one read, one write (the kernel reads x three times)
    c.flops = 6.0 * n;
    struct T {
      Tensor x, y, m, is;
    };
    auto make = [](int b) {
      auto t = std::make_shared<T>();
      t->x = random_cuda(Shape{b, C, L}, 6);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      t->m = Tensor::empty(Shape{C}, DType::f32, Device::CUDA);
      t->is = Tensor::empty(Shape{C}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int b) {
      k::batchnorm1d_forward_train_cuda(t.y.data<float>(), t.m.data<float>(), t.is.data<float>(),
                                        nullptr, nullptr, t.x.data<float>(), nullptr, nullptr, b, C,
                                        L, 0.1, 1e-5, acl::compute_stream());
    };
    auto check = [](const T& t, int b) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      Tensor hm = Tensor::empty(Shape{C}), his = Tensor::empty(Shape{C});
      k::batchnorm1d_forward_train_cpu<float>(hy.data<float>(), hm.data<float>(), his.data<float>(),
                                              nullptr, nullptr, hx.data<float>(), nullptr, nullptr,
                                              b, C, L, 0.1, 1e-5);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(B, 2, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    c.kernel = "max_pool1d_fwd_K3_s2_p1";
    c.shape = c.dims = "256x64x250";
    const int lout = k::pool1d_out_length(L, 3, 2, 1);
    const double out = static_cast<double>(B) * C * lout;
    c.bytes = 4.0 * n + 8.0 * out;
    c.flops = 2.0 * out;
    struct T {
      Tensor x, y, am;
    };
    auto make = [lout](int b) {
      auto t = std::make_shared<T>();
      t->x = random_cuda(Shape{b, C, L}, 7);
      t->y = Tensor::empty(Shape{b, C, lout}, DType::f32, Device::CUDA);
      t->am = Tensor::empty(Shape{b, C, lout}, DType::i32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int b) {
      k::max_pool1d_forward_cuda(t.y.data<float>(), t.am.data<int32_t>(), t.x.data<float>(), b, C,
                                 L, 3, 2, 1, acl::compute_stream());
    };
    auto check = [](const T& t, int b) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(t.y.shape());
      Tensor ham = Tensor::empty(t.am.shape(), DType::i32);
      k::max_pool1d_forward_cpu<float>(hy.data<float>(), ham.data<int32_t>(), hx.data<float>(), b,
                                       C, L, 3, 2, 1);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(B, 2, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    const int M = 4096, N = 512, K = 512;  // a projection head over a large batch
    c.kernel = "gemm";
    c.shape = c.dims = "4096x512x512";
    c.flops = 2.0 * M * N * K;
    c.bytes = 4.0 * (static_cast<double>(M) * K + static_cast<double>(K) * N +
                     static_cast<double>(M) * N);
    struct T {
      Tensor a, b, c;
    };
    auto make = [](int m) {
      auto t = std::make_shared<T>();
      t->a = random_cuda(Shape{m, K}, 8);
      t->b = random_cuda(Shape{K, N}, 9);
      t->c = Tensor::empty(Shape{m, N}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int m) {
      k::gemm_cuda(false, false, m, N, K, 1.0f, t.a.data<float>(), t.b.data<float>(), 0.0f,
                   t.c.data<float>(), acl::compute_stream());
    };
    auto check = [](const T& t, int m) {
      Tensor ha = t.a.to(Device::CPU), hb = t.b.to(Device::CPU), hc = Tensor::empty(Shape{m, N});
      k::gemm_cpu<float>(false, false, m, N, K, 1.0f, ha.data<float>(), hb.data<float>(), 0.0f,
                         hc.data<float>());
      return rel_error(t.c.to_vector<float>(), hc.to_vector<float>());
    };
    c.prepare = checked(M, 64, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    const int N = 65536, D = 128;  // contrastive embeddings
    c.kernel = "l2_normalize_fwd";
    c.shape = c.dims = "65536x128";
    c.bytes = 8.0 * N * D;
    c.flops = 3.0 * N * D;
    struct T {
      Tensor x, y, n;
    };
    auto make = [](int rows) {
      auto t = std::make_shared<T>();
      t->x = random_cuda(Shape{rows, D}, 10);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      t->n = Tensor::empty(Shape{rows}, DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const T& t, int rows) {
      k::l2_normalize_forward_cuda(t.y.data<float>(), t.n.data<float>(), t.x.data<float>(), rows, D,
                                   1e-12, acl::compute_stream());
    };
    auto check = [](const T& t, int rows) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape()),
             hn = Tensor::empty(Shape{rows});
      k::l2_normalize_forward_cpu<float>(hy.data<float>(), hn.data<float>(), hx.data<float>(), rows,
                                         D, 1e-12);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(N, 256, make, launch, check);
    cases.push_back(c);
  }
  {
    Case c;
    const int N = 4096, Cls = 71;  // a PTB-XL-sized classifier head
    c.kernel = "log_softmax_fwd";
    c.shape = c.dims = "4096x71";
    c.bytes = 8.0 * N * Cls;
    c.flops = 4.0 * N * Cls;
    auto make = [](int rows) {
      auto t = std::make_shared<XY>();
      t->x = random_cuda(Shape{rows, Cls}, 11);
      t->y = Tensor::empty(t->x.shape(), DType::f32, Device::CUDA);
      return t;
    };
    auto launch = [](const XY& t, int rows) {
      k::log_softmax_forward_cuda(t.y.data<float>(), t.x.data<float>(), rows, Cls,
                                  acl::compute_stream());
    };
    auto check = [](const XY& t, int rows) {
      Tensor hx = t.x.to(Device::CPU), hy = Tensor::empty(hx.shape());
      k::log_softmax_forward_cpu<float>(hy.data<float>(), hx.data<float>(), rows, Cls);
      return rel_error(t.y.to_vector<float>(), hy.to_vector<float>());
    };
    c.prepare = checked(N, 64, make, launch, check);
    cases.push_back(c);
  }
}

}  // namespace acl::bench
