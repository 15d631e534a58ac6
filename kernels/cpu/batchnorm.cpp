// Batch norm on the CPU over x viewed as (B, C, L); channel c of sample b is the contiguous row
// x[b, c, :]. Per-channel sums go to double accumulators: a row is summed in kLanes interleaved
// partial sums (position l goes to lane l % kLanes; independent chains the compiler keeps in
// vector registers), the lanes are added in a fixed tree, and each row's sum is added to its
// channel's accumulator in increasing b. The order is fixed by the shape, so the result is the same
// whether channels run one after another or spread over threads (kernels/cpu/parallel.h: every
// pass splits by rows; the row sums are then added per channel).
//   train forward: two passes for the statistics (mean, then sum of squared deviations: no
//     cancellation for channels with a large mean), a third writes out = (x - mean) * s + beta
//     with s = gamma * invstd, in double per element.
//   train backward, with xhat = (x - mean) * invstd and sums over the channel's n = B*L values:
//     grad_beta = sum dy, grad_gamma = sum dy * xhat,
//     grad_in = gamma * invstd * (dy - grad_beta / n - xhat * grad_gamma / n).
//   eval backward (statistics are constants): grad_in = dy * gamma * invstd,
//     grad_gamma = sum dy * (x - running_mean) * invstd, grad_beta = sum dy.
//   fused ReLU (batchnorm1d_relu_*): the forward passes write max(out, 0) from the same double
//     value; the backward passes read dy * [y > 0] (y the fused output) wherever the plain ones
//     read dy, in the sums and in the per-element pass, so no separate ReLU pass runs and the
//     results equal the plain kernels around relu_forward_cpu / relu_backward_cpu bit for bit.
// All outputs are written (=); the running buffers are updated in place. Checks and per-element
// arithmetic: kernels/batchnorm_shared.h.
#include "kernels/batchnorm.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/batchnorm_shared.h"
#include "kernels/cpu/parallel.h"

namespace acl::kernels {

using namespace batchnorm_detail;

namespace {

// Minimum elements one thread takes on.
constexpr int64_t kGrainElems = 16384;

// Channels or rows of `per` elements each that make one thread's minimum share.
inline int64_t grain_of(int64_t per) {
  return per >= kGrainElems ? 1 : kGrainElems / (per > 0 ? per : 1);
}

constexpr int kLanes = 8;

// The per-row loops are compiled for AVX-512, AVX2 and the baseline ISA, picked at run time
// (GCC function multiversioning). Every version performs the same IEEE operations in the same
// order (no FMA contraction: ISO C++ mode), so results do not depend on the machine. Sanitizer
// builds keep the baseline version only: an ifunc resolver runs during relocation, before the
// sanitizer runtime it is instrumented for has started.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(ACL_SANITIZE_BUILD)
#define ACL_BN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ACL_BN_CLONES
#endif

// kLanes doubles as one GCC/Clang vector value: lane j of a partial sum is one independent chain.
typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));
typedef float LanesF __attribute__((vector_size(kLanes * sizeof(float))));

// *v = p[0, kLanes) widened to double (through memory: no vector crosses a call boundary).
inline void load_lanes(Lanes* v, const double* p) {
  std::memcpy(v, p, sizeof(*v));
}
inline void load_lanes(Lanes* v, const float* p) {
  LanesF f;
  std::memcpy(&f, p, sizeof(f));
  *v = __builtin_convertvector(f, Lanes);
}

// The kLanes partial sums added in a fixed tree.
inline double lane_total(const Lanes& a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// sum_l x[l] in double.
template <typename T>
ACL_BN_CLONES double row_sum(const T* x, int L) {
  Lanes a = {};
  int l = 0;
  for (; l + kLanes <= L; l += kLanes) {
    Lanes v;
    load_lanes(&v, x + l);
    a += v;
  }
  for (int j = 0; l < L; ++l, ++j) a[j] += static_cast<double>(x[l]);
  return lane_total(a);
}

// sum_l (x[l] - m)^2 in double.
template <typename T>
ACL_BN_CLONES double row_sum_sq_dev(const T* x, int L, double m) {
  Lanes a = {};
  int l = 0;
  for (; l + kLanes <= L; l += kLanes) {
    Lanes d;
    load_lanes(&d, x + l);
    d -= m;
    a += d * d;
  }
  for (int j = 0; l < L; ++l, ++j) {
    const double d = static_cast<double>(x[l]) - m;
    a[j] += d * d;
  }
  return lane_total(a);
}

// *d = dy[l0, l0 + kLanes) widened to double; with Relu, masked by the fused output y
// (bn_relu_grad lane by lane: the compiler turns the fixed-length loop into a vector compare and
// select).
template <bool Relu, typename T>
inline void load_dy(Lanes* d, const T* dy, const T* y, int l0) {
  load_lanes(d, dy + l0);
  if constexpr (Relu) {
    Lanes v;
    load_lanes(&v, y + l0);
    for (int j = 0; j < kLanes; ++j) (*d)[j] = bn_relu_grad((*d)[j], v[j]);
  }
}

// bn_relu and bn_relu_grad for one double as a bit select: all bits of `value` where `keep`, else
// all bits 0 (+0). The same values as the ternaries of kernels/batchnorm_shared.h, which a scalar
// loop compiles to a branch the data decides (a row's tail, shorter than kLanes).
inline double keep_if(double value, bool keep) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  bits &= -static_cast<uint64_t>(keep);
  std::memcpy(&value, &bits, sizeof(bits));
  return value;
}
inline double relu_scalar(double v) {
  return keep_if(v, v > 0.0);
}

// dy[l] widened to double; with Relu, masked by y[l] (bn_relu_grad).
template <bool Relu, typename T>
inline double dy_at(const T* dy, const T* y, int l) {
  const double d = static_cast<double>(dy[l]);
  if constexpr (Relu) return keep_if(d, static_cast<double>(y[l]) > 0.0);
  return d;
}

// sum_l dy[l] and sum_l dy[l] * xhat[l] in double (xhat = (x - m) * is, as bn_dy_xhat); dy masked
// by y with Relu.
template <bool Relu, typename T>
ACL_BN_CLONES void row_grad_sums(const T* dy, const T* y, const T* x, int L, double m, double is,
                                 double* s0, double* s1) {
  Lanes a = {}, b = {};
  int l = 0;
  for (; l + kLanes <= L; l += kLanes) {
    Lanes d, v;
    load_dy<Relu>(&d, dy, y, l);
    load_lanes(&v, x + l);
    a += d;
    b += d * (v - m) * is;
  }
  for (int j = 0; l < L; ++l, ++j) {
    const double d = dy_at<Relu>(dy, y, l);
    a[j] += d;
    b[j] += bn_dy_xhat(d, static_cast<double>(x[l]), m, is);
  }
  *s0 = lane_total(a);
  *s1 = lane_total(b);
}

// p[0, kLanes) = v narrowed to T (each lane rounded as static_cast<T> rounds it).
inline void store_lanes(double* p, const Lanes& v) {
  std::memcpy(p, &v, sizeof(v));
}
inline void store_lanes(float* p, const Lanes& v) {
  const LanesF f = __builtin_convertvector(v, LanesF);
  std::memcpy(p, &f, sizeof(f));
}

// y[l] = bn_normalize(x[l], m, s, t) in double (then bn_relu with Relu), kLanes at a time.
template <bool Relu, typename T>
ACL_BN_CLONES void row_normalize(T* y, const T* x, int L, double m, double s, double t) {
  int l = 0;
  for (; l + kLanes <= L; l += kLanes) {
    Lanes v;
    load_lanes(&v, x + l);
    v = (v - m) * s + t;
    if constexpr (Relu) {
      for (int j = 0; j < kLanes; ++j) v[j] = bn_relu(v[j]);
    }
    store_lanes(y + l, v);
  }
  for (; l < L; ++l) {
    double v = bn_normalize(static_cast<double>(x[l]), m, s, t);
    if constexpr (Relu) v = relu_scalar(v);
    y[l] = static_cast<T>(v);
  }
}

// dx[l] = bn_backward_train(dy[l], x[l], ...) in double, kLanes at a time; dy masked by y with
// Relu.
template <bool Relu, typename T>
ACL_BN_CLONES void row_backward_train(T* dx, const T* dy, const T* y, const T* x, int L, double m,
                                      double is, double k, double mdy, double mdyx) {
  int l = 0;
  for (; l + kLanes <= L; l += kLanes) {
    Lanes d, v;
    load_dy<Relu>(&d, dy, y, l);
    load_lanes(&v, x + l);
    const Lanes xhat = (v - m) * is;
    store_lanes(dx + l, k * (d - mdy - xhat * mdyx));
  }
  for (; l < L; ++l) {
    dx[l] = static_cast<T>(
        bn_backward_train(dy_at<Relu>(dy, y, l), static_cast<double>(x[l]), m, is, k, mdy, mdyx));
  }
}

template <typename T>
std::vector<double> widen(const T* p, int C) {
  std::vector<double> v;
  if (p) v.assign(p, p + C);
  return v;
}

// out = (x - mean[c]) * scale[c] + shift[c] (then ReLU with Relu), in double per element.
template <bool Relu, typename T>
void apply_affine(T* out, const T* in, const std::vector<double>& mean,
                  const std::vector<double>& scale, const std::vector<double>& shift, int B, int C,
                  int L) {
  cpu::parallel_for(static_cast<int64_t>(B) * C, grain_of(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int c = static_cast<int>(r % C);
      const T* x = in + r * L;
      T* y = out + r * L;
      row_normalize<Relu>(y, x, L, mean[c], scale[c], shift[c]);
    }
  });
}

// acc[c] += sum over b of row_value(r, c), r = b * C + c the row (b, c): the rows are visited in
// memory order (split over threads by rows: sequential streams the hardware prefetches, where a
// channel's rows lie C * L apart) into per_row (B * C), then each channel adds its rows' values
// in increasing b, the order (and so the bits) of summing channel by channel.
template <typename RowValue>
void channel_sums_by_rows(std::vector<double>& acc, std::vector<double>& per_row, int B, int C,
                          int L, RowValue row_value) {
  cpu::parallel_for(static_cast<int64_t>(B) * C, grain_of(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) per_row[r] = row_value(r, static_cast<int>(r % C));
  });
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) acc[c] += per_row[static_cast<int64_t>(b) * C + c];
  }
}

// Per-channel sum dy (sdy) and sum dy * xhat (sdyx) over the channel's values, added into the
// accumulators; grad_in_eval (or nullptr) receives dy * k[c] on the way. With Relu, dy is
// grad_out masked by the fused output y. The rows are read in memory order (split over threads
// by rows: sequential streams the hardware prefetches, where a channel's rows lie C * L apart),
// each row's two sums kept; then each channel adds its rows' sums in increasing b, the order
// (and so the bits) of summing channel by channel.
template <bool Relu, typename T>
void channel_grad_sums(std::vector<double>& sdy, std::vector<double>& sdyx, T* grad_in_eval,
                       const std::vector<double>* k, const T* grad_out, const T* y, const T* in,
                       const std::vector<double>& mean, const std::vector<double>& invstd, int B,
                       int C, int L, bool sums) {
  const int64_t rows = static_cast<int64_t>(B) * C;
  std::vector<double> row_dy(sums ? rows : 0), row_dyx(sums ? rows : 0);
  cpu::parallel_for(rows, grain_of(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int c = static_cast<int>(r % C);
      const int64_t base = r * L;
      const T* yr = Relu ? y + base : nullptr;
      if (grad_in_eval) {
        const double kc = (*k)[c];
        for (int l = 0; l < L; ++l) {
          grad_in_eval[base + l] = static_cast<T>(dy_at<Relu>(grad_out + base, yr, l) * kc);
        }
      }
      if (sums) {
        row_grad_sums<Relu>(grad_out + base, yr, in + base, L, mean[c], invstd[c], &row_dy[r],
                            &row_dyx[r]);
      }
    }
  });
  if (!sums) return;
  for (int b = 0; b < B; ++b) {
    for (int c = 0; c < C; ++c) {
      sdy[c] += row_dy[static_cast<int64_t>(b) * C + c];
      sdyx[c] += row_dyx[static_cast<int64_t>(b) * C + c];
    }
  }
}

template <typename T>
void write_param_grads(T* grad_gamma, T* grad_beta, const std::vector<double>& sdyx,
                       const std::vector<double>& sdy, int C) {
  for (int c = 0; c < C; ++c) {
    if (grad_gamma) grad_gamma[c] = static_cast<T>(sdyx[c]);
    if (grad_beta) grad_beta[c] = static_cast<T>(sdy[c]);
  }
}

template <bool Relu, typename T>
void forward_train(T* out, T* save_mean, T* save_invstd, T* running_mean, T* running_var,
                   const T* in, const T* gamma, const T* beta, int B, int C, int L, double momentum,
                   double eps) {
  const int64_t n = check_forward_train(out, save_mean, save_invstd, in, B, C, L, eps, Relu);
  std::vector<double> mean(C, 0.0), sq(C, 0.0), per_row(static_cast<size_t>(B) * C);
  channel_sums_by_rows(mean, per_row, B, C, L,
                       [&](int64_t r, int) { return row_sum(in + r * L, L); });
  for (int c = 0; c < C; ++c) mean[c] /= static_cast<double>(n);
  channel_sums_by_rows(sq, per_row, B, C, L,
                       [&](int64_t r, int c) { return row_sum_sq_dev(in + r * L, L, mean[c]); });
  std::vector<double> scale(C), shift(C);
  for (int c = 0; c < C; ++c) {
    const double invstd = bn_invstd(sq[c] / static_cast<double>(n), eps);
    scale[c] = bn_scale(gamma, c, invstd);
    shift[c] = bn_shift<double>(beta, c);
    save_mean[c] = static_cast<T>(mean[c]);
    save_invstd[c] = static_cast<T>(invstd);
    if (running_mean) {
      running_mean[c] = static_cast<T>(
          bn_running_update(static_cast<double>(running_mean[c]), momentum, mean[c]));
    }
    if (running_var) {
      running_var[c] = static_cast<T>(bn_running_update(static_cast<double>(running_var[c]),
                                                        momentum, bn_unbiased_var(sq[c], n)));
    }
  }
  apply_affine<Relu>(out, in, mean, scale, shift, B, C, L);
}

template <bool Relu, typename T>
void forward_eval(T* out, const T* in, const T* running_mean, const T* running_var, const T* gamma,
                  const T* beta, int B, int C, int L, double eps) {
  check_forward_eval(out, in, running_mean, running_var, B, C, L, eps, Relu);
  std::vector<double> mean(C), scale(C), shift(C);
  for (int c = 0; c < C; ++c) {
    mean[c] = static_cast<double>(running_mean[c]);
    scale[c] = bn_scale(gamma, c, bn_invstd(static_cast<double>(running_var[c]), eps));
    shift[c] = bn_shift<double>(beta, c);
  }
  apply_affine<Relu>(out, in, mean, scale, shift, B, C, L);
}

// y: the fused forward's output with Relu (checked by the caller), unused without.
template <bool Relu, typename T>
void backward_train(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out, const T* y,
                    const T* in, const T* save_mean, const T* save_invstd, const T* gamma, int B,
                    int C, int L) {
  const double n = static_cast<double>(B) * L;
  std::vector<double> mean = widen(save_mean, C), invstd = widen(save_invstd, C);
  std::vector<double> sdy(C, 0.0), sdyx(C, 0.0);  // sum dy, sum dy * xhat
  channel_grad_sums<Relu, T>(sdy, sdyx, nullptr, nullptr, grad_out, y, in, mean, invstd, B, C, L,
                             true);
  cpu::parallel_for(static_cast<int64_t>(B) * C, grain_of(L), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int c = static_cast<int>(r % C);
      const T* dy = grad_out + r * L;
      const T* yr = Relu ? y + r * L : nullptr;
      const T* x = in + r * L;
      T* dx = grad_in + r * L;
      const double m = mean[c], is = invstd[c], k = bn_scale(gamma, c, is);
      const double mdy = sdy[c] / n, mdyx = sdyx[c] / n;
      row_backward_train<Relu>(dx, dy, yr, x, L, m, is, k, mdy, mdyx);
    }
  });
  write_param_grads(grad_gamma, grad_beta, sdyx, sdy, C);
}

// y: as backward_train.
template <bool Relu, typename T>
void backward_eval(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out, const T* y,
                   const T* in, const T* running_mean, const T* running_var, const T* gamma, int B,
                   int C, int L, double eps) {
  std::vector<double> mean = widen(running_mean, C), invstd(C), k(C), sdy(C, 0.0), sdyx(C, 0.0);
  for (int c = 0; c < C; ++c) {
    invstd[c] = bn_invstd(static_cast<double>(running_var[c]), eps);
    k[c] = bn_scale(gamma, c, invstd[c]);
  }
  channel_grad_sums<Relu>(sdy, sdyx, grad_in, &k, grad_out, y, in, mean, invstd, B, C, L,
                          grad_gamma || grad_beta);
  write_param_grads(grad_gamma, grad_beta, sdyx, sdy, C);
}

}  // namespace

template <typename T>
void batchnorm1d_forward_train_cpu(T* out, T* save_mean, T* save_invstd, T* running_mean,
                                   T* running_var, const T* in, const T* gamma, const T* beta,
                                   int B, int C, int L, double momentum, double eps) {
  forward_train<false>(out, save_mean, save_invstd, running_mean, running_var, in, gamma, beta, B,
                       C, L, momentum, eps);
}

template <typename T>
void batchnorm1d_forward_eval_cpu(T* out, const T* in, const T* running_mean, const T* running_var,
                                  const T* gamma, const T* beta, int B, int C, int L, double eps) {
  forward_eval<false>(out, in, running_mean, running_var, gamma, beta, B, C, L, eps);
}

template <typename T>
void batchnorm1d_backward_train_cpu(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                    const T* in, const T* save_mean, const T* save_invstd,
                                    const T* gamma, int B, int C, int L) {
  check_backward_train(grad_in, grad_out, in, save_mean, save_invstd, B, C, L);
  backward_train<false, T>(grad_in, grad_gamma, grad_beta, grad_out, nullptr, in, save_mean,
                           save_invstd, gamma, B, C, L);
}

template <typename T>
void batchnorm1d_backward_eval_cpu(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                   const T* in, const T* running_mean, const T* running_var,
                                   const T* gamma, int B, int C, int L, double eps) {
  check_backward_eval(grad_in, grad_out, in, running_mean, running_var, B, C, L, eps);
  backward_eval<false, T>(grad_in, grad_gamma, grad_beta, grad_out, nullptr, in, running_mean,
                          running_var, gamma, B, C, L, eps);
}

template <typename T>
void batchnorm1d_relu_forward_train_cpu(T* out, T* save_mean, T* save_invstd, T* running_mean,
                                        T* running_var, const T* in, const T* gamma, const T* beta,
                                        int B, int C, int L, double momentum, double eps) {
  forward_train<true>(out, save_mean, save_invstd, running_mean, running_var, in, gamma, beta, B, C,
                      L, momentum, eps);
}

template <typename T>
void batchnorm1d_relu_forward_eval_cpu(T* out, const T* in, const T* running_mean,
                                       const T* running_var, const T* gamma, const T* beta, int B,
                                       int C, int L, double eps) {
  forward_eval<true>(out, in, running_mean, running_var, gamma, beta, B, C, L, eps);
}

template <typename T>
void batchnorm1d_relu_backward_train_cpu(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                         const T* out, const T* in, const T* save_mean,
                                         const T* save_invstd, const T* gamma, int B, int C,
                                         int L) {
  check_relu_backward_train(grad_in, grad_out, out, in, save_mean, save_invstd, B, C, L);
  backward_train<true>(grad_in, grad_gamma, grad_beta, grad_out, out, in, save_mean, save_invstd,
                       gamma, B, C, L);
}

template <typename T>
void batchnorm1d_relu_backward_eval_cpu(T* grad_in, T* grad_gamma, T* grad_beta, const T* grad_out,
                                        const T* out, const T* in, const T* running_mean,
                                        const T* running_var, const T* gamma, int B, int C, int L,
                                        double eps) {
  check_relu_backward_eval(grad_in, grad_out, out, in, running_mean, running_var, B, C, L, eps);
  backward_eval<true>(grad_in, grad_gamma, grad_beta, grad_out, out, in, running_mean, running_var,
                      gamma, B, C, L, eps);
}

#define ACL_INSTANTIATE(T)                                                                         \
  template void batchnorm1d_forward_train_cpu<T>(T*, T*, T*, T*, T*, const T*, const T*, const T*, \
                                                 int, int, int, double, double);                   \
  template void batchnorm1d_forward_eval_cpu<T>(T*, const T*, const T*, const T*, const T*,        \
                                                const T*, int, int, int, double);                  \
  template void batchnorm1d_backward_train_cpu<T>(T*, T*, T*, const T*, const T*, const T*,        \
                                                  const T*, const T*, int, int, int);              \
  template void batchnorm1d_backward_eval_cpu<T>(T*, T*, T*, const T*, const T*, const T*,         \
                                                 const T*, const T*, int, int, int, double);       \
  template void batchnorm1d_relu_forward_train_cpu<T>(T*, T*, T*, T*, T*, const T*, const T*,      \
                                                      const T*, int, int, int, double, double);    \
  template void batchnorm1d_relu_forward_eval_cpu<T>(T*, const T*, const T*, const T*, const T*,   \
                                                     const T*, int, int, int, double);             \
  template void batchnorm1d_relu_backward_train_cpu<T>(                                            \
      T*, T*, T*, const T*, const T*, const T*, const T*, const T*, const T*, int, int, int);      \
  template void batchnorm1d_relu_backward_eval_cpu<T>(T*, T*, T*, const T*, const T*, const T*,    \
                                                      const T*, const T*, const T*, int, int, int, \
                                                      double);
ACL_INSTANTIATE(float)
ACL_INSTANTIATE(double)
#undef ACL_INSTANTIATE

}  // namespace acl::kernels
