// Unpacked GEMM kernels (see gemm.h). Dot-product kernel for NT products: blocks of RI rows of A times RJ rows of B, each
// pair accumulated in one vector register along k, reduced horizontally at the end. No packing,
// so tiny M or N costs nothing extra; A's RI rows stay in L1 while B's rows stream past. And a
// row kernel for NN products with few rows of C, reading B's rows in place.
#include <algorithm>

#include "gemm.h"
#include "scratch.h"

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

namespace {

// R rows of C, columns [j, j + NV*W): acc += A[i, k] * B[k, j..] over k, read straight from the
// unpacked operands (B's rows are contiguous in NN).
template <class T, int R>
inline void rowsStrip(int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc,
                      T alpha, T beta) {
  using S = Simd<T>;
  constexpr int W = S::W, NV = 2;
  typename S::V acc[R][NV];
  for (int i = 0; i < R; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = S::zero();
  for (int64_t k = 0; k < K; k++) {
    typename S::V b[NV];
    for (int v = 0; v < NV; v++) b[v] = S::load(B + k * ldb + v * W);
    for (int i = 0; i < R; i++) {
      typename S::V a = S::set1(A[i * lda + k]);
      for (int v = 0; v < NV; v++) acc[i][v] = S::fma(a, b[v], acc[i][v]);
    }
  }
  const typename S::V va = S::set1(alpha), vb = S::set1(beta);
  for (int i = 0; i < R; i++)
    for (int v = 0; v < NV; v++) {
      T* c = C + i * ldc + v * W;
      S::store(c, beta == T(0) ? S::mul(va, acc[i][v]) : S::fma(vb, S::load(c), S::mul(va, acc[i][v])));
    }
}

// Columns [j0, jt) in whole strips; the ragged columns [jt, j1) through bt, B's last columns
// zero-padded to one strip (K x NR, shared by all row groups), with C's through a local tile.
template <class T, int R>
void rowsNN(int64_t j0, int64_t jt, int64_t j1, const T* bt, int64_t K, T alpha, const T* A,
            int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  constexpr int NR = 2 * Simd<T>::W;
  for (int64_t j = j0; j < jt; j += NR) rowsStrip<T, R>(K, A, lda, B + j, ldb, C + j, ldc, alpha, beta);
  if (jt == j1) return;
  const int64_t n = j1 - jt;
  alignas(64) T ct[R * NR];
  for (int i = 0; i < R; i++)
    for (int64_t jj = 0; jj < NR; jj++) ct[i * NR + jj] = beta != T(0) && jj < n ? C[i * ldc + jt + jj] : T(0);
  rowsStrip<T, R>(K, A, lda, bt, NR, ct, NR, alpha, beta);
  for (int i = 0; i < R; i++) std::copy(ct + i * NR, ct + i * NR + n, C + i * ldc + jt);
}

}  // namespace

template <class T>
void gemmSmallMNN(int64_t M, int64_t j0, int64_t j1, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  // Row groups sized to the register file: R x 2 accumulators + 2 B vectors + 1 broadcast, so
  // 12 rows with AVX-512's 32 registers and 6 with AVX2's 16. Each group streams B once.
#if defined(NABLA_AVX512)
  constexpr int G = 12;
#else
  constexpr int G = 6;
#endif
  constexpr int NR = 2 * Simd<T>::W;
  const int64_t jt = j0 + (j1 - j0) / NR * NR;
  T* bt = nullptr;
  if (jt < j1) {
    bt = scratchOf<T>(kScratchGemmEdge, K * NR);
    for (int64_t k = 0; k < K; k++) {
      std::copy(B + k * ldb + jt, B + k * ldb + j1, bt + k * NR);
      std::fill(bt + k * NR + (j1 - jt), bt + (k + 1) * NR, T(0));
    }
  }
  int64_t i = 0;
  for (; i + G <= M; i += G)
    rowsNN<T, G>(j0, jt, j1, bt, K, alpha, A + i * lda, lda, B, ldb, beta, C + i * ldc, ldc);
  const T* a = A + i * lda;
  T* c = C + i * ldc;
  switch (M - i) {
#if defined(NABLA_AVX512)
    case 11: rowsNN<T, 11>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 10: rowsNN<T, 10>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 9: rowsNN<T, 9>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 8: rowsNN<T, 8>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 7: rowsNN<T, 7>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 6: rowsNN<T, 6>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
#endif
    case 5: rowsNN<T, 5>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 4: rowsNN<T, 4>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 3: rowsNN<T, 3>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 2: rowsNN<T, 2>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    case 1: rowsNN<T, 1>(j0, jt, j1, bt, K, alpha, a, lda, B, ldb, beta, c, ldc); break;
    default: break;
  }
}

template void gemmSmallMNN<float>(int64_t, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                  const float*, int64_t, float, float*, int64_t);
template void gemmSmallMNN<double>(int64_t, int64_t, int64_t, int64_t, double, const double*,
                                   int64_t, const double*, int64_t, double, double*, int64_t);

template void gemmDotNT<float>(int64_t, int64_t, int64_t, int64_t, float, const float*, int64_t,
                               const float*, int64_t, float, float*, int64_t);
template void gemmDotNT<double>(int64_t, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                const double*, int64_t, double, double*, int64_t);

}  // namespace nabla
