// Dot-product GEMM for NT products (see gemm.h): blocks of RI rows of A times RJ rows of B, each
// pair accumulated in one vector register along k, reduced horizontally at the end. No packing,
// so tiny M or N costs nothing extra; A's RI rows stay in L1 while B's rows stream past.
#include <algorithm>

#include "gemm.h"

// GCC 12 flags the _mm512_undefined_*() placeholders inside its own AVX-512 intrinsic headers
// (unpack, shuffle, reduce) as uninitialised uses; a known false positive.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "simd.h"

namespace nabla {
namespace {

template <class T, int RI, int RJ>
inline void dotBlock(int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                     int64_t ldc, T alpha, T beta) {
  using S = Simd<T>;
  constexpr int W = S::W;
  typename S::V acc[RI][RJ];
  for (int i = 0; i < RI; i++)
    for (int j = 0; j < RJ; j++) acc[i][j] = S::zero();
  int64_t k = 0;
  for (; k + W <= K; k += W) {
    typename S::V a[RI], b[RJ];
    for (int i = 0; i < RI; i++) a[i] = S::load(A + i * lda + k);
    for (int j = 0; j < RJ; j++) b[j] = S::load(B + j * ldb + k);
    for (int i = 0; i < RI; i++)
      for (int j = 0; j < RJ; j++) acc[i][j] = S::fma(a[i], b[j], acc[i][j]);
  }
  for (int i = 0; i < RI; i++)
    for (int j = 0; j < RJ; j++) {
      T s = S::hsum(acc[i][j]);
      for (int64_t kk = k; kk < K; kk++) s += A[i * lda + kk] * B[j * ldb + kk];
      T* c = C + i * ldc + j;
      *c = beta == T(0) ? alpha * s : alpha * s + beta * *c;
    }
}

}  // namespace

template <class T>
void gemmDotNT(int64_t M, int64_t j0, int64_t j1, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  // 4x4 blocks: 16 accumulators + 8 loads per 16 FMAs fit both AVX-512 and AVX2 register files.
  constexpr int R = 4;
  int64_t i = 0;
  for (; i + R <= M; i += R) {
    const T* a = A + i * lda;
    int64_t j = j0;
    for (; j + R <= j1; j += R)
      dotBlock<T, R, R>(K, a, lda, B + j * ldb, ldb, C + i * ldc + j, ldc, alpha, beta);
    for (; j < j1; j++) dotBlock<T, R, 1>(K, a, lda, B + j * ldb, ldb, C + i * ldc + j, ldc, alpha, beta);
  }
  for (; i < M; i++) {
    const T* a = A + i * lda;
    int64_t j = j0;
    for (; j + R <= j1; j += R)
      dotBlock<T, 1, R>(K, a, lda, B + j * ldb, ldb, C + i * ldc + j, ldc, alpha, beta);
    for (; j < j1; j++) dotBlock<T, 1, 1>(K, a, lda, B + j * ldb, ldb, C + i * ldc + j, ldc, alpha, beta);
  }
}

template void gemmDotNT<float>(int64_t, int64_t, int64_t, int64_t, float, const float*, int64_t,
                               const float*, int64_t, float, float*, int64_t);
template void gemmDotNT<double>(int64_t, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                const double*, int64_t, double, double*, int64_t);

}  // namespace nabla
