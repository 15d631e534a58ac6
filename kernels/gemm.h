// Dense matrix product, row-major: C (M, N) = alpha * op(A) @ op(B) + beta * C, where
// op(A) is A (M, K) or, with trans_a, A^T for A stored (K, M); likewise B (K, N) or B^T of (N, K).
// beta = 0 writes C (its old contents are ignored); beta = 1 accumulates. OpenBLAS sgemm/dgemm.
#pragma once

#include "kernels/runtime/gpu_stream.h"

namespace acl::kernels {

template <typename T>
void gemm_cpu(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, const T* B,
              T beta, T* C);

// CUDA twins (kernels/cuda/), f32 only: the same contract, asynchronous on `stream`; pointers
// are device pointers.
// cuBLAS sgemm on `stream` (row-major through the transposition trick: C^T = op(B)^T op(A)^T
// in column-major). f32 runs in IEEE f32 (no TF32, see kernels/runtime/stream.h).
void gemm_cuda(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
               const float* B, float beta, float* C, GpuStream stream);

}  // namespace acl::kernels
