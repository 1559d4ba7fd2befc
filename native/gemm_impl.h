// The packed GEMM machinery (micro-kernel, packing, cache-blocked driver), as templates so that
// other kernels can supply their own packing of B: conv2d packs image patches straight into the
// panels (implicit im2col) instead of materialising the column matrix.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "scratch.h"
#include "simd.h"
#include "transpose.h"

// GCC 12 flags the _mm512_undefined_*() placeholders inside its own AVX-512 intrinsic headers
// (unpack, shuffle, reduce) as uninitialised uses; a known false positive.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Tuning knobs (overridable with -D for experiments); defaults measured on Zen 5 (AVX-512).
#ifndef NABLA_GEMM_MR_F
#define NABLA_GEMM_MR_F 12
#endif
#ifndef NABLA_GEMM_NV_F
#define NABLA_GEMM_NV_F 2
#endif
#ifndef NABLA_GEMM_KC_F
#define NABLA_GEMM_KC_F 256
#endif
#ifndef NABLA_GEMM_MC_F
#define NABLA_GEMM_MC_F 192
#endif
#ifndef NABLA_GEMM_NC_F
#define NABLA_GEMM_NC_F 4096
#endif

namespace nabla {
namespace gemm_impl {


// Register blocking per ISA: MR rows x NV vectors. AVX-512 has 32 registers: 12x2 accumulators
// + 2 B vectors + 1 broadcast; the 24 independent FMA chains hide the 4-cycle FMA latency on two
// FMA pipes. AVX2 has 16 registers: 6x2 accumulators.
template <class T>
struct Blocking;
#if defined(NABLA_AVX512)
template <>
struct Blocking<float> {
  static constexpr int MR = NABLA_GEMM_MR_F, NV = NABLA_GEMM_NV_F;
  static constexpr int64_t KC = NABLA_GEMM_KC_F, MC = NABLA_GEMM_MC_F, NC = NABLA_GEMM_NC_F;
};
template <>
struct Blocking<double> {
  static constexpr int MR = 12, NV = 2;
  static constexpr int64_t KC = 256, MC = 144, NC = 2048;
};
#elif defined(NABLA_AVX2)
template <>
struct Blocking<float> {
  static constexpr int MR = 6, NV = 2;
  static constexpr int64_t KC = 256, MC = 144, NC = 3072;
};
template <>
struct Blocking<double> {
  static constexpr int MR = 6, NV = 2;
  static constexpr int64_t KC = 256, MC = 96, NC = 2048;
};
#else
template <class T>
struct Blocking {
  static constexpr int MR = 4, NV = 4;
  static constexpr int64_t KC = 256, MC = 64, NC = 1024;
};
#endif

template <class T>
struct Tile {
  static constexpr int MR = Blocking<T>::MR;
  static constexpr int NR = Blocking<T>::NV * Simd<T>::W;
};

// The micro-kernel: acc[MR][NR] = sum_k a[k][0..MR) * b[k][0..NR) over packed panels, then
//   accumulate ? C += acc : C = acc + beta*C   (beta == 0: C = acc, C not read).
template <class T>
__attribute__((always_inline)) inline void microKernel(int64_t kc, const T* __restrict a,
                                                       const T* __restrict b, T* __restrict c,
                                                       int64_t ldc, T beta, bool accumulate) {
  using S = Simd<T>;
  constexpr int MR = Blocking<T>::MR, NV = Blocking<T>::NV, W = S::W;
  typename S::V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) acc[i][j] = S::zero();
  // The C tile is written at the end: fetching it now overlaps the miss with the k loop.
  for (int i = 0; i < MR; i++) __builtin_prefetch(c + i * ldc, 1, 3);
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; k++) {
    typename S::V bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) bv[j] = S::load(b + j * W);
    __builtin_prefetch(b + 8 * NV * W, 0, 3);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      typename S::V av = S::set1(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) acc[i][j] = S::fma(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NV * W;
  }
  if (accumulate) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++)
        S::store(c + i * ldc + j * W, S::add(S::load(c + i * ldc + j * W), acc[i][j]));
  } else if (beta == T(0)) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) S::store(c + i * ldc + j * W, acc[i][j]);
  } else {
    typename S::V bb = S::set1(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++)
        S::store(c + i * ldc + j * W, S::fma(bb, S::load(c + i * ldc + j * W), acc[i][j]));
  }
}

template <class T>
__attribute__((noinline)) inline void fullTile(int64_t kc, const T* a, const T* b, T* c, int64_t ldc,
                                        T beta, bool accumulate) {
  microKernel<T>(kc, a, b, c, ldc, beta, accumulate);
}

// Partial tiles (M or N edge) go through a local full tile, then the valid part is merged.
template <class T>
__attribute__((noinline)) inline void edgeTile(int64_t kc, const T* a, const T* b, T* c, int64_t ldc,
                                        int mr, int nr, T beta, bool accumulate) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  alignas(64) T tmp[MR * NR];
  microKernel<T>(kc, a, b, tmp, NR, T(0), false);
  for (int i = 0; i < mr; i++) {
    T* ci = c + i * ldc;
    const T* ti = tmp + i * NR;
    if (accumulate)
      for (int j = 0; j < nr; j++) ci[j] += ti[j];
    else if (beta == T(0))
      for (int j = 0; j < nr; j++) ci[j] = ti[j];
    else
      for (int j = 0; j < nr; j++) ci[j] = ti[j] + beta * ci[j];
  }
}

#if defined(NABLA_AVX512)
// Transposing packs for float: 16 k-values of up to 16 rows at a time go through registers.
// Returns the number of k columns handled (a multiple of 16); the caller finishes the rest.
template <int MR>
inline int64_t packATransposed(const float* A, int64_t lda, int64_t kc, float alpha, float* o) {
  static_assert(MR <= 16, "one transpose covers at most 16 rows");
  const __m512 va = _mm512_set1_ps(alpha);
  const __mmask16 mask = static_cast<__mmask16>((1u << MR) - 1);
  int64_t k0 = 0;
  for (; k0 + 16 <= kc; k0 += 16) {
    __m512 r[16];
    for (int i = 0; i < 16; i++) r[i] = i < MR ? _mm512_loadu_ps(A + i * lda + k0) : _mm512_setzero_ps();
    transpose16(r);
    for (int c = 0; c < 16; c++) _mm512_mask_storeu_ps(o + (k0 + c) * MR, mask, _mm512_mul_ps(va, r[c]));
  }
  return k0;
}

template <int NR>
inline int64_t packBTransposed(const float* B, int64_t ldb, int64_t kc, float* o) {
  static_assert(NR % 16 == 0, "whole 16-column groups");
  int64_t k0 = 0;
  for (; k0 + 16 <= kc; k0 += 16)
    for (int h = 0; h < NR; h += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(B + (h + i) * ldb + k0);
      transpose16(r);
      for (int c = 0; c < 16; c++) _mm512_storeu_ps(o + (k0 + c) * NR + h, r[c]);
    }
  return k0;
}
#endif

// Packs op(A)[0..mc, 0..kc) scaled by alpha into MR-row slivers: out[p][k][0..MR), zero-padded.
// Folding alpha in here costs nothing and keeps the micro-kernel free of it.
template <class T>
inline void packA(bool trans, const T* A, int64_t lda, int64_t mc, int64_t kc, T alpha, T* out) {
  constexpr int MR = Tile<T>::MR;
  for (int64_t p = 0; p < mc; p += MR) {
    int m = static_cast<int>(std::min<int64_t>(MR, mc - p));
    T* o = out + p * kc;
    if (trans) {
      // op(A)(i, k) = A[k*lda + i]: MR contiguous values per k. Full slivers get a constant
      // trip count, which the compiler turns into whole-vector moves.
      if (m == MR) {
        for (int64_t k = 0; k < kc; k++) {
          const T* src = A + k * lda + p;
          T* d = o + k * MR;
#pragma GCC unroll 16
          for (int i = 0; i < MR; i++) d[i] = alpha * src[i];
        }
      } else {
        for (int64_t k = 0; k < kc; k++) {
          const T* src = A + k * lda + p;
          T* d = o + k * MR;
          for (int i = 0; i < m; i++) d[i] = alpha * src[i];
          for (int i = m; i < MR; i++) d[i] = T(0);
        }
      }
    } else {
      // op(A)(i, k) = A[i*lda + k]: read rows contiguously, write with stride MR. Blocks of 64 k
      // keep the destination lines in L1 while the MR source rows are walked.
      if (m < MR) std::memset(o, 0, sizeof(T) * MR * kc);
      int64_t kStart = 0;
#if defined(NABLA_AVX512)
      if constexpr (std::is_same_v<T, float> && MR <= 16)
        if (m == MR) kStart = packATransposed<MR>(A + p * lda, lda, kc, alpha, o);
#endif
      for (int64_t k0 = kStart; k0 < kc; k0 += 64) {
        int64_t k1 = std::min<int64_t>(kc, k0 + 64);
        for (int i = 0; i < m; i++) {
          const T* src = A + (p + i) * lda;
          for (int64_t k = k0; k < k1; k++) o[k * MR + i] = alpha * src[k];
        }
      }
    }
  }
}

// Packs op(B)[0..kc, 0..nc) into NR-column slivers: out[q][k][0..NR), zero-padded.
template <class T>
inline void packB(bool trans, const T* B, int64_t ldb, int64_t kc, int64_t nc, T* out) {
  constexpr int NR = Tile<T>::NR;
  for (int64_t q = 0; q < nc; q += NR) {
    int n = static_cast<int>(std::min<int64_t>(NR, nc - q));
    T* o = out + q * kc;
    if (!trans) {
      // op(B)(k, j) = B[k*ldb + j]: NR contiguous values per k (a plain copy).
      if (n == NR) {
        for (int64_t k = 0; k < kc; k++) std::memcpy(o + k * NR, B + k * ldb + q, sizeof(T) * NR);
      } else {
        for (int64_t k = 0; k < kc; k++) {
          std::memcpy(o + k * NR, B + k * ldb + q, sizeof(T) * n);
          std::memset(o + k * NR + n, 0, sizeof(T) * (NR - n));
        }
      }
    } else {
      // op(B)(k, j) = B[j*ldb + k]: a transpose; walk 64-k blocks so writes stay in L1.
      if (n < NR) std::memset(o, 0, sizeof(T) * NR * kc);
      int64_t kStart = 0;
#if defined(NABLA_AVX512)
      if constexpr (std::is_same_v<T, float> && NR % 16 == 0)
        if (n == NR) kStart = packBTransposed<NR>(B + q * ldb, ldb, kc, o);
#endif
      for (int64_t k0 = kStart; k0 < kc; k0 += 64) {
        int64_t k1 = std::min<int64_t>(kc, k0 + 64);
        for (int j = 0; j < n; j++) {
          const T* src = B + (q + j) * ldb;
          for (int64_t k = k0; k < k1; k++) o[k * NR + j] = src[k];
        }
      }
    }
  }
}

// C[M,N] = alpha * op(A) @ B + beta * C, single-threaded and cache-blocked. packB(k0, j0, kc, nc,
// out) must write B[k0..k0+kc, j0..j0+nc) in panel layout: out[q*kc + k*NR + j] for column j of
// the NR-wide panel starting at q, zero-padded to whole panels. Requires M, N, K > 0.
template <class T, class PackB>
void gemmPacked(bool transA, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                PackB&& packB, T beta, T* C, int64_t ldc) {
  using Bk = Blocking<T>;
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  // Balance the K blocks (e.g. K=300 -> 2x150, not 256+44) so no pass runs a short k loop.
  int64_t kBlocks = (K + Bk::KC - 1) / Bk::KC;
  int64_t kcMax = (K + kBlocks - 1) / kBlocks;
  int64_t ncMax = std::min<int64_t>(Bk::NC, (N + NR - 1) / NR * NR);
  int64_t mcMax = std::min<int64_t>(Bk::MC, (M + MR - 1) / MR * MR);
  T* bp = scratchOf<T>(kScratchPackB, kcMax * ncMax);
  T* ap = scratchOf<T>(kScratchPackA, kcMax * mcMax);
  for (int64_t jc = 0; jc < N; jc += ncMax) {
    int64_t nc = std::min(ncMax, N - jc);
    for (int64_t pc = 0; pc < K; pc += kcMax) {
      int64_t kc = std::min(kcMax, K - pc);
      bool accumulate = pc > 0;
      packB(pc, jc, kc, nc, bp);
      for (int64_t ic = 0; ic < M; ic += mcMax) {
        int64_t mc = std::min(mcMax, M - ic);
        packA<T>(transA, transA ? A + pc * lda + ic : A + ic * lda + pc, lda, mc, kc, alpha, ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          const T* bpj = bp + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            T* c = C + (ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR)
              fullTile<T>(kc, ap + ir * kc, bpj, c, ldc, beta, accumulate);
            else
              edgeTile<T>(kc, ap + ir * kc, bpj, c, ldc, mr, nr, beta, accumulate);
          }
        }
      }
    }
  }
}

}  // namespace gemm_impl
}  // namespace nabla
