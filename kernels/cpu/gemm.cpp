#include "kernels/gemm.h"

#include <cblas.h>

#include "kernels/cpu_threads.h"

namespace acl::kernels {

template <>
void gemm_cpu<float>(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                     const float* B, float beta, float* C) {
  if (M == 0 || N == 0) return;
  cpu_num_threads();  // OpenBLAS single-threaded from the first call on (kernels/cpu_threads.h)
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, trans_a ? M : K, B,
              trans_b ? K : N, beta, C, N);
}

template <>
void gemm_cpu<double>(bool trans_a, bool trans_b, int M, int N, int K, double alpha,
                      const double* A, const double* B, double beta, double* C) {
  if (M == 0 || N == 0) return;
  cpu_num_threads();
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, trans_a ? M : K, B,
              trans_b ? K : N, beta, C, N);
}

}  // namespace acl::kernels
