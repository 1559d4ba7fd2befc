// Blocked, packed, multithreaded GEMM on row-major matrices:
//   C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C
// op(A) = A (M x K, row stride lda) or A^T (A stored K x M, row stride lda); same for B.
// beta == 0 overwrites C without reading it (NaN/Inf in C are not propagated), as BLAS does.
#pragma once
#include <cstdint>

namespace nabla {

template <class T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// batch GEMMs whose operands are strideA/strideB/strideC elements apart (0 = broadcast).
template <class T>
void gemmBatched(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
                 const T* A, int64_t strideA, int64_t lda, const T* B, int64_t strideB,
                 int64_t ldb, T beta, T* C, int64_t strideC, int64_t ldc);

// Single-threaded variant, for callers that already parallelise at a higher level.
template <class T>
void gemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// Unpacked kernel for NT products whose rows of A and B are both contiguous along k:
// C[i, j] = alpha * dot(A[i, :], B[j, :]) + beta * C[i, j] for columns [j0, j1). It beats the
// packed path when M or N is small (packing would cost as much as the arithmetic), e.g. the
// weight gradients of small convolutions or a batch-1 Linear layer.
template <class T>
void gemmDotNT(int64_t M, int64_t j0, int64_t j1, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// Unpacked kernel for NN products with few rows (M small): C[i, j0..j1) for all M rows, reading
// B's rows in place, 6 rows of C in registers at a time.
template <class T>
void gemmSmallMNN(int64_t M, int64_t j0, int64_t j1, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

}  // namespace nabla
