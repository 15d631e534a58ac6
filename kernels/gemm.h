// Dense matrix product, row-major: C (M, N) = alpha * op(A) @ op(B) + beta * C, where
// op(A) is A (M, K) or, with trans_a, A^T for A stored (K, M); likewise B (K, N) or B^T of (N, K).
// beta = 0 writes C (its old contents are ignored); beta = 1 accumulates. OpenBLAS sgemm/dgemm.
#pragma once

namespace acl::kernels {

template <typename T>
void gemm_cpu(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, const T* B,
              T beta, T* C);

}  // namespace acl::kernels

#ifdef ACL_HAVE_CUDA
#include <cuda_runtime.h>

namespace acl::kernels {

// CUDA twins (kernels/cuda/): the same contract, asynchronous on `stream`; pointers are device
// pointers.
// cuBLAS sgemm/dgemm on `stream` (row-major through the transposition trick: C^T = op(B)^T
// op(A)^T in column-major). f32 runs in IEEE f32 (no TF32, see engine/cuda/stream.h).
template <typename T>
void gemm_cuda(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, const T* B,
               T beta, T* C, cudaStream_t stream);

}  // namespace acl::kernels
#endif  // ACL_HAVE_CUDA
