// Column-matrix (im2col) access shared by the conv kernels: explicit im2col/col2im and the
// segment reader used to pack GEMM panels straight from an image.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "conv.h"
#include "rowcopy.h"

namespace nabla {

// Range [lo, hi) of output positions o for which o*s - p + k*d lies in [0, n).
inline void validRange(int64_t n, int64_t s, int64_t p, int64_t kd, int64_t outN, int64_t& lo,
                       int64_t& hi) {
  int64_t base = kd - p;  // input index = o*s + base
  lo = base >= 0 ? 0 : (-base + s - 1) / s;
  hi = (n - base + s - 1) / s;  // first o with o*s + base >= n
  if (n - base <= 0) hi = 0;
  lo = std::min(lo, outN);
  hi = std::max(lo, std::min(hi, outN));
}

#if defined(NABLA_AVX512)
// Output rows [ohLo, ohHi) of column-matrix row (c, kh, kw) for stride-1 columns, OW <= 64.
// Masked stores are slow on AMD cores, so a full-width store is used whenever it ends inside
// this image's row segment: its spill lands in slots written later (the next oh, or the zero
// fill after ohHi). Only the segment's last vector needs the mask.
template <class T>
inline void rowsMasked(const ConvDims& d, const T* xc, int64_t kh, int64_t kw, int64_t ohLo,
                       int64_t ohHi, int64_t owLo, int64_t owHi, T* row) {
  constexpr int VL = 64 / sizeof(T);
  const int chunks = static_cast<int>((d.OW + VL - 1) / VL);
  uint32_t store[8], load[8];  // up to 64 / VL chunks (8 for double)
  for (int q = 0; q < chunks; q++) {
    const int64_t b = q * VL, e = std::min<int64_t>(d.OW, b + VL);
    store[q] = static_cast<uint32_t>((uint64_t(1) << (e - b)) - 1);
    const int64_t lo = std::max(b, owLo), hi = std::min(e, owHi);
    load[q] = hi > lo ? static_cast<uint32_t>(((uint64_t(1) << (hi - lo)) - 1) << (lo - b)) : 0u;
  }
  // Locals, not d's fields: the intrinsic stores may alias anything, which would force the
  // compiler to reload every field after each store.
  const int64_t OW = d.OW, W = d.W, OHW = d.ohw(), sH = d.sH;
  const T* x0 = xc + (kh * d.dH - d.pH) * W + (kw * d.dW - d.pW);
  for (int64_t oh = ohLo; oh < ohHi; oh++) {
    T* r = row + oh * OW;
    const T* xr = x0 + oh * sH * W;
    for (int q = 0; q < chunks; q++) {
      const bool full = oh * OW + (q + 1) * VL <= OHW;
      if constexpr (sizeof(T) == 4) {
        __m512 v = _mm512_maskz_loadu_ps(static_cast<__mmask16>(load[q]), reinterpret_cast<const float*>(xr + q * VL));
        if (full)
          _mm512_storeu_ps(reinterpret_cast<float*>(r + q * VL), v);
        else
          _mm512_mask_storeu_ps(reinterpret_cast<float*>(r + q * VL), static_cast<__mmask16>(store[q]), v);
      } else {
        __m512d v = _mm512_maskz_loadu_pd(static_cast<__mmask8>(load[q]), reinterpret_cast<const double*>(xr + q * VL));
        if (full)
          _mm512_storeu_pd(reinterpret_cast<double*>(r + q * VL), v);
        else
          _mm512_mask_storeu_pd(reinterpret_cast<double*>(r + q * VL), static_cast<__mmask8>(store[q]), v);
      }
    }
  }
}
#endif

// col[(c*KH + kh)*KW + kw][oh*OW + ow] = x[c][oh*sH - pH + kh*dH][ow*sW - pW + kw*dW] (0 outside).
// ldcol is the row stride of col (OH*OW for one image; larger when images sit side by side).
template <class T>
inline void im2col(const ConvDims& d, const T* x, int64_t channels, T* col, int64_t ldcol) {
  const int64_t OHW = d.ohw();
  for (int64_t c = 0; c < channels; c++) {
    const T* xc = x + c * d.H * d.W;
    for (int64_t kh = 0; kh < d.KH; kh++) {
      int64_t ohLo, ohHi;
      validRange(d.H, d.sH, d.pH, kh * d.dH, d.OH, ohLo, ohHi);
      for (int64_t kw = 0; kw < d.KW; kw++) {
        T* row = col + ((c * d.KH + kh) * d.KW + kw) * ldcol;
        int64_t owLo, owHi;
        validRange(d.W, d.sW, d.pW, kw * d.dW, d.OW, owLo, owHi);
        zeroRow(row, ohLo * d.OW);
#if defined(NABLA_AVX512)
        if (d.sW == 1 && d.OW <= 64) {
          // Each output row is one to four masked vector moves: lanes outside [owLo, owHi) load
          // as zeros (masked loads do not touch those addresses), so padding costs nothing.
          rowsMasked(d, xc, kh, kw, ohLo, ohHi, owLo, owHi, row);
          zeroRow(row + ohHi * d.OW, OHW - ohHi * d.OW);
          continue;
        }
#endif
        for (int64_t oh = ohLo; oh < ohHi; oh++) {
          T* r = row + oh * d.OW;
          const T* xr = xc + (oh * d.sH - d.pH + kh * d.dH) * d.W + (kw * d.dW - d.pW);
          zeroRow(r, owLo);
          if (d.sW == 1)
            copyRow(r + owLo, xr + owLo, owHi - owLo);
          else
            for (int64_t ow = owLo; ow < owHi; ow++) r[ow] = xr[ow * d.sW];
          zeroRow(r + owHi, d.OW - owHi);
        }
        zeroRow(row + ohHi * d.OW, OHW - ohHi * d.OW);
      }
    }
  }
}

// The adjoint of im2col: x[c][ih][iw] += col[...] (x must be zeroed by the caller).
template <class T>
inline void col2im(const ConvDims& d, const T* col, int64_t channels, T* x, int64_t ldcol) {
  for (int64_t c = 0; c < channels; c++) {
    T* xc = x + c * d.H * d.W;
    for (int64_t kh = 0; kh < d.KH; kh++) {
      int64_t ohLo, ohHi;
      validRange(d.H, d.sH, d.pH, kh * d.dH, d.OH, ohLo, ohHi);
      for (int64_t kw = 0; kw < d.KW; kw++) {
        const T* row = col + ((c * d.KH + kh) * d.KW + kw) * ldcol;
        int64_t owLo, owHi;
        validRange(d.W, d.sW, d.pW, kw * d.dW, d.OW, owLo, owHi);
        for (int64_t oh = ohLo; oh < ohHi; oh++) {
          const T* r = row + oh * d.OW;
          T* xr = xc + (oh * d.sH - d.pH + kh * d.dH) * d.W + (kw * d.dW - d.pW);
          if (d.sW == 1)
            for (int64_t ow = owLo; ow < owHi; ow++) xr[ow] += r[ow];
          else
            for (int64_t ow = owLo; ow < owHi; ow++) xr[ow * d.sW] += r[ow];
        }
      }
    }
  }
}

// Writes col(kk, p0 .. p0+len) (row kk = (c, kh, kw) of the column matrix, output pixels in
// row-major order) to dst: the implicit-im2col access used when packing GEMM panels.
template <class T>
inline void colSegment(const ConvDims& d, const T* x, int64_t kk, int64_t p0, int64_t len, T* dst) {
  const int64_t KK = d.KH * d.KW, c = kk / KK, r = kk % KK, kh = r / d.KW, kw = r % d.KW;
  const T* xc = x + c * d.H * d.W;
  int64_t owLo, owHi;
  validRange(d.W, d.sW, d.pW, kw * d.dW, d.OW, owLo, owHi);
  int64_t oh = p0 / d.OW, ow = p0 % d.OW;
  while (len > 0) {
    const int64_t run = std::min(len, d.OW - ow);
    const int64_t ih = oh * d.sH - d.pH + kh * d.dH;
    if (ih < 0 || ih >= d.H) {
      zeroRow(dst, run);
    } else {
      const T* xr = xc + ih * d.W + (kw * d.dW - d.pW);
      const int64_t lo = std::max(ow, owLo), hi = std::max(lo, std::min(ow + run, owHi));
      zeroRow(dst, lo - ow);
      if (d.sW == 1)
        copyRow(dst + (lo - ow), xr + lo, hi - lo);
      else
        for (int64_t o = lo; o < hi; o++) dst[o - ow] = xr[o * d.sW];
      zeroRow(dst + (hi - ow), ow + run - hi);
    }
    dst += run;
    len -= run;
    ow = 0;
    oh++;
  }
}

}  // namespace nabla
