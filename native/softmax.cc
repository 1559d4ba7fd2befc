// softmax / log_softmax over the middle axis of [outer, size, inner], their backward passes, and
// a fused cross-entropy (log_softmax + NLL) over [N, C] logits. Max-subtraction keeps exp in
// range; sums accumulate in double.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "accumulate.h"
#include "kernels.h"
#include "napi_args.h"
#include "threadpool.h"
#include "vmath.h"

namespace nabla {
namespace {

// Column tiles (inner > 1): positions handled together so that each row is read in runs of
// kTile contiguous elements.
constexpr int64_t kTile = 256;

inline void expInPlace(float* p, int64_t n) {
  int64_t i = 0;
  for (; i + vm::VL <= n; i += vm::VL) vm::storeu(p + i, vm::exp(vm::loadu(p + i)));
  if (i < n) {
    float buf[vm::VL] = {0};
    std::memcpy(buf, p + i, sizeof(float) * (n - i));
    vm::storeu(buf, vm::exp(vm::loadu(buf)));
    std::memcpy(p + i, buf, sizeof(float) * (n - i));
  }
}
inline void expInPlace(double* p, int64_t n) {
  for (int64_t i = 0; i < n; i++) p[i] = std::exp(p[i]);
}

// dst = exp(src) over n contiguous elements, for the log-softmax backward passes: exp(y) of a
// whole chunk of rows in one stretch, so rows of a few classes do not each waste a vector.
template <class T>
void expOf(T* dst, const T* src, int64_t n) {
  std::memcpy(dst, src, sizeof(T) * n);
  expInPlace(dst, n);
}

// One contiguous row: out = softmax(x) or log_softmax(x).
template <class T>
void rowForward(const T* x, T* out, int64_t n, bool logMode) {
  // A NaN anywhere makes the whole row NaN through x - m, whatever max it is skipped by.
  const T m = laneMax(x, n);
  for (int64_t i = 0; i < n; i++) out[i] = x[i] - m;
  if (logMode) {
    // log_softmax = (x - m) - log(sum exp(x - m)); exp goes to a scratch row only when needed.
    T tmp[256];
    double s = 0;
    for (int64_t i0 = 0; i0 < n; i0 += 256) {
      int64_t w = std::min<int64_t>(256, n - i0);
      std::memcpy(tmp, out + i0, sizeof(T) * w);
      expInPlace(tmp, w);
      s += laneSum<T>(w, [&](int64_t i) { return tmp[i]; });
    }
    T ls = static_cast<T>(std::log(s));
    for (int64_t i = 0; i < n; i++) out[i] -= ls;
  } else {
    expInPlace(out, n);
    double s = laneSum<T>(n, [&](int64_t i) { return out[i]; });
    T inv = static_cast<T>(1.0 / s);
    for (int64_t i = 0; i < n; i++) out[i] *= inv;
  }
}

// Rows shorter than kShortRow (10 classes, say): the max and sum of each row are scalar, but exp
// runs over up to kShortBlock elements of consecutive rows at once, so a short row does not pay
// for a whole masked vector and a scratch copy of its own.
constexpr int64_t kShortRow = 32, kShortBlock = 1024;

template <class T>
void shortRowsForward(const T* x, T* out, int64_t rows, int64_t n, bool logMode) {
  T e[kShortBlock];
  const int64_t per = kShortBlock / n;
  for (int64_t r0 = 0; r0 < rows; r0 += per) {
    const int64_t b = std::min(per, rows - r0);
    const T* xb = x + r0 * n;
    T* ob = out + r0 * n;
    for (int64_t r = 0; r < b; r++) {
      const T* xr = xb + r * n;
      T m = xr[0];  // as in rowForward, a NaN anywhere still ends up in every output of the row
      for (int64_t i = 1; i < n; i++) m = xr[i] > m ? xr[i] : m;
      for (int64_t i = 0; i < n; i++) e[r * n + i] = xr[i] - m;
    }
    if (logMode) std::memcpy(ob, e, sizeof(T) * b * n);
    expInPlace(e, b * n);
    for (int64_t r = 0; r < b; r++) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += e[r * n + i];
      T* o = ob + r * n;
      if (logMode) {
        const T ls = static_cast<T>(std::log(s));
        for (int64_t i = 0; i < n; i++) o[i] -= ls;
      } else {
        const T inv = static_cast<T>(1.0 / s);
        for (int64_t i = 0; i < n; i++) o[i] = e[r * n + i] * inv;
      }
    }
  }
}

// Columns: [size, inner] slab of one outer index, processed in tiles of inner positions.
template <class T>
void colForward(const T* x, T* out, int64_t size, int64_t inner, int64_t i0, int64_t w, bool logMode) {
  T m[kTile];
  double s[kTile];
  std::fill(m, m + w, -std::numeric_limits<T>::infinity());
  std::fill(s, s + w, 0.0);
  for (int64_t k = 0; k < size; k++)
    for (int64_t i = 0; i < w; i++) {
      T v = x[k * inner + i0 + i];
      m[i] = v > m[i] ? v : m[i];
    }
  for (int64_t k = 0; k < size; k++) {
    T* o = out + k * inner + i0;
    for (int64_t i = 0; i < w; i++) o[i] = x[k * inner + i0 + i] - m[i];
    if (logMode) {
      T tmp[kTile];
      std::memcpy(tmp, o, sizeof(T) * w);
      expInPlace(tmp, w);
      for (int64_t i = 0; i < w; i++) s[i] += tmp[i];
    } else {
      expInPlace(o, w);
      for (int64_t i = 0; i < w; i++) s[i] += o[i];
    }
  }
  T f[kTile];
  for (int64_t i = 0; i < w; i++) f[i] = static_cast<T>(logMode ? std::log(s[i]) : 1.0 / s[i]);
  for (int64_t k = 0; k < size; k++) {
    T* o = out + k * inner + i0;
    if (logMode)
      for (int64_t i = 0; i < w; i++) o[i] -= f[i];
    else
      for (int64_t i = 0; i < w; i++) o[i] *= f[i];
  }
}

template <class T>
void forward(const T* x, T* out, int64_t outer, int64_t size, int64_t inner, bool logMode) {
  if (size == 0) return;
  if (inner == 1) {
    parallelFor(outer, std::max<int64_t>(1, 16384 / size), [&](int64_t o0, int64_t o1) {
      if (size < kShortRow) {
        shortRowsForward(x + o0 * size, out + o0 * size, o1 - o0, size, logMode);
        return;
      }
      for (int64_t o = o0; o < o1; o++) rowForward(x + o * size, out + o * size, size, logMode);
    });
    return;
  }
  const int64_t tiles = (inner + kTile - 1) / kTile;
  parallelFor(outer * tiles, std::max<int64_t>(1, 16384 / (size * std::min<int64_t>(kTile, inner))),
              [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      int64_t o = t / tiles, i0 = (t % tiles) * kTile;
      colForward(x + o * size * inner, out + o * size * inner, size, inner, i0,
                 std::min<int64_t>(kTile, inner - i0), logMode);
    }
  });
}

// One contiguous row. softmax: gradIn = y * (g - sum(g * y)). log_softmax: gradIn =
// g - exp(y) * sum(g), with exp(y) already in gi (the caller computes it for a whole chunk).
template <class T>
void rowBackward(const T* y, const T* g, T* gi, int64_t n, bool logMode) {
  if (logMode) {
    const T s = static_cast<T>(laneSum<T>(n, [&](int64_t i) { return g[i]; }));
    for (int64_t i = 0; i < n; i++) gi[i] = g[i] - gi[i] * s;
  } else {
    const T s = static_cast<T>(laneSum<T>(n, [&](int64_t i) { return g[i] * y[i]; }));
    for (int64_t i = 0; i < n; i++) gi[i] = y[i] * (g[i] - s);
  }
}

// Columns of one [size, inner] slab, a tile of w positions at a time (rows read contiguously).
template <class T>
void colBackward(const T* y, const T* g, T* gi, int64_t size, int64_t inner, int64_t i0, int64_t w,
                 bool logMode) {
  double s[kTile] = {0};
  for (int64_t k = 0; k < size; k++) {
    const T* gr = g + k * inner + i0;
    const T* yr = y + k * inner + i0;
    if (logMode)
      for (int64_t i = 0; i < w; i++) s[i] += gr[i];
    else
      for (int64_t i = 0; i < w; i++) s[i] += double(gr[i]) * yr[i];
  }
  T ts[kTile];
  for (int64_t i = 0; i < w; i++) ts[i] = static_cast<T>(s[i]);
  for (int64_t k = 0; k < size; k++) {
    const T* gr = g + k * inner + i0;
    const T* yr = y + k * inner + i0;
    T* o = gi + k * inner + i0;
    if (logMode) {
      std::memcpy(o, yr, sizeof(T) * w);
      expInPlace(o, w);
      for (int64_t i = 0; i < w; i++) o[i] = gr[i] - o[i] * ts[i];
    } else {
      for (int64_t i = 0; i < w; i++) o[i] = yr[i] * (gr[i] - ts[i]);
    }
  }
}

template <class T>
void backward(const T* y, const T* g, T* gi, int64_t outer, int64_t size, int64_t inner, bool logMode) {
  if (size == 0) return;
  if (inner == 1) {
    parallelFor(outer, std::max<int64_t>(1, 16384 / size), [&](int64_t o0, int64_t o1) {
      if (logMode) expOf(gi + o0 * size, y + o0 * size, (o1 - o0) * size);
      for (int64_t o = o0; o < o1; o++) rowBackward(y + o * size, g + o * size, gi + o * size, size, logMode);
    });
    return;
  }
  const int64_t tiles = (inner + kTile - 1) / kTile;
  parallelFor(outer * tiles, std::max<int64_t>(1, 16384 / (size * std::min<int64_t>(kTile, inner))),
              [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      int64_t o = t / tiles, i0 = (t % tiles) * kTile;
      colBackward(y + o * size * inner, g + o * size * inner, gi + o * size * inner, size, inner, i0,
                  std::min<int64_t>(kTile, inner - i0), logMode);
    }
  });
}

template <class F>
void dispatch(const Arr& a, F&& f) {
  if (a.type == DType::F32)
    f(static_cast<float*>(nullptr));
  else
    f(static_cast<double*>(nullptr));
}

napi_value forwardEntry(napi_env env, napi_callback_info info, const char* name, bool logMode) {
  Args a(env, info, name, 5);
  Arr x = a.floating(0), out = a.floating(1);
  int64_t outer = a.dim(2), size = a.dim(3), inner = a.dim(4);
  if (!a.ok() || !a.sameType(x, out, name)) return nullptr;
  int64_t n = outer * size * inner;
  if (!a.need(x, 0, n, "x") || !a.need(out, 0, n, "out")) return nullptr;
  dispatch(x, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    forward<T>(x.as<T>(), out.as<T>(), outer, size, inner, logMode);
  });
  return undefined(env);
}

napi_value backwardEntry(napi_env env, napi_callback_info info, const char* name, bool logMode) {
  Args a(env, info, name, 6);
  Arr y = a.floating(0), g = a.floating(1), gi = a.floating(2);
  int64_t outer = a.dim(3), size = a.dim(4), inner = a.dim(5);
  if (!a.ok() || !a.sameType(y, g, name) || !a.sameType(y, gi, name)) return nullptr;
  int64_t n = outer * size * inner;
  if (!a.need(y, 0, n, "out") || !a.need(g, 0, n, "gradOut") || !a.need(gi, 0, n, "gradIn"))
    return nullptr;
  dispatch(y, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    backward<T>(y.as<T>(), g.as<T>(), gi.as<T>(), outer, size, inner, logMode);
  });
  return undefined(env);
}

bool checkTargets(Args& a, const Arr& t, int64_t N, int64_t C) {
  const int32_t* tp = t.as<int32_t>();
  for (int64_t i = 0; i < N; i++)
    if (tp[i] < 0 || tp[i] >= C)
      return a.fail("target %d of sample %lld is out of range for %lld classes", tp[i],
                    (long long)i, (long long)C);
  return true;
}

}  // namespace

// (x, out, outer, size, inner)
napi_value softmaxForward(napi_env env, napi_callback_info info) {
  return forwardEntry(env, info, "softmaxForward", false);
}
napi_value logSoftmaxForward(napi_env env, napi_callback_info info) {
  return forwardEntry(env, info, "logSoftmaxForward", true);
}
// (out, gradOut, gradIn, outer, size, inner)
napi_value softmaxBackward(napi_env env, napi_callback_info info) {
  return backwardEntry(env, info, "softmaxBackward", false);
}
napi_value logSoftmaxBackward(napi_env env, napi_callback_info info) {
  return backwardEntry(env, info, "logSoftmaxBackward", true);
}

// crossEntropyForward(logits, targets, N, C, lossPerSample, logSoftmaxOut)
napi_value crossEntropyForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "crossEntropyForward", 6);
  Arr x = a.floating(0), t = a.typed(1, DType::I32);
  int64_t N = a.dim(2), C = a.dim(3);
  Arr loss = a.floating(4), lsm = a.floating(5);
  if (!a.ok() || !a.sameType(x, loss, "crossEntropyForward") ||
      !a.sameType(x, lsm, "crossEntropyForward"))
    return nullptr;
  if (!a.need(x, 0, N * C, "logits") || !a.need(t, 0, N, "targets") ||
      !a.need(loss, 0, N, "lossPerSample") || !a.need(lsm, 0, N * C, "logSoftmaxOut") ||
      !checkTargets(a, t, N, C))
    return nullptr;
  dispatch(x, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    forward<T>(x.as<T>(), lsm.as<T>(), N, C, 1, true);
    const int32_t* tp = t.as<int32_t>();
    T* lp = loss.as<T>();
    const T* ls = lsm.as<T>();
    for (int64_t i = 0; i < N; i++) lp[i] = -ls[i * C + tp[i]];
  });
  return undefined(env);
}

// crossEntropyBackward(logSoftmaxOut, targets, gradLossPerSample, gradLogits, N, C):
//   gradLogits[i, j] = g[i] * (softmax[i, j] - [j == target[i]])
napi_value crossEntropyBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "crossEntropyBackward", 6);
  Arr lsm = a.floating(0), t = a.typed(1, DType::I32), g = a.floating(2), gx = a.floating(3);
  int64_t N = a.dim(4), C = a.dim(5);
  if (!a.ok() || !a.sameType(lsm, g, "crossEntropyBackward") ||
      !a.sameType(lsm, gx, "crossEntropyBackward"))
    return nullptr;
  if (!a.need(lsm, 0, N * C, "logSoftmaxOut") || !a.need(t, 0, N, "targets") ||
      !a.need(g, 0, N, "gradLossPerSample") || !a.need(gx, 0, N * C, "gradLogits") ||
      !checkTargets(a, t, N, C))
    return nullptr;
  dispatch(lsm, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* ls = lsm.as<T>();
    const T* gp = g.as<T>();
    const int32_t* tp = t.as<int32_t>();
    T* o = gx.as<T>();
    parallelFor(N, std::max<int64_t>(1, 16384 / (C + 1)), [&](int64_t i0, int64_t i1) {
      expOf(o + i0 * C, ls + i0 * C, (i1 - i0) * C);
      for (int64_t i = i0; i < i1; i++) {
        T* r = o + i * C;
        const T gi = gp[i];
        for (int64_t j = 0; j < C; j++) r[j] *= gi;
        r[tp[i]] -= gi;
      }
    });
  });
  return undefined(env);
}

}  // namespace nabla
