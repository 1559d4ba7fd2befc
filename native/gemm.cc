// GEMM entry points: small-shape dispatch (unpacked kernels), the parallel split of C among the
// pool's threads, batched products. The packed machinery lives in gemm_impl.h.
#include "gemm.h"

#include <algorithm>

#include "gemm_impl.h"
#include "scratch.h"
#include "threadpool.h"

namespace nabla {
namespace {

using gemm_impl::Tile;

template <class T>
void scaleC(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; i++) {
    T* c = C + i * ldc;
    if (beta == T(0))
      std::fill(c, c + N, T(0));
    else if (beta != T(1))
      for (int64_t j = 0; j < N; j++) c[j] *= beta;
  }
}

}  // namespace

// Small products skip packing: packing B costs about one pass over B per call, which only pays
// when amortised over many rows of A. NN with up to 24 rows streams B's rows in place (the row
// kernel, 12 rows per pass), measured faster than the packed path up to M ~ 24-64 on Zen 5; NT
// with a small side (up to 16: a 10-class output layer) goes to the dot kernel, which reads A
// once instead of packing it (256x10x784: 24-57 us vs 55-91 us packed).
#ifndef NABLA_GEMM_DOT_MAX
#define NABLA_GEMM_DOT_MAX 16
#endif
#ifndef NABLA_GEMM_ROWS_MAX
#define NABLA_GEMM_ROWS_MAX 24
#endif
inline bool useRows(bool transA, bool transB, int64_t M, int64_t N, int64_t K) {
  return !transA && !transB && M <= NABLA_GEMM_ROWS_MAX;
}

inline bool useDot(bool transA, bool transB, int64_t M, int64_t N, int64_t K) {
  return !transA && transB &&
         (std::min(M, N) <= NABLA_GEMM_DOT_MAX || (std::max(M, N) <= 32 && K >= 512));
}

// TN with few rows (a weight gradient G^T X with 10 classes): A^T is copied row-major into a
// small buffer so the row kernel applies; the packed path would pack all of B for 10 rows of C.
inline bool useRowsTN(bool transA, bool transB, int64_t M, int64_t N, int64_t K) {
  return transA && !transB && M <= NABLA_GEMM_ROWS_MAX && int64_t(M) * K <= (int64_t(1) << 16);
}

template <class T>
const T* rowMajorA(int64_t M, int64_t K, const T* A, int64_t lda) {
  T* a = scratchOf<T>(kScratchGemmSmallA, M * K);
  for (int64_t k = 0; k < K; k++)
    for (int64_t i = 0; i < M; i++) a[i * K + k] = A[k * lda + i];
  return a;
}

template <class T>
void gemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scaleC(M, N, beta, C, ldc);
    return;
  }
  if (useDot(transA, transB, M, N, K)) {
    gemmDotNT(M, 0, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (useRows(transA, transB, M, N, K)) {
    gemmSmallMNN(M, 0, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (useRowsTN(transA, transB, M, N, K)) {
    gemmSmallMNN(M, 0, N, K, alpha, rowMajorA(M, K, A, lda), K, B, ldb, beta, C, ldc);
    return;
  }
  gemm_impl::gemmPacked(
      transA, M, N, K, alpha, A, lda,
      [&](int64_t pc, int64_t jc, int64_t kc, int64_t nc, T* bp) {
        gemm_impl::packB<T>(transB, transB ? B + jc * ldb + pc : B + pc * ldb + jc, ldb, kc, nc, bp);
      },
      beta, C, ldc);
}

template <class T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  if (M <= 0 || N <= 0) return;
  int threads = numThreads();
  double flops = 2.0 * M * N * K;
  // Below ~1 MFLOP (a few microseconds) waking the pool costs more than it saves.
  if (threads == 1 || inParallelRegion() || flops < 1.5e6) {
    gemmSerial(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (K > 0 && alpha != T(0) && useRows(transA, transB, M, N, K)) {
    // Few rows: split the columns on 32-column boundaries.
    const int64_t strips = (N + 31) / 32;
    parallelFor(strips, 2, [&](int64_t s0, int64_t s1) {
      gemmSmallMNN(M, s0 * 32, std::min(N, s1 * 32), K, alpha, A, lda, B, ldb, beta, C, ldc);
    });
    return;
  }
  if (K > 0 && alpha != T(0) && useRowsTN(transA, transB, M, N, K)) {
    const T* a = rowMajorA(M, K, A, lda);  // this thread's buffer, read by all tasks
    const int64_t strips = (N + 31) / 32;
    parallelFor(strips, 2, [&](int64_t s0, int64_t s1) {
      gemmSmallMNN(M, s0 * 32, std::min(N, s1 * 32), K, alpha, a, K, B, ldb, beta, C, ldc);
    });
    return;
  }
  if (K > 0 && alpha != T(0) && useDot(transA, transB, M, N, K)) {
    if (N >= M) {
      parallelFor(N, 16, [&](int64_t j0, int64_t j1) {
        gemmDotNT(M, j0, j1, K, alpha, A, lda, B, ldb, beta, C, ldc);
      });
    } else {
      // Tall and narrow: split rows instead (C^T = B A^T is the same kernel).
      parallelFor(M, 16, [&](int64_t i0, int64_t i1) {
        gemmDotNT(i1 - i0, 0, N, K, alpha, A + i0 * lda, lda, B, ldb, beta, C + i0 * ldc, ldc);
      });
    }
    return;
  }
  // Split C into tm x tn rectangles, one per thread, choosing the factorisation with the most
  // square-ish pieces (each piece re-packs its share of the other operand).
  int64_t mTiles = (M + MR - 1) / MR, nTiles = (N + NR - 1) / NR;
  int bestTm = 1, bestTn = 1;
  double bestCost = 1e300;
  for (int tm = 1; tm <= threads; tm++) {
    if (threads % tm) continue;
    int tn = threads / tm;
    if (tm > mTiles || tn > nTiles) continue;
    double cost = double(M) / tm + double(N) / tn;
    if (cost < bestCost) bestCost = cost, bestTm = tm, bestTn = tn;
  }
  if (bestTm * bestTn == 1) {
    // Too few tiles for an exact factorisation: split the longer side as far as it goes.
    if (mTiles >= nTiles)
      bestTm = static_cast<int>(std::min<int64_t>(threads, mTiles));
    else
      bestTn = static_cast<int>(std::min<int64_t>(threads, nTiles));
  }
  const int tm = bestTm, tn = bestTn;
  parallelTasks(tm * tn, [&](int64_t t) {
    int64_t bi = t / tn, bj = t % tn;
    // Boundaries on whole micro-tiles so only the true matrix edge has partial tiles.
    int64_t i0 = mTiles * bi / tm * MR, i1 = std::min(M, mTiles * (bi + 1) / tm * MR);
    int64_t j0 = nTiles * bj / tn * NR, j1 = std::min(N, nTiles * (bj + 1) / tn * NR);
    if (i0 >= i1 || j0 >= j1) return;
    const T* a = transA ? A + i0 : A + i0 * lda;
    const T* b = transB ? B + j0 * ldb : B + j0;
    gemmSerial(transA, transB, i1 - i0, j1 - j0, K, alpha, a, lda, b, ldb, beta,
               C + i0 * ldc + j0, ldc);
  });
}

template <class T>
void gemmBatched(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
                 const T* A, int64_t strideA, int64_t lda, const T* B, int64_t strideB,
                 int64_t ldb, T beta, T* C, int64_t strideC, int64_t ldc) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  double flops = 2.0 * M * N * K;
  // Many small products: one whole product per task. Few large ones: parallelise inside each.
  if (batch >= numThreads() && !inParallelRegion() && flops * batch >= 1.5e6) {
    parallelTasks(batch, [&](int64_t b) {
      gemmSerial(transA, transB, M, N, K, alpha, A + b * strideA, lda, B + b * strideB, ldb, beta,
                 C + b * strideC, ldc);
    });
    return;
  }
  for (int64_t b = 0; b < batch; b++)
    gemm(transA, transB, M, N, K, alpha, A + b * strideA, lda, B + b * strideB, ldb, beta,
         C + b * strideC, ldc);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);
template void gemmSerial<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*,
                                int64_t, const float*, int64_t, float, float*, int64_t);
template void gemmSerial<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                                 int64_t, const double*, int64_t, double, double*, int64_t);
template void gemmBatched<float>(int64_t, bool, bool, int64_t, int64_t, int64_t, float,
                                 const float*, int64_t, int64_t, const float*, int64_t, int64_t,
                                 float, float*, int64_t, int64_t);
template void gemmBatched<double>(int64_t, bool, bool, int64_t, int64_t, int64_t, double,
                                  const double*, int64_t, int64_t, const double*, int64_t,
                                  int64_t, double, double*, int64_t, int64_t);

}  // namespace nabla
