// Pooling on the CPU: direct loops over each window (K is small), one pass per output row.
//   max_pool1d forward: out = max of the in-range window elements (padding is -inf and never
//     wins; pad <= K/2 guarantees each window holds a real element), argmax = its index.
//     NaN propagates (first NaN wins); ties keep the first index, like PyTorch.
//   max_pool1d backward: grad_in = 0, then grad_in[argmax] += grad_out (overlapping windows add).
//   avg_pool1d: window sums in double, divided by K (count_include_pad=True); backward spreads
//     grad_out / K over the in-range window positions (grad_in is zeroed first).
//   global_avg_pool1d: row means summed in double; backward broadcasts grad_out / L.
// All outputs are written (=).
#include "kernels/pooling.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace acl::kernels {

namespace {

[[noreturn]] void pool_fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

void check_bc(const char* op, int B, int C, int L) {
  if (B < 0 || C < 0 || L < 1) {
    pool_fail(op, "invalid shape B=" + std::to_string(B) + " C=" + std::to_string(C) +
                      " L=" + std::to_string(L) + " (need B >= 0, C >= 0, L >= 1)");
  }
}

// Output length; errors name `op`.
int out_length(const char* op, int L, int K, int stride, int pad) {
  const std::string geom = "L=" + std::to_string(L) + " K=" + std::to_string(K) +
                           " stride=" + std::to_string(stride) + " pad=" + std::to_string(pad);
  if (K < 1 || stride < 1 || pad < 0 || L < 0) {
    pool_fail(op, "invalid geometry " + geom + " (need K >= 1, stride >= 1, pad >= 0)");
  }
  if (pad > K / 2) {
    pool_fail(op, "pad=" + std::to_string(pad) +
                      " exceeds half the kernel K/2=" + std::to_string(K / 2) + " (" + geom + ")");
  }
  int64_t padded = static_cast<int64_t>(L) + 2 * static_cast<int64_t>(pad);
  if (padded < K) {
    pool_fail(op, "output length < 1: L + 2*pad is shorter than the kernel (" + geom + ")");
  }
  return static_cast<int>((padded - K) / stride + 1);
}

}  // namespace

int pool1d_out_length(int L, int K, int stride, int pad) {
  return out_length("pool1d", L, K, stride, pad);
}

template <typename T>
void max_pool1d_forward_cpu(T* out, int32_t* argmax, const T* in, int B, int C, int L, int K,
                            int stride, int pad) {
  const char* op = "max_pool1d";
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in + r * L;
    T* y = out + r * Lout;
    int32_t* am = argmax + r * Lout;
    for (int lo = 0; lo < Lout; ++lo) {
      int start = lo * stride - pad;
      int lb = std::max(start, 0), le = std::min(start + K, L);
      int best_i = lb;
      T best = x[lb];
      for (int i = lb + 1; i < le && !std::isnan(best); ++i) {
        T v = x[i];
        if (v > best || std::isnan(v)) {
          best = v;
          best_i = i;
        }
      }
      y[lo] = best;
      am[lo] = best_i;
    }
  }
}

template <typename T>
void max_pool1d_backward_cpu(T* grad_in, const T* grad_out, const int32_t* argmax, int B, int C,
                             int L, int Lout) {
  const char* op = "max_pool1d_backward";
  check_bc(op, B, C, L);
  if (Lout < 1) pool_fail(op, "Lout=" + std::to_string(Lout) + " must be >= 1");
  const int64_t rows = static_cast<int64_t>(B) * C;
  std::fill(grad_in, grad_in + rows * L, T(0));
  for (int64_t r = 0; r < rows; ++r) {
    T* dx = grad_in + r * L;
    const T* dy = grad_out + r * Lout;
    const int32_t* am = argmax + r * Lout;
    for (int lo = 0; lo < Lout; ++lo) {
      int32_t i = am[lo];
      if (i < 0 || i >= L) {
        pool_fail(op, "argmax[" + std::to_string(r * Lout + lo) + "]=" + std::to_string(i) +
                          " is outside [0, L=" + std::to_string(L) + ")");
      }
      dx[i] += dy[lo];
    }
  }
}

template <typename T>
void avg_pool1d_forward_cpu(T* out, const T* in, int B, int C, int L, int K, int stride, int pad) {
  const char* op = "avg_pool1d";
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  const double inv_k = 1.0 / K;
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in + r * L;
    T* y = out + r * Lout;
    for (int lo = 0; lo < Lout; ++lo) {
      int start = lo * stride - pad;
      int lb = std::max(start, 0), le = std::min(start + K, L);
      double s = 0.0;
      for (int i = lb; i < le; ++i) s += static_cast<double>(x[i]);
      y[lo] = static_cast<T>(s * inv_k);
    }
  }
}

template <typename T>
void avg_pool1d_backward_cpu(T* grad_in, const T* grad_out, int B, int C, int L, int K, int stride,
                             int pad) {
  const char* op = "avg_pool1d_backward";
  check_bc(op, B, C, L);
  const int Lout = out_length(op, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  std::fill(grad_in, grad_in + rows * L, T(0));
  const T inv_k = static_cast<T>(1.0 / K);
  for (int64_t r = 0; r < rows; ++r) {
    T* dx = grad_in + r * L;
    const T* dy = grad_out + r * Lout;
    for (int lo = 0; lo < Lout; ++lo) {
      int start = lo * stride - pad;
      int lb = std::max(start, 0), le = std::min(start + K, L);
      const T g = dy[lo] * inv_k;
      for (int i = lb; i < le; ++i) dx[i] += g;
    }
  }
}

template <typename T>
void global_avg_pool1d_forward_cpu(T* out, const T* in, int rows, int L) {
  const char* op = "global_avg_pool1d";
  if (rows < 0 || L < 1) {
    pool_fail(op, "invalid shape rows=" + std::to_string(rows) + " L=" + std::to_string(L) +
                      " (need rows >= 0, L >= 1)");
  }
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in + r * L;
    double s = 0.0;
    for (int i = 0; i < L; ++i) s += static_cast<double>(x[i]);
    out[r] = static_cast<T>(s / L);
  }
}

template <typename T>
void global_avg_pool1d_backward_cpu(T* grad_in, const T* grad_out, int rows, int L) {
  const char* op = "global_avg_pool1d_backward";
  if (rows < 0 || L < 1) {
    pool_fail(op, "invalid shape rows=" + std::to_string(rows) + " L=" + std::to_string(L) +
                      " (need rows >= 0, L >= 1)");
  }
  for (int64_t r = 0; r < rows; ++r) {
    const T g = static_cast<T>(static_cast<double>(grad_out[r]) / L);
    std::fill(grad_in + r * L, grad_in + (r + 1) * L, g);
  }
}

#define ACL_INSTANTIATE(T)                                                                       \
  template void max_pool1d_forward_cpu<T>(T*, int32_t*, const T*, int, int, int, int, int, int); \
  template void max_pool1d_backward_cpu<T>(T*, const T*, const int32_t*, int, int, int, int);    \
  template void avg_pool1d_forward_cpu<T>(T*, const T*, int, int, int, int, int, int);           \
  template void avg_pool1d_backward_cpu<T>(T*, const T*, int, int, int, int, int, int);          \
  template void global_avg_pool1d_forward_cpu<T>(T*, const T*, int, int);                        \
  template void global_avg_pool1d_backward_cpu<T>(T*, const T*, int, int);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
