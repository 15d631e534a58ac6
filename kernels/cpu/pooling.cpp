// Pooling on the CPU: direct loops over each window (K is small), one pass per output row.
//   max_pool1d forward: out = max of the in-range window elements (padding is -inf and never
//     wins; pad <= K/2 guarantees each window holds a real element), argmax = its index.
//     NaN propagates (first NaN wins); ties keep the first index, like PyTorch.
//   max_pool1d backward: grad_in = 0, then grad_in[argmax] += grad_out (overlapping windows add).
//   avg_pool1d: window sums in double, divided by K (count_include_pad=True); backward spreads
//     grad_out / K over the in-range window positions (grad_in is zeroed first).
//   global_avg_pool1d: row means summed in double; backward broadcasts grad_out / L.
// All outputs are written (=). Checks and window arithmetic: kernels/pooling_shared.h. Rows
// (b, c) are independent and split over threads (kernels/cpu/parallel.h).
#include "kernels/pooling.h"

#include <algorithm>
#include <string>

#include "kernels/cpu/parallel.h"
#include "kernels/pooling_shared.h"

namespace acl::kernels {

using namespace pooling_detail;

namespace {
// Rows of `per` elements that make one thread's minimum share.
inline int64_t row_grain(int64_t per) {
  constexpr int64_t kGrainElems = 16384;
  return per >= kGrainElems ? 1 : kGrainElems / (per > 0 ? per : 1);
}
}  // namespace

int pool1d_out_length(int L, int K, int stride, int pad) {
  return out_length("pool1d", L, K, stride, pad);
}

template <typename T>
void max_pool1d_forward_cpu(T* out, int32_t* argmax, const T* in, int B, int C, int L, int K,
                            int stride, int pad) {
  const int Lout = check_max_pool1d_forward(out, argmax, in, B, C, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  if (K == 2 && stride == 2 && pad == 0) {  // the encoders' pooling: a branch-free pair select
    cpu::parallel_for(rows, row_grain(L), [=](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* x = in + r * L;
        T* y = out + r * Lout;
        int32_t* am = argmax + r * Lout;
        // window_argmax on two elements: b wins when a is not NaN and (b > a or b is NaN). Without
        // NaNs that is b > a (a vectorisable select); a row holding a NaN is redone exactly.
        int nan_seen = 0;
        for (int lo = 0; lo < Lout; ++lo) {
          const T a = x[2 * lo], b = x[2 * lo + 1];
          const int second = b > a;
          y[lo] = second ? b : a;
          am[lo] = 2 * lo + second;
          nan_seen |= (a != a) | (b != b);
        }
        if (nan_seen) {
          for (int lo = 0; lo < Lout; ++lo) {
            const int best_i = window_argmax(x, 2 * lo, 2 * lo + 2);
            y[lo] = x[best_i];
            am[lo] = best_i;
          }
        }
      }
    });
    return;
  }
  cpu::parallel_for(rows, row_grain(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* x = in + r * L;
      for (int lo = 0; lo < Lout; ++lo) {
        int lb, le;
        window_bounds(lo, K, stride, pad, L, &lb, &le);
        const int best_i = window_argmax(x, lb, le);
        out[r * Lout + lo] = x[best_i];
        argmax[r * Lout + lo] = best_i;
      }
    }
  });
}

template <typename T>
void max_pool1d_backward_cpu(T* grad_in, const T* grad_out, const int32_t* argmax, int B, int C,
                             int L, int Lout) {
  check_max_pool1d_backward(grad_in, grad_out, argmax, B, C, L, Lout);
  const int64_t rows = static_cast<int64_t>(B) * C;
  cpu::parallel_for(rows, row_grain(L), [=](int64_t r0, int64_t r1) {
    std::fill(grad_in + r0 * L, grad_in + r1 * L, T(0));
    for (int64_t r = r0; r < r1; ++r) {
      T* dx = grad_in + r * L;
      const T* dy = grad_out + r * Lout;
      const int32_t* am = argmax + r * Lout;
      for (int lo = 0; lo < Lout; ++lo) {
        int32_t i = am[lo];
        if (i < 0 || i >= L) {
          fail("max_pool1d_backward", "argmax[" + std::to_string(r * Lout + lo) +
                                          "]=" + std::to_string(i) +
                                          " is outside [0, L=" + std::to_string(L) + ")");
        }
        dx[i] += dy[lo];
      }
    }
  });
}

template <typename T>
void avg_pool1d_forward_cpu(T* out, const T* in, int B, int C, int L, int K, int stride, int pad) {
  const int Lout = check_avg_pool1d_forward(out, in, B, C, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  const double inv_k = 1.0 / K;
  cpu::parallel_for(rows, row_grain(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* x = in + r * L;
      for (int lo = 0; lo < Lout; ++lo) {
        int lb, le;
        window_bounds(lo, K, stride, pad, L, &lb, &le);
        out[r * Lout + lo] = static_cast<T>(window_sum<double>(x, lb, le) * inv_k);
      }
    }
  });
}

template <typename T>
void avg_pool1d_backward_cpu(T* grad_in, const T* grad_out, int B, int C, int L, int K, int stride,
                             int pad) {
  const int Lout = check_avg_pool1d_backward(grad_in, grad_out, B, C, L, K, stride, pad);
  const int64_t rows = static_cast<int64_t>(B) * C;
  const T inv_k = static_cast<T>(1.0 / K);
  cpu::parallel_for(rows, row_grain(L), [&](int64_t r0, int64_t r1) {
    std::fill(grad_in + r0 * L, grad_in + r1 * L, T(0));
    for (int64_t r = r0; r < r1; ++r) {
      T* dx = grad_in + r * L;
      const T* dy = grad_out + r * Lout;
      for (int lo = 0; lo < Lout; ++lo) {
        int lb, le;
        window_bounds(lo, K, stride, pad, L, &lb, &le);
        const T g = dy[lo] * inv_k;
        for (int i = lb; i < le; ++i) dx[i] += g;
      }
    }
  });
}

template <typename T>
void global_avg_pool1d_forward_cpu(T* out, const T* in, int rows, int L) {
  check_global_avg_pool1d_forward(out, in, rows, L);
  cpu::parallel_for(rows, row_grain(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      out[r] = static_cast<T>(window_sum<double>(in + r * L, 0, L) / L);
    }
  });
}

template <typename T>
void global_avg_pool1d_backward_cpu(T* grad_in, const T* grad_out, int rows, int L) {
  check_global_avg_pool1d_backward(grad_in, grad_out, rows, L);
  cpu::parallel_for(rows, row_grain(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T g = static_cast<T>(static_cast<double>(grad_out[r]) / L);
      std::fill(grad_in + r * L, grad_in + (r + 1) * L, g);
    }
  });
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
