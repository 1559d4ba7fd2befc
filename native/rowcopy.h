// Short-run copies for im2col-style kernels. Rows there are often 5-30 elements long, where a
// libc memcpy/memset call costs more than the data; AVX-512 masked loads and stores move a
// whole run (or its tail) in one instruction.
#pragma once
#include <cstdint>
#include <cstring>
#if defined(NABLA_AVX512)
#include <immintrin.h>
#endif

namespace nabla {

template <class T>
inline void copyRow(T* dst, const T* src, int64_t n) {
#if defined(NABLA_AVX512)
  if constexpr (sizeof(T) == 4) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(reinterpret_cast<float*>(dst + i), _mm512_loadu_ps(reinterpret_cast<const float*>(src + i)));
    if (i < n) {
      __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
      _mm512_mask_storeu_ps(reinterpret_cast<float*>(dst + i), m,
                            _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(src + i)));
    }
    return;
  } else if constexpr (sizeof(T) == 8) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      _mm512_storeu_pd(reinterpret_cast<double*>(dst + i), _mm512_loadu_pd(reinterpret_cast<const double*>(src + i)));
    if (i < n) {
      __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1);
      _mm512_mask_storeu_pd(reinterpret_cast<double*>(dst + i), m,
                            _mm512_maskz_loadu_pd(m, reinterpret_cast<const double*>(src + i)));
    }
    return;
  }
#endif
  if (n > 0) std::memcpy(dst, src, sizeof(T) * n);
}

template <class T>
inline void zeroRow(T* dst, int64_t n) {
#if defined(NABLA_AVX512)
  if constexpr (sizeof(T) == 4) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(reinterpret_cast<float*>(dst + i), _mm512_setzero_ps());
    if (i < n)
      _mm512_mask_storeu_ps(reinterpret_cast<float*>(dst + i), static_cast<__mmask16>((1u << (n - i)) - 1),
                            _mm512_setzero_ps());
    return;
  } else if constexpr (sizeof(T) == 8) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(reinterpret_cast<double*>(dst + i), _mm512_setzero_pd());
    if (i < n)
      _mm512_mask_storeu_pd(reinterpret_cast<double*>(dst + i), static_cast<__mmask8>((1u << (n - i)) - 1),
                            _mm512_setzero_pd());
    return;
  }
#endif
  for (int64_t i = 0; i < n; i++) dst[i] = T(0);
}

}  // namespace nabla
