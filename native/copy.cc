// copyStrided: gathers a strided view (any element strides, possibly negative or zero) into a
// contiguous array. Works on the element size only, so every typed array is supported. When the
// innermost source dim is strided but another dim has unit stride (a transpose), the copy walks
// 32x32 tiles so that both reads and writes stay within a few cache lines.
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "napi_args.h"
#include "strided.h"
#include "threadpool.h"
#include "transpose.h"

namespace nabla {
namespace {

template <class T>
void copyRows(const Layout& L, const T* src, T* out) {
  const int nd = static_cast<int>(L.shape.size());
  const auto& st = L.strides[0];
  const int64_t inner = L.shape[nd - 1], si = st[nd - 1];
  const int64_t rows = L.numel() / inner;
  parallelFor(rows, std::max<int64_t>(1, 65536 / inner), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(nd, 0);
    int64_t off = 0, r = r0;
    for (int d = nd - 2; d >= 0; d--) {
      idx[d] = r % L.shape[d];
      r /= L.shape[d];
      off += idx[d] * st[d];
    }
    for (int64_t row = r0; row < r1; row++) {
      T* o = out + row * inner;
      const T* s = src + off;
      if (si == 1)
        std::memcpy(o, s, sizeof(T) * inner);
      else if (si == 0)
        std::fill(o, o + inner, *s);
      else
        for (int64_t i = 0; i < inner; i++) o[i] = s[i * si];
      for (int d = nd - 2; d >= 0; d--) {
        off += st[d];
        if (++idx[d] < L.shape[d]) break;
        off -= st[d] * L.shape[d];
        idx[d] = 0;
      }
    }
  });
}

// Dims p (unit source stride) and the last dim q (strided source) are walked in tiles; all
// other dims are looped over outside.
template <class T>
void copyTransposed(const Layout& L, int p, const T* src, T* out) {
  const int nd = static_cast<int>(L.shape.size());
  const auto& st = L.strides[0];
  const int q = nd - 1;
  const int64_t P = L.shape[p], Q = L.shape[q], sq = st[q];
  // Output strides (contiguous, row-major).
  std::vector<int64_t> os(nd);
  os[nd - 1] = 1;
  for (int d = nd - 2; d >= 0; d--) os[d] = os[d + 1] * L.shape[d + 1];
  const int64_t op = os[p];
  constexpr int64_t B = 32;
  int64_t outer = L.numel() / (P * Q), tp = (P + B - 1) / B, tq = (Q + B - 1) / B;
  parallelFor(outer * tp * tq, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      int64_t o = t / (tp * tq), bp = (t / tq) % tp, bq = t % tq;
      // Decompose the outer index over all dims except p and q.
      int64_t soff = 0, ooff = 0, rem = o;
      for (int d = nd - 1; d >= 0; d--) {
        if (d == p || d == q) continue;
        int64_t i = rem % L.shape[d];
        rem /= L.shape[d];
        soff += i * st[d];
        ooff += i * os[d];
      }
      int64_t p0 = bp * B, p1 = std::min(P, p0 + B), q0 = bq * B, q1 = std::min(Q, q0 + B);
#if defined(NABLA_AVX512)
      if constexpr (sizeof(T) == 4) {
        // Whole 16x16 blocks through registers: every cache line is read once and written once
        // in full, so power-of-two strides (which map all lines of a tile to one L1 set) cannot
        // thrash the cache.
        int64_t pe = p0 + (p1 - p0) / 16 * 16, qe = q0 + (q1 - q0) / 16 * 16;
        for (int64_t j = q0; j < qe; j += 16)
          for (int64_t i = p0; i < pe; i += 16) {
            __m512 r[16];
            for (int k = 0; k < 16; k++)
              r[k] = _mm512_loadu_ps(reinterpret_cast<const float*>(src + soff + (j + k) * sq + i));
            transpose16(r);
            for (int k = 0; k < 16; k++)
              _mm512_storeu_ps(reinterpret_cast<float*>(out + ooff + (i + k) * op + j), r[k]);
          }
        // The ragged right and bottom strips of the tile, element by element.
        for (int64_t j = q0; j < q1; j++) {
          const T* s = src + soff + j * sq;
          T* d = out + ooff + j;
          for (int64_t i = j < qe ? pe : p0; i < p1; i++) d[i * op] = s[i];
        }
        continue;
      }
#endif
      // Reads run along p (unit stride), writes along q (unit stride) one tile row at a time.
      for (int64_t j = q0; j < q1; j++) {
        const T* s = src + soff + j * sq;
        T* d = out + ooff + j;
        for (int64_t i = p0; i < p1; i++) d[i * op] = s[i];
      }
    }
  });
}

template <class T>
void copyStridedT(const Layout& L, const T* src, T* out) {
  const int nd = static_cast<int>(L.shape.size());
  const auto& st = L.strides[0];
  if (nd >= 2 && st[nd - 1] != 1 && L.shape[nd - 1] >= 8) {
    for (int d = nd - 2; d >= 0; d--)
      if (st[d] == 1 && L.shape[d] >= 8) {
        copyTransposed(L, d, src, out);
        return;
      }
  }
  copyRows(L, src, out);
}

}  // namespace

// copyStrided(src, srcOff, shape, strides, out, outOff)
napi_value copyStrided(napi_env env, napi_callback_info info) {
  Args a(env, info, "copyStrided", 6);
  Arr src = a.arr(0);
  int64_t srcOff = a.dim(1);
  Arr shape = a.typed(2, DType::I32), strides = a.typed(3, DType::I32);
  Arr out = a.arr(4);
  int64_t outOff = a.dim(5);
  if (!a.ok()) return nullptr;
  if (src.elemSize != out.elemSize || src.elemSize == 0)
    return a.fail("cannot copy %s into %s", dtypeName(src.type), dtypeName(out.type)), nullptr;
  if (strides.length != shape.length)
    return a.fail("shape has %lld dims but strides has %lld", (long long)shape.length,
                  (long long)strides.length), nullptr;
  Layout L;
  L.strides.resize(1);
  for (int64_t d = 0; d < shape.length; d++) {
    int32_t s = shape.as<int32_t>()[d];
    if (s < 0) return a.fail("negative dimension %d", s), nullptr;
    L.shape.push_back(s);
    L.strides[0].push_back(strides.as<int32_t>()[d]);
  }
  int64_t n = L.numel();
  if (!a.need(out, outOff, n, "out")) return nullptr;
  if (n == 0) return undefined(env);
  L.coalesce();
  int64_t lo, hi;
  L.extent(0, lo, hi);
  if (!a.need(src, srcOff + lo, hi - lo + 1, "src")) return nullptr;
  char* o = static_cast<char*>(out.data) + outOff * out.elemSize;
  const char* s = static_cast<const char*>(src.data) + srcOff * src.elemSize;
  switch (src.elemSize) {
    case 1: copyStridedT(L, reinterpret_cast<const uint8_t*>(s), reinterpret_cast<uint8_t*>(o)); break;
    case 2: copyStridedT(L, reinterpret_cast<const uint16_t*>(s), reinterpret_cast<uint16_t*>(o)); break;
    case 4: copyStridedT(L, reinterpret_cast<const uint32_t*>(s), reinterpret_cast<uint32_t*>(o)); break;
    default: copyStridedT(L, reinterpret_cast<const uint64_t*>(s), reinterpret_cast<uint64_t*>(o)); break;
  }
  return undefined(env);
}

// indexSelect(src, outer, size, inner, index: Int32Array, out): out[o, j, :] = src[o, index[j], :]
// for [outer, size, inner] src and any element type (rows are copied as bytes). Indices must be
// in [0, size) (the caller wraps negative ones).
napi_value indexSelect(napi_env env, napi_callback_info info) {
  Args a(env, info, "indexSelect", 6);
  Arr src = a.arr(0);
  int64_t outer = a.dim(1), size = a.dim(2), inner = a.dim(3);
  Arr index = a.typed(4, DType::I32);
  Arr out = a.arr(5);
  if (!a.ok()) return nullptr;
  if (src.elemSize != out.elemSize || src.elemSize == 0)
    return a.fail("cannot select %s into %s", dtypeName(src.type), dtypeName(out.type)), nullptr;
  const int64_t n = index.length;
  if (!a.need(src, 0, outer * size * inner, "src") || !a.need(out, 0, outer * n * inner, "out"))
    return nullptr;
  const int32_t* idx = index.as<int32_t>();
  for (int64_t j = 0; j < n; j++)
    if (idx[j] < 0 || idx[j] >= size)
      return a.fail("index %d is out of bounds for size %lld", idx[j], (long long)size), nullptr;
  const size_t rowBytes = size_t(inner) * src.elemSize;
  const char* s = static_cast<const char*>(src.data);
  char* o = static_cast<char*>(out.data);
  // One task per selected row; the grain keeps each task at >= 32 KiB of copying.
  const int64_t rows = outer * n;
  parallelFor(rows, std::max<int64_t>(1, int64_t(32768 / (rowBytes + 1))), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t oi = r / n, j = r % n;
      std::memcpy(o + size_t(r) * rowBytes, s + size_t(oi * size + idx[j]) * rowBytes, rowBytes);
    }
  });
  return undefined(env);
}

}  // namespace nabla
