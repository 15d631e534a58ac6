#include "kernels/elementwise.h"

#include <cmath>

#include "kernels/cpu/parallel.h"

// Elementwise loops split over threads (kernels/cpu/parallel.h): each index writes only itself,
// so the split never changes a result.
namespace acl::kernels {

namespace {
constexpr int64_t kGrain = 32768;  // elements one thread takes on at least
}  // namespace

template <typename T>
void add_cpu(T* out, const T* a, const T* b, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = a[i] + b[i];
  });
}
template <typename T>
void sub_cpu(T* out, const T* a, const T* b, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = a[i] - b[i];
  });
}
template <typename T>
void mul_cpu(T* out, const T* a, const T* b, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = a[i] * b[i];
  });
}
template <typename T>
void scale_cpu(T* out, const T* x, T s, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = s * x[i];
  });
}
template <typename T>
void axpy_cpu(T* y, const T* x, T alpha, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] += alpha * x[i];
  });
}
template <typename T>
void fill_cpu(T* out, T value, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = value;
  });
}

template <typename T>
void relu_forward_cpu(T* out, const T* x, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T v = x[i];
      out[i] = v > T(0) ? v : T(0);
    }
  });
}
template <typename T>
void relu_backward_cpu(T* grad_in, const T* grad_out, const T* x, int64_t n) {
  cpu::parallel_for(n, kGrain, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T g = grad_out[i];
      grad_in[i] = x[i] > T(0) ? g : T(0);
    }
  });
}

namespace {
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
}  // namespace

template <typename T>
void gelu_forward_cpu(T* out, const T* x, int64_t n) {
  cpu::parallel_for(n, kGrain / 8, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      T v = x[i];
      out[i] = v * T(0.5) * (T(1) + std::erf(v * T(kInvSqrt2)));
    }
  });
}
template <typename T>
void gelu_backward_cpu(T* grad_in, const T* grad_out, const T* x, int64_t n) {
  cpu::parallel_for(n, kGrain / 8, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      T v = x[i];
      T cdf = T(0.5) * (T(1) + std::erf(v * T(kInvSqrt2)));
      T pdf = T(kInvSqrt2Pi) * std::exp(T(-0.5) * v * v);
      grad_in[i] = grad_out[i] * (cdf + v * pdf);
    }
  });
}

#define ACL_INSTANTIATE(T)                                             \
  template void add_cpu<T>(T*, const T*, const T*, int64_t);           \
  template void sub_cpu<T>(T*, const T*, const T*, int64_t);           \
  template void mul_cpu<T>(T*, const T*, const T*, int64_t);           \
  template void scale_cpu<T>(T*, const T*, T, int64_t);                \
  template void axpy_cpu<T>(T*, const T*, T, int64_t);                 \
  template void fill_cpu<T>(T*, T, int64_t);                           \
  template void relu_forward_cpu<T>(T*, const T*, int64_t);            \
  template void relu_backward_cpu<T>(T*, const T*, const T*, int64_t); \
  template void gelu_forward_cpu<T>(T*, const T*, int64_t);            \
  template void gelu_backward_cpu<T>(T*, const T*, const T*, int64_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
