// Batch norm on the CPU over x viewed as (B, C, L); channel c of sample b is the contiguous row
// x[b, c, :]. Per-channel sums go to double accumulators indexed by c in one sweep over the
// tensor (row-major order, so (B, C) inputs with L = 1 also stream).
//   train forward: two passes for the statistics (mean, then sum of squared deviations: no
//     cancellation for channels with a large mean), a third writes out = (x - mean) * s + beta
//     with s = gamma * invstd, in double per element.
//   train backward, with xhat = (x - mean) * invstd and sums over the channel's n = B*L values:
//     grad_beta = sum dy, grad_gamma = sum dy * xhat,
//     grad_in = gamma * invstd * (dy - grad_beta / n - xhat * grad_gamma / n).
//   eval backward (statistics are constants): grad_in = dy * gamma * invstd,
//     grad_gamma = sum dy * (x - running_mean) * invstd, grad_beta = sum dy.
// All outputs are written (=); the running buffers are updated in place.
#include "kernels/batchnorm.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace acl::kernels {

namespace {

[[noreturn]] void bn_fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

void check_shape(const char* op, int B, int C, int L, double eps) {
  if (B < 0 || C < 0 || L < 1) {
    bn_fail(op, "invalid shape B=" + std::to_string(B) + " C=" + std::to_string(C) +
                    " L=" + std::to_string(L) + " (need B >= 0, C >= 0, L >= 1)");
  }
  if (!(eps >= 0.0)) bn_fail(op, "eps=" + std::to_string(eps) + " must be >= 0");
}

int64_t train_count(const char* op, int B, int C, int L) {
  int64_t n = static_cast<int64_t>(B) * L;
  if (n < 2) {
    bn_fail(op, "training needs more than one value per channel, got B=" + std::to_string(B) +
                    " L=" + std::to_string(L) + " (B*L=" + std::to_string(n) +
                    ") for C=" + std::to_string(C) + " channels");
  }
  return n;
}

template <typename T>
std::vector<double> widen(const T* p, int C) {
  std::vector<double> v;
  if (p) v.assign(p, p + C);
  return v;
}

// out = (x - mean[c]) * scale[c] + shift[c], in double per element.
template <typename T>
void apply_affine(T* out, const T* in, const std::vector<double>& mean,
                  const std::vector<double>& scale, const std::vector<double>& shift, int B, int C,
                  int L) {
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      const int64_t base = (static_cast<int64_t>(b) * C + c) * L;
      const double m = mean[c], s = scale[c], t = shift[c];
      for (int l = 0; l < L; ++l) {
        out[base + l] = static_cast<T>((static_cast<double>(in[base + l]) - m) * s + t);
      }
    }
  }
}

}  // namespace

template <typename T>
void batchnorm1d_forward_train_cpu(T* out, T* save_mean, T* save_invstd, T* running_mean,
                                   T* running_var, const T* in, const T* gamma, const T* beta,
                                   int B, int C, int L, double momentum, double eps) {
  const char* op = "batchnorm1d_forward_train";
  check_shape(op, B, C, L, eps);
  const int64_t n = train_count(op, B, C, L);
  std::vector<double> mean(C, 0.0), sq(C, 0.0);
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      const T* x = in + (static_cast<int64_t>(b) * C + c) * L;
      double s = 0.0;
      for (int l = 0; l < L; ++l) s += static_cast<double>(x[l]);
      mean[c] += s;
    }
  }
  for (int c = 0; c < C; ++c) mean[c] /= static_cast<double>(n);
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      const T* x = in + (static_cast<int64_t>(b) * C + c) * L;
      const double m = mean[c];
      double s = 0.0;
      for (int l = 0; l < L; ++l) {
        double d = static_cast<double>(x[l]) - m;
        s += d * d;
      }
      sq[c] += s;
    }
  }
  std::vector<double> scale(C), shift(C);
  for (int c = 0; c < C; ++c) {
    const double var = sq[c] / static_cast<double>(n);
    const double invstd = 1.0 / std::sqrt(var + eps);
    scale[c] = (gamma ? static_cast<double>(gamma[c]) : 1.0) * invstd;
    shift[c] = beta ? static_cast<double>(beta[c]) : 0.0;
    save_mean[c] = static_cast<T>(mean[c]);
    save_invstd[c] = static_cast<T>(invstd);
    if (running_mean) {
      running_mean[c] = static_cast<T>((1.0 - momentum) * static_cast<double>(running_mean[c]) +
                                       momentum * mean[c]);
    }
    if (running_var) {
      const double unbiased = sq[c] / static_cast<double>(n - 1);
      running_var[c] = static_cast<T>((1.0 - momentum) * static_cast<double>(running_var[c]) +
                                      momentum * unbiased);
    }
  }
  apply_affine(out, in, mean, scale, shift, B, C, L);
}

template <typename T>
void batchnorm1d_forward_eval_cpu(T* out, const T* in, const T* running_mean, const T* running_var,
                                  const T* gamma, const T* beta, int B, int C, int L, double eps) {
  const char* op = "batchnorm1d_forward_eval";
  check_shape(op, B, C, L, eps);
  if (!running_mean || !running_var) bn_fail(op, "eval mode needs running_mean and running_var");
  std::vector<double> mean(C), scale(C), shift(C);
  for (int c = 0; c < C; ++c) {
    mean[c] = static_cast<double>(running_mean[c]);
    const double invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
    scale[c] = (gamma ? static_cast<double>(gamma[c]) : 1.0) * invstd;
    shift[c] = beta ? static_cast<double>(beta[c]) : 0.0;
  }
  apply_affine(out, in, mean, scale, shift, B, C, L);
}

template <typename T>
void batchnorm1d_backward_train_cpu(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                    const T* in, const T* save_mean, const T* save_invstd,
                                    const T* gamma, int B, int C, int L) {
  const char* op = "batchnorm1d_backward_train";
  check_shape(op, B, C, L, 0.0);
  const double n = static_cast<double>(train_count(op, B, C, L));
  std::vector<double> mean = widen(save_mean, C), invstd = widen(save_invstd, C);
  std::vector<double> sdy(C, 0.0), sdyx(C, 0.0);  // sum dy, sum dy * xhat
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      const int64_t base = (static_cast<int64_t>(b) * C + c) * L;
      const double m = mean[c], is = invstd[c];
      double s0 = 0.0, s1 = 0.0;
      for (int l = 0; l < L; ++l) {
        const double dy = static_cast<double>(grad_out[base + l]);
        s0 += dy;
        s1 += dy * (static_cast<double>(in[base + l]) - m) * is;
      }
      sdy[c] += s0;
      sdyx[c] += s1;
    }
  }
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      const int64_t base = (static_cast<int64_t>(b) * C + c) * L;
      const double m = mean[c], is = invstd[c],
                   k = (gamma ? static_cast<double>(gamma[c]) : 1.0) * is;
      const double mdy = sdy[c] / n, mdyx = sdyx[c] / n;
      for (int l = 0; l < L; ++l) {
        const double xhat = (static_cast<double>(in[base + l]) - m) * is;
        grad_in[base + l] =
            static_cast<T>(k * (static_cast<double>(grad_out[base + l]) - mdy - xhat * mdyx));
      }
    }
  }
  for (int c = 0; c < C; ++c) {
    if (grad_gamma) grad_gamma[c] = static_cast<T>(sdyx[c]);
    if (grad_beta) grad_beta[c] = static_cast<T>(sdy[c]);
  }
}

template <typename T>
void batchnorm1d_backward_eval_cpu(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                   const T* in, const T* running_mean, const T* running_var,
                                   const T* gamma, int B, int C, int L, double eps) {
  const char* op = "batchnorm1d_backward_eval";
  check_shape(op, B, C, L, eps);
  if (!running_mean || !running_var) bn_fail(op, "eval mode needs running_mean and running_var");
  const bool param_grads = grad_gamma || grad_beta;
  std::vector<double> invstd(C), sdy(C, 0.0), sdyx(C, 0.0);
  for (int c = 0; c < C; ++c) {
    invstd[c] = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps);
  }
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      const int64_t base = (static_cast<int64_t>(b) * C + c) * L;
      const double is = invstd[c], k = (gamma ? static_cast<double>(gamma[c]) : 1.0) * is;
      const double m = static_cast<double>(running_mean[c]);
      double s0 = 0.0, s1 = 0.0;
      for (int l = 0; l < L; ++l) {
        const double dy = static_cast<double>(grad_out[base + l]);
        grad_in[base + l] = static_cast<T>(dy * k);
        if (param_grads) {
          s0 += dy;
          s1 += dy * (static_cast<double>(in[base + l]) - m) * is;
        }
      }
      sdy[c] += s0;
      sdyx[c] += s1;
    }
  }
  for (int c = 0; c < C; ++c) {
    if (grad_gamma) grad_gamma[c] = static_cast<T>(sdyx[c]);
    if (grad_beta) grad_beta[c] = static_cast<T>(sdy[c]);
  }
}

#define ACL_INSTANTIATE(T)                                                                         \
  template void batchnorm1d_forward_train_cpu<T>(T*, T*, T*, T*, T*, const T*, const T*, const T*, \
                                                 int, int, int, double, double);                   \
  template void batchnorm1d_forward_eval_cpu<T>(T*, const T*, const T*, const T*, const T*,        \
                                                const T*, int, int, int, double);                  \
  template void batchnorm1d_backward_train_cpu<T>(T*, T*, T*, const T*, const T*, const T*,        \
                                                  const T*, const T*, int, int, int);              \
  template void batchnorm1d_backward_eval_cpu<T>(T*, T*, T*, const T*, const T*, const T*,         \
                                                 const T*, const T*, int, int, int, double);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
