// Dense matrix product on CUDA through cuBLAS (see kernels/gemm.h for the contract):
//   C (M, N) = alpha * op(A) @ op(B) + beta * C, all row-major; beta = 0 writes, beta = 1
//   accumulates.
// cuBLAS is column-major. A row-major (R, S) matrix is the column-major (S, R) matrix of the same
// bytes, so the row-major product C = op(A) op(B) is computed as the column-major product
// C^T = op(B)^T op(A)^T: cublas<t>gemm(opB, opA, N, M, K, B, ldb, A, lda, C, ldc = N) with the
// leading dimensions of the row-major storage (lda = trans_a ? M : K, ldb = trans_b ? K : N).
// Numerics: sgemm/dgemm on the handle of `stream` (kernels/runtime/stream.h), default math mode, so
// f32 is IEEE f32 (no TF32 tensor cores): parity with the CPU f64 reference at f32 tolerances.
#include "kernels/cuda/common.cuh"
#include "kernels/gemm.h"
#include "kernels/runtime/stream.h"

namespace acl::kernels {
namespace {

cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ob, cublasOperation_t oa, int n, int m,
                         int k, const float* alpha, const float* B, int ldb, const float* A,
                         int lda, const float* beta, float* C, int ldc) {
  return cublasSgemm(h, ob, oa, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc);
}
inline int at_least_one(int v) {
  return v < 1 ? 1 : v;
}

}  // namespace

void gemm_cuda(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
               const float* B, float beta, float* C, cudaStream_t stream) {
  const char* op = "gemm_cuda";
  check_count(op, "M", M);
  check_count(op, "N", N);
  check_count(op, "K", K);
  check_ptr(op, "A", A, static_cast<int64_t>(M) * K);
  check_ptr(op, "B", B, static_cast<int64_t>(K) * N);
  check_ptr(op, "C", C, static_cast<int64_t>(M) * N);
  if (M == 0 || N == 0) return;
  // cuBLAS requires ld >= max(1, rows of the column-major operand), even when K == 0.
  const int lda = at_least_one(trans_a ? M : K);
  const int ldb = at_least_one(trans_b ? K : N);
  cublasHandle_t handle = cublas_handle(stream);
  CUBLAS_CHECK(gemm_call(handle, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                         trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, ldb, A, lda,
                         &beta, C, N));
}

}  // namespace acl::kernels
