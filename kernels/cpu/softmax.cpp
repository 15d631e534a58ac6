#include "kernels/softmax.h"

#include <cmath>
#include <string>

#include "kernels/runtime/kernel_error.h"

namespace acl::kernels {
namespace {

template <typename T>
double row_logsumexp(const T* row, int C) {
  double m = -INFINITY;
  for (int c = 0; c < C; ++c) m = std::max(m, static_cast<double>(row[c]));
  double s = 0.0;
  for (int c = 0; c < C; ++c) s += std::exp(static_cast<double>(row[c]) - m);
  return m + std::log(s);
}

void check_target(int32_t t, int i, int C) {
  if (t < 0 || t >= C) {
    fail("cross_entropy", "targets[" + std::to_string(i) + "] = " + std::to_string(t) +
                              " is outside [0, " + std::to_string(C) + ")");
  }
}

}  // namespace

template <typename T>
void log_softmax_forward_cpu(T* out, const T* x, int N, int C) {
  for (int i = 0; i < N; ++i) {
    const T* row = x + static_cast<int64_t>(i) * C;
    double lse = row_logsumexp(row, C);
    for (int c = 0; c < C; ++c) out[static_cast<int64_t>(i) * C + c] = static_cast<T>(row[c] - lse);
  }
}

template <typename T>
void log_softmax_backward_cpu(T* grad_in, const T* grad_out, const T* out, int N, int C) {
  for (int i = 0; i < N; ++i) {
    int64_t base = static_cast<int64_t>(i) * C;
    double s = 0.0;
    for (int c = 0; c < C; ++c) s += grad_out[base + c];
    for (int c = 0; c < C; ++c)
      grad_in[base + c] =
          static_cast<T>(grad_out[base + c] - std::exp(static_cast<double>(out[base + c])) * s);
  }
}

template <typename T>
void cross_entropy_forward_cpu(T* loss, T* lse, const T* logits, const int32_t* targets, int N,
                               int C) {
  double total = 0.0;
  for (int i = 0; i < N; ++i) {
    check_target(targets[i], i, C);
    const T* row = logits + static_cast<int64_t>(i) * C;
    double l = row_logsumexp(row, C);
    lse[i] = static_cast<T>(l);
    total += l - static_cast<double>(row[targets[i]]);
  }
  loss[0] = static_cast<T>(N > 0 ? total / N : 0.0);
}

template <typename T>
void cross_entropy_backward_cpu(T* grad_logits, const T* grad_loss, const T* logits, const T* lse,
                                const int32_t* targets, int N, int C) {
  double g = N > 0 ? static_cast<double>(grad_loss[0]) / N : 0.0;
  for (int i = 0; i < N; ++i) {
    int64_t base = static_cast<int64_t>(i) * C;
    for (int c = 0; c < C; ++c) {
      double p = std::exp(static_cast<double>(logits[base + c]) - static_cast<double>(lse[i]));
      grad_logits[base + c] = static_cast<T>(g * (p - (c == targets[i] ? 1.0 : 0.0)));
    }
  }
}

template <typename T>
void bce_with_logits_forward_cpu(T* loss, const T* x, const T* y, int64_t n) {
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double v = x[i];
    total += std::max(v, 0.0) - v * static_cast<double>(y[i]) + std::log1p(std::exp(-std::fabs(v)));
  }
  loss[0] = static_cast<T>(n > 0 ? total / static_cast<double>(n) : 0.0);
}

template <typename T>
void bce_with_logits_backward_cpu(T* grad_x, const T* grad_loss, const T* x, const T* y,
                                  int64_t n) {
  double g = n > 0 ? static_cast<double>(grad_loss[0]) / static_cast<double>(n) : 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double v = x[i];
    double sig = v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
    grad_x[i] = static_cast<T>(g * (sig - static_cast<double>(y[i])));
  }
}

#define ACL_INSTANTIATE(T)                                                                      \
  template void log_softmax_forward_cpu<T>(T*, const T*, int, int);                             \
  template void log_softmax_backward_cpu<T>(T*, const T*, const T*, int, int);                  \
  template void cross_entropy_forward_cpu<T>(T*, T*, const T*, const int32_t*, int, int);       \
  template void cross_entropy_backward_cpu<T>(T*, const T*, const T*, const T*, const int32_t*, \
                                              int, int);                                        \
  template void bce_with_logits_forward_cpu<T>(T*, const T*, const T*, int64_t);                \
  template void bce_with_logits_backward_cpu<T>(T*, const T*, const T*, const T*, int64_t);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
