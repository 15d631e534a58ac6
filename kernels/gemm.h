// Dense matrix product, row-major: C (M, N) = alpha * op(A) @ op(B) + beta * C, where
// op(A) is A (M, K) or, with trans_a, A^T for A stored (K, M); likewise B (K, N) or B^T of (N, K).
// beta = 0 writes C (its old contents are ignored); beta = 1 accumulates. OpenBLAS sgemm/dgemm.
#pragma once

namespace acl::kernels {

template <typename T>
void gemm_cpu(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, const T* B,
              T beta, T* C);

}  // namespace acl::kernels
