// 2-D max and average pooling, NCHW, with PyTorch's window and divisor rules. One (n, c) plane is
// the unit of parallel work.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.h"
#include "napi_args.h"
#include "threadpool.h"

namespace nabla {
namespace {

struct PoolDims {
  int64_t N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW;
  int64_t planes() const { return N * C; }
};

// Output columns [lo, hi) whose windows lie inside the input horizontally (no padding, no
// clipping): there every window has the full KW width and the loops vectorise along ow.
inline void interiorCols(const PoolDims& d, int64_t kw, int64_t& lo, int64_t& hi) {
  int64_t span = (kw - 1) * d.dW + 1;
  lo = std::min(d.OW, (d.pW + d.sW - 1) / d.sW);
  hi = d.W + d.pW - span < 0 ? 0 : (d.W + d.pW - span) / d.sW + 1;
  hi = std::max(lo, std::min(hi, d.OW));
}
inline bool interiorRow(const PoolDims& d, int64_t oh, int64_t kh) {
  int64_t h0 = oh * d.sH - d.pH;
  return h0 >= 0 && h0 + (kh - 1) * d.dH + 1 <= d.H;
}

template <class T>
void maxForward(const PoolDims& d, const T* x, T* out, int32_t* idx) {
  const int64_t HW = d.H * d.W, OHW = d.OH * d.OW;
  int64_t lo, hi;
  interiorCols(d, d.KW, lo, hi);
  parallelFor(d.planes(), std::max<int64_t>(1, 16384 / (OHW * d.KH * d.KW + 1)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const T* xp = x + p * HW;
      for (int64_t oh = 0; oh < d.OH; oh++) {
        int64_t h0 = oh * d.sH - d.pH;
        int64_t h1 = std::min(h0 + (d.KH - 1) * d.dH + 1, d.H);
        const bool inside = interiorRow(d, oh, d.KH);
        T* o = out + p * OHW + oh * d.OW;
        int32_t* io = idx + p * OHW + oh * d.OW;
        if (inside && hi > lo) {
          // Same scan order and comparisons as the generic loop, vectorised along ow.
          std::fill(o + lo, o + hi, -std::numeric_limits<T>::infinity());
          for (int64_t ow = lo; ow < hi; ow++) io[ow] = static_cast<int32_t>(h0 * d.W + ow * d.sW - d.pW);
          for (int64_t kh = 0; kh < d.KH; kh++) {
            const int64_t h = h0 + kh * d.dH;
            const T* xr = xp + h * d.W - d.pW;
            for (int64_t kw = 0; kw < d.KW; kw++) {
              const int64_t off = kw * d.dW;
              for (int64_t ow = lo; ow < hi; ow++) {
                T v = xr[ow * d.sW + off];
                bool take = v > o[ow] || v != v;
                o[ow] = take ? v : o[ow];
                io[ow] = take ? static_cast<int32_t>(h * d.W + ow * d.sW - d.pW + off) : io[ow];
              }
            }
          }
        }
        while (h0 < 0) h0 += d.dH;
        for (int64_t ow = 0; ow < d.OW; ow++) {
          if (inside && ow >= lo && ow < hi) {
            ow = hi - 1;
            continue;
          }
          int64_t w0 = ow * d.sW - d.pW;
          int64_t w1 = std::min(w0 + (d.KW - 1) * d.dW + 1, d.W);
          while (w0 < 0) w0 += d.dW;
          // As PyTorch: start from the first in-bounds cell's index; a NaN wins (the last one).
          int64_t best = h0 * d.W + w0;
          T mv = -std::numeric_limits<T>::infinity();
          for (int64_t h = h0; h < h1; h += d.dH)
            for (int64_t w = w0; w < w1; w += d.dW) {
              T v = xp[h * d.W + w];
              if (v > mv || std::isnan(v)) {
                mv = v;
                best = h * d.W + w;
              }
            }
          o[ow] = mv;
          io[ow] = static_cast<int32_t>(best);
        }
      }
    }
  });
}

template <class T>
void maxBackward(const PoolDims& d, const T* gout, const int32_t* idx, T* gx) {
  const int64_t HW = d.H * d.W, OHW = d.OH * d.OW;
  parallelFor(d.planes(), std::max<int64_t>(1, 16384 / (HW + OHW)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      T* g = gx + p * HW;
      std::fill(g, g + HW, T(0));
      const int32_t* ip = idx + p * OHW;
      const T* go = gout + p * OHW;
      // Indices were validated by the caller: each lies in [0, HW).
      for (int64_t o = 0; o < OHW; o++) g[ip[o]] += go[o];
    }
  });
}

// PyTorch's avg_pool2d divisor: the window clipped to the padded input when padding counts,
// to the real input otherwise.
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};
inline AvgWindow avgWindow(const PoolDims& d, int64_t oh, int64_t ow, bool includePad) {
  int64_t h0 = oh * d.sH - d.pH, w0 = ow * d.sW - d.pW;
  int64_t h1 = std::min(h0 + d.KH, d.H + d.pH), w1 = std::min(w0 + d.KW, d.W + d.pW);
  int64_t poolSize = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, d.H);
  w1 = std::min(w1, d.W);
  int64_t div = includePad ? poolSize : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, div};
}

template <class T>
void avgForward(const PoolDims& d, const T* x, T* out, bool includePad) {
  const int64_t HW = d.H * d.W, OHW = d.OH * d.OW;
  int64_t lo, hi;
  interiorCols(d, d.KW, lo, hi);
  const T div = T(d.KH * d.KW);
  parallelFor(d.planes(), std::max<int64_t>(1, 16384 / (OHW * d.KH * d.KW + 1)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const T* xp = x + p * HW;
      for (int64_t oh = 0; oh < d.OH; oh++) {
        T* o = out + p * OHW + oh * d.OW;
        const bool inside = interiorRow(d, oh, d.KH);
        if (inside && hi > lo) {
          // Sums in the same order as the generic loop (h outer, w inner), then one division.
          std::fill(o + lo, o + hi, T(0));
          for (int64_t kh = 0; kh < d.KH; kh++) {
            const T* xr = xp + (oh * d.sH - d.pH + kh) * d.W - d.pW;
            for (int64_t kw = 0; kw < d.KW; kw++)
              for (int64_t ow = lo; ow < hi; ow++) o[ow] += xr[ow * d.sW + kw];
          }
          for (int64_t ow = lo; ow < hi; ow++) o[ow] /= div;
        }
        for (int64_t ow = 0; ow < d.OW; ow++) {
          if (inside && ow >= lo && ow < hi) {
            ow = hi - 1;
            continue;
          }
          AvgWindow win = avgWindow(d, oh, ow, includePad);
          T s = 0;
          for (int64_t h = win.h0; h < win.h1; h++)
            for (int64_t w = win.w0; w < win.w1; w++) s += xp[h * d.W + w];
          // An empty window (only possible with ceil-mode sizes) divides 0 by 0 in PyTorch too;
          // it yields 0 here rather than NaN only when the divisor is 0.
          o[ow] = win.divisor > 0 ? s / T(win.divisor) : T(0);
        }
      }
    }
  });
}

template <class T>
void avgBackward(const PoolDims& d, const T* gout, T* gx, bool includePad) {
  const int64_t HW = d.H * d.W, OHW = d.OH * d.OW;
  int64_t lo, hi;
  interiorCols(d, d.KW, lo, hi);
  if (hi - lo > 1024) hi = lo;  // the fast path keeps one row of quotients on the stack
  const T div = T(d.KH * d.KW);
  parallelFor(d.planes(), std::max<int64_t>(1, 16384 / (HW + OHW * d.KH * d.KW)), [&](int64_t p0, int64_t p1) {
    T v[1024];
    for (int64_t p = p0; p < p1; p++) {
      T* g = gx + p * HW;
      std::fill(g, g + HW, T(0));
      for (int64_t oh = 0; oh < d.OH; oh++) {
        const bool inside = interiorRow(d, oh, d.KH);
        if (inside && hi > lo) {
          const T* go = gout + p * OHW + oh * d.OW;
          for (int64_t ow = lo; ow < hi; ow++) v[ow - lo] = go[ow] / div;
          for (int64_t kh = 0; kh < d.KH; kh++) {
            T* gr = g + (oh * d.sH - d.pH + kh) * d.W - d.pW;
            for (int64_t kw = 0; kw < d.KW; kw++)
              for (int64_t ow = lo; ow < hi; ow++) gr[ow * d.sW + kw] += v[ow - lo];
          }
        }
        for (int64_t ow = 0; ow < d.OW; ow++) {
          if (inside && ow >= lo && ow < hi) {
            ow = hi - 1;
            continue;
          }
          AvgWindow win = avgWindow(d, oh, ow, includePad);
          if (win.divisor <= 0) continue;
          T q = gout[p * OHW + oh * d.OW + ow] / T(win.divisor);
          for (int64_t h = win.h0; h < win.h1; h++)
            for (int64_t w = win.w0; w < win.w1; w++) g[h * d.W + w] += q;
        }
      }
    }
  });
}

bool checkWindow(Args& a, const PoolDims& d, bool dilated) {
  if (!a.ok()) return false;
  if (d.KH < 1 || d.KW < 1 || d.sH < 1 || d.sW < 1 || (dilated && (d.dH < 1 || d.dW < 1)))
    return a.fail("kernel, stride and dilation must be >= 1");
  if (d.pH * 2 > d.KH || d.pW * 2 > d.KW)
    return a.fail("padding %lldx%lld must be at most half the kernel %lldx%lld", (long long)d.pH,
                  (long long)d.pW, (long long)d.KH, (long long)d.KW);
  return true;
}

template <class F>
void dispatch(const Arr& a, F&& f) {
  if (a.type == DType::F32)
    f(static_cast<float*>(nullptr));
  else
    f(static_cast<double*>(nullptr));
}

}  // namespace

// (x, out, indices, N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW)
napi_value maxPool2dForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "maxPool2dForward", 17);
  Arr x = a.floating(0), out = a.floating(1), idx = a.typed(2, DType::I32);
  PoolDims d{};
  int64_t* f[] = {&d.N, &d.C, &d.H, &d.W, &d.KH, &d.KW, &d.sH, &d.sW, &d.pH, &d.pW, &d.dH, &d.dW, &d.OH, &d.OW};
  for (size_t i = 0; i < 14; i++) *f[i] = a.dim(3 + i);
  if (!checkWindow(a, d, true) || !a.sameType(x, out, "maxPool2dForward")) return nullptr;
  int64_t o = d.planes() * d.OH * d.OW;
  if (!a.need(x, 0, d.planes() * d.H * d.W, "x") || !a.need(out, 0, o, "out") ||
      !a.need(idx, 0, o, "indices"))
    return nullptr;
  if (d.H * d.W > INT32_MAX) return a.fail("plane too large for int32 indices"), nullptr;
  if (o > 0 && (d.H == 0 || d.W == 0)) return a.fail("empty input with non-empty output"), nullptr;
  dispatch(x, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    maxForward<T>(d, x.as<T>(), out.as<T>(), idx.as<int32_t>());
  });
  return undefined(env);
}

// (gradOut, indices, gradX, N, C, H, W, OH, OW)
napi_value maxPool2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "maxPool2dBackward", 9);
  Arr go = a.floating(0), idx = a.typed(1, DType::I32), gx = a.floating(2);
  PoolDims d{};
  d.N = a.dim(3), d.C = a.dim(4), d.H = a.dim(5), d.W = a.dim(6), d.OH = a.dim(7), d.OW = a.dim(8);
  if (!a.ok() || !a.sameType(go, gx, "maxPool2dBackward")) return nullptr;
  int64_t o = d.planes() * d.OH * d.OW, HW = d.H * d.W;
  if (!a.need(go, 0, o, "gradOut") || !a.need(idx, 0, o, "indices") ||
      !a.need(gx, 0, d.planes() * HW, "gradX"))
    return nullptr;
  const int32_t* ip = idx.as<int32_t>();
  for (int64_t i = 0; i < o; i++)
    if (ip[i] < 0 || ip[i] >= HW)
      return a.fail("index %d at position %lld is outside the %lldx%lld plane", ip[i],
                    (long long)i, (long long)d.H, (long long)d.W), nullptr;
  dispatch(go, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    maxBackward<T>(d, go.as<T>(), ip, gx.as<T>());
  });
  return undefined(env);
}

static bool readAvg(Args& a, size_t first, PoolDims& d, bool& includePad) {
  int64_t* f[] = {&d.N, &d.C, &d.H, &d.W, &d.KH, &d.KW, &d.sH, &d.sW, &d.pH, &d.pW, &d.OH, &d.OW};
  for (size_t i = 0; i < 12; i++) *f[i] = a.dim(first + i);
  includePad = a.boolean(first + 12);
  d.dH = d.dW = 1;
  return checkWindow(a, d, false);
}

// (x, out, N, C, H, W, KH, KW, sH, sW, pH, pW, OH, OW, countIncludePad)
napi_value avgPool2dForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "avgPool2dForward", 15);
  Arr x = a.floating(0), out = a.floating(1);
  PoolDims d{};
  bool inc = false;
  if (!readAvg(a, 2, d, inc) || !a.sameType(x, out, "avgPool2dForward")) return nullptr;
  if (!a.need(x, 0, d.planes() * d.H * d.W, "x") ||
      !a.need(out, 0, d.planes() * d.OH * d.OW, "out"))
    return nullptr;
  dispatch(x, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    avgForward<T>(d, x.as<T>(), out.as<T>(), inc);
  });
  return undefined(env);
}

// (gradOut, gradX, N, C, H, W, KH, KW, sH, sW, pH, pW, OH, OW, countIncludePad)
napi_value avgPool2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "avgPool2dBackward", 15);
  Arr go = a.floating(0), gx = a.floating(1);
  PoolDims d{};
  bool inc = false;
  if (!readAvg(a, 2, d, inc) || !a.sameType(go, gx, "avgPool2dBackward")) return nullptr;
  if (!a.need(go, 0, d.planes() * d.OH * d.OW, "gradOut") ||
      !a.need(gx, 0, d.planes() * d.H * d.W, "gradX"))
    return nullptr;
  dispatch(go, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    avgBackward<T>(d, go.as<T>(), gx.as<T>(), inc);
  });
  return undefined(env);
}

}  // namespace nabla
