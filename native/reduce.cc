// Reductions over the middle axis of a contiguous [outer, size, inner] array.
// Sums are accurate: contiguous rows (inner == 1) are summed in fixed 64K-element blocks, each
// with 64 independent lanes and pairwise combination, and the block sums combined pairwise;
// strided columns (inner > 1) accumulate in double. The block layout does not depend on the
// thread count, so results are identical for any NABLA_NUM_THREADS.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "accumulate.h"
#include "kernels.h"
#include "napi_args.h"
#include "scratch.h"
#include "threadpool.h"

namespace nabla {
namespace {

enum class Op { Sum, Max, Min, Prod, Invalid };
constexpr int64_t kBlock = 1 << 16;

// Pairwise sum of a short array of partials.
double pairwise(const double* p, int64_t n) {
  if (n <= 8) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += p[i];
    return s;
  }
  return pairwise(p, n / 2) + pairwise(p + n / 2, n - n / 2);
}

// Sum of a contiguous run: 64 lanes of T (vectorisable), runs over 4096 split in halves.
template <class T>
double sumContig(const T* x, int64_t n) {
  if (n > 4096) {
    int64_t h = (n / 2 + 63) & ~int64_t(63);
    return sumContig(x, h) + sumContig(x + h, n - h);
  }
  T acc[64] = {};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int j = 0; j < 64; j++) acc[j] += x[i + j];
  for (int j = 0; i < n; i++, j++) acc[j] += x[i];
  double lanes[64];
  for (int j = 0; j < 64; j++) lanes[j] = acc[j];
  return pairwise(lanes, 64);
}

template <Op op, class T>
T reduceRun(const T* x, int64_t n, int64_t stride) {
  if constexpr (op == Op::Prod) {
    double p = 1;
    for (int64_t i = 0; i < n; i++) p *= x[i * stride];
    return static_cast<T>(p);
  } else {
    // max/min propagate NaN; the NaN test is a separate vectorisable OR.
    T m = x[0];
    bool nan = false;
    for (int64_t i = 0; i < n; i++) {
      T v = x[i * stride];
      nan |= v != v;
      if constexpr (op == Op::Max)
        m = v > m ? v : m;
      else
        m = v < m ? v : m;
    }
    return nan ? std::numeric_limits<T>::quiet_NaN() : m;
  }
}

template <Op op, class T>
void reduceT(const T* x, int64_t outer, int64_t size, int64_t inner, T* out) {
  if (size == 0) {
    std::fill(out, out + outer * inner, op == Op::Prod ? T(1) : T(0));
    return;
  }
  if (op == Op::Sum && inner == 1) {
    const int64_t nb = (size + kBlock - 1) / kBlock;
    if (nb == 1) {
      parallelFor(outer, std::max<int64_t>(1, 32768 / size), [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; o++) out[o] = static_cast<T>(sumContig(x + o * size, size));
      });
      return;
    }
    double* part = scratchOf<double>(kScratchPartial, outer * nb);
    parallelTasks(outer * nb, [&](int64_t t) {
      int64_t o = t / nb, b = t % nb, s0 = b * kBlock, s1 = std::min(size, s0 + kBlock);
      part[t] = sumContig(x + o * size + s0, s1 - s0);
    });
    for (int64_t o = 0; o < outer; o++) out[o] = static_cast<T>(pairwise(part + o * nb, nb));
    return;
  }
  if (op == Op::Sum) {
    // Columns: double accumulators for a tile of 256 columns, rows streamed in order.
    constexpr int64_t TW = 256;
    const int64_t tiles = (inner + TW - 1) / TW;
    parallelFor(outer * tiles, std::max<int64_t>(1, 32768 / (size * std::min(inner, TW))),
                [&](int64_t t0, int64_t t1) {
      double acc[TW];
      for (int64_t t = t0; t < t1; t++) {
        int64_t o = t / tiles, i0 = (t % tiles) * TW, w = std::min(TW, inner - i0);
        std::fill(acc, acc + w, 0.0);
        const T* base = x + o * size * inner + i0;
        for (int64_t s = 0; s < size; s++) {
          const T* r = base + s * inner;
          for (int64_t i = 0; i < w; i++) acc[i] += r[i];
        }
        for (int64_t i = 0; i < w; i++) out[o * inner + i0 + i] = static_cast<T>(acc[i]);
      }
    });
    return;
  }
  if (inner == 1) {
    parallelFor(outer, std::max<int64_t>(1, 32768 / size), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const T* r = x + o * size;
        if constexpr (op == Op::Prod) {
          out[o] = reduceRun<op>(r, size, 1);
        } else {
          // Independent lanes (vectorised); NaN propagation checked separately.
          T m = op == Op::Max ? laneMax(r, size) : laneMin(r, size);
          out[o] = anyNaN(r, size) ? std::numeric_limits<T>::quiet_NaN() : m;
        }
      }
    });
    return;
  }
  // Columns: a tile of up to 256 positions, rows streamed contiguously.
  constexpr int64_t TW = 256;
  const int64_t tiles = (inner + TW - 1) / TW;
  parallelFor(outer * tiles, std::max<int64_t>(1, 32768 / (size * std::min(inner, TW))),
              [&](int64_t t0, int64_t t1) {
    T acc[TW];
    double prod[TW];
    for (int64_t t = t0; t < t1; t++) {
      int64_t o = t / tiles, i0 = (t % tiles) * TW, w = std::min(TW, inner - i0);
      const T* base = x + o * size * inner + i0;
      if constexpr (op == Op::Prod) {
        std::fill(prod, prod + w, 1.0);
        for (int64_t s = 0; s < size; s++)
          for (int64_t i = 0; i < w; i++) prod[i] *= base[s * inner + i];
        for (int64_t i = 0; i < w; i++) out[o * inner + i0 + i] = static_cast<T>(prod[i]);
      } else {
        // A NaN, once taken, stays: comparisons with it are false (PyTorch propagates NaN).
        for (int64_t i = 0; i < w; i++) acc[i] = base[i];
        for (int64_t s = 0; s < size; s++) {
          const T* r = base + s * inner;
          for (int64_t i = 0; i < w; i++) {
            if constexpr (op == Op::Max)
              acc[i] = (r[i] > acc[i] || r[i] != r[i]) ? r[i] : acc[i];
            else
              acc[i] = (r[i] < acc[i] || r[i] != r[i]) ? r[i] : acc[i];
          }
        }
        for (int64_t i = 0; i < w; i++) out[o * inner + i0 + i] = acc[i];
      }
    }
  });
}

// First index of the max (min); a NaN counts as the max (min), and the first NaN wins.
template <bool isMax, class T>
void argT(const T* x, int64_t outer, int64_t size, int64_t inner, int32_t* out) {
  if (inner > 1) {
    // Tiles of columns so that rows are read contiguously; per column: best value, its index,
    // and whether a NaN (which wins at its first position) was seen.
    constexpr int64_t TW = 256;
    const int64_t tiles = (inner + TW - 1) / TW;
    parallelFor(outer * tiles, std::max<int64_t>(1, 32768 / (size * std::min(inner, TW))),
                [&](int64_t t0, int64_t t1) {
      T best[TW];
      int32_t idx[TW];
      bool done[TW];
      for (int64_t t = t0; t < t1; t++) {
        int64_t o = t / tiles, i0 = (t % tiles) * TW, w = std::min(TW, inner - i0);
        const T* base = x + o * size * inner + i0;
        for (int64_t i = 0; i < w; i++) best[i] = base[i], idx[i] = 0, done[i] = base[i] != base[i];
        for (int64_t s = 1; s < size; s++) {
          const T* r = base + s * inner;
          for (int64_t i = 0; i < w; i++) {
            if (done[i]) continue;
            T v = r[i];
            if (v != v) {
              idx[i] = static_cast<int32_t>(s);
              done[i] = true;
            } else if (isMax ? v > best[i] : v < best[i]) {
              best[i] = v;
              idx[i] = static_cast<int32_t>(s);
            }
          }
        }
        for (int64_t i = 0; i < w; i++) out[o * inner + i0 + i] = idx[i];
      }
    });
    return;
  }
  parallelFor(outer * inner, std::max<int64_t>(1, 32768 / size), [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) {
      int64_t o = j / inner, i = j % inner;
      const T* p = x + o * size * inner + i;
      T best = p[0];
      int64_t bi = 0;
      if (best == best) {
        for (int64_t s = 1; s < size; s++) {
          T v = p[s * inner];
          if (v != v) {
            bi = s;
            break;
          }
          if (isMax ? v > best : v < best) best = v, bi = s;
        }
      }
      out[j] = static_cast<int32_t>(bi);
    }
  });
}

Op parseOp(const std::string& s) {
  if (s == "sum") return Op::Sum;
  if (s == "max") return Op::Max;
  if (s == "min") return Op::Min;
  if (s == "prod") return Op::Prod;
  return Op::Invalid;
}

template <class T>
void reduceDispatch(Op op, const T* x, int64_t outer, int64_t size, int64_t inner, T* out) {
  switch (op) {
    case Op::Sum: reduceT<Op::Sum>(x, outer, size, inner, out); break;
    case Op::Max: reduceT<Op::Max>(x, outer, size, inner, out); break;
    case Op::Min: reduceT<Op::Min>(x, outer, size, inner, out); break;
    case Op::Prod: reduceT<Op::Prod>(x, outer, size, inner, out); break;
    default: break;
  }
}

}  // namespace

// reduce(op, x, outer, size, inner, out)
napi_value reduce(napi_env env, napi_callback_info info) {
  Args a(env, info, "reduce", 6);
  std::string name = a.str(0);
  Arr x = a.floating(1);
  int64_t outer = a.dim(2), size = a.dim(3), inner = a.dim(4);
  Arr out = a.floating(5);
  if (!a.ok()) return nullptr;
  Op op = parseOp(name);
  if (op == Op::Invalid) return a.fail("unknown op '%s'", name.c_str()), nullptr;
  if (!a.sameType(x, out, name.c_str()) || !a.need(x, 0, outer * size * inner, "x") ||
      !a.need(out, 0, outer * inner, "out"))
    return nullptr;
  if (size == 0 && outer * inner > 0 && (op == Op::Max || op == Op::Min))
    return a.fail("%s of an empty dimension has no identity", name.c_str()), nullptr;
  if (x.type == DType::F32)
    reduceDispatch<float>(op, x.as<float>(), outer, size, inner, out.as<float>());
  else
    reduceDispatch<double>(op, x.as<double>(), outer, size, inner, out.as<double>());
  return undefined(env);
}

// argReduce("argmax" | "argmin", x, outer, size, inner, outIndices)
napi_value argReduce(napi_env env, napi_callback_info info) {
  Args a(env, info, "argReduce", 6);
  std::string name = a.str(0);
  Arr x = a.floating(1);
  int64_t outer = a.dim(2), size = a.dim(3), inner = a.dim(4);
  Arr out = a.typed(5, DType::I32);
  if (!a.ok()) return nullptr;
  if (name != "argmax" && name != "argmin")
    return a.fail("unknown op '%s'", name.c_str()), nullptr;
  if (!a.need(x, 0, outer * size * inner, "x") || !a.need(out, 0, outer * inner, "outIndices"))
    return nullptr;
  if (outer * inner == 0) return undefined(env);
  if (size == 0) return a.fail("%s of an empty dimension", name.c_str()), nullptr;
  bool mx = name == "argmax";
  if (x.type == DType::F32)
    mx ? argT<true>(x.as<float>(), outer, size, inner, out.as<int32_t>())
       : argT<false>(x.as<float>(), outer, size, inner, out.as<int32_t>());
  else
    mx ? argT<true>(x.as<double>(), outer, size, inner, out.as<int32_t>())
       : argT<false>(x.as<double>(), outer, size, inner, out.as<int32_t>());
  return undefined(env);
}

}  // namespace nabla
