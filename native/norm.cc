// Batch normalisation over a [N, C, HW] view (BatchNorm1d/2d). Channels are independent, so a
// channel is the unit of parallel work; statistics accumulate in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "accumulate.h"
#include "kernels.h"
#include "napi_args.h"
#include "threadpool.h"

namespace nabla {
namespace {

// Up to this many elements per channel per sample, channels are processed as slices of whole
// [C*HW] rows, which is fast for BatchNorm1d (HW = 1) and small feature maps; larger planes go
// one channel at a time (the per-slice accumulators would outgrow the cache).
constexpr int64_t kRowSweepMaxHW = 4096;

// Per-element accumulators of one thread's channel slice [c0, c1) across all N samples.
struct SliceSums {
  std::vector<double> a, b;
  explicit SliceSums(int64_t len) : a(len, 0.0), b(len, 0.0) {}
  // Both sums over the HW elements of the slice's channel `local` (c - c0).
  void total(int64_t local, int64_t HW, double& ta, double& tb) const {
    ta = 0, tb = 0;
    for (int64_t i = local * HW; i < (local + 1) * HW; i++) ta += a[i], tb += b[i];
  }
};

// Sets the HW per-element values of the slice's channel `local` (c - c0) to `v`.
template <class T>
inline void fillChannel(std::vector<T>& slice, int64_t local, int64_t HW, T v) {
  std::fill(slice.begin() + local * HW, slice.begin() + (local + 1) * HW, v);
}

template <class T>
void forwardTrainRows(const T* x, const T* w, const T* b, T* out, T* mean, T* invstd, int64_t N,
                      int64_t C, int64_t HW, double eps) {
  const double cnt = double(N) * HW;
  const int64_t R = C * HW;
  parallelFor(C, std::max<int64_t>(1, 32768 / (N * HW + 1)), [&](int64_t c0, int64_t c1) {
    const int64_t j0 = c0 * HW, L = (c1 - c0) * HW;
    // One pass for both moments, shifted by a sample of each channel (its first value) so that
    // a large common offset cancels before squaring: var = (sum d^2 - (sum d)^2 / cnt) / cnt.
    std::vector<T> shift(L), scale(L), bias(L);
    for (int64_t c = c0; c < c1; c++) fillChannel(shift, c - c0, HW, x[c * HW]);
    SliceSums sums(L);
    double* s1 = sums.a.data();
    double* s2 = sums.b.data();
    const T* sh = shift.data();
    for (int64_t n = 0; n < N; n++) {
      const T* xp = x + n * R + j0;
      for (int64_t j = 0; j < L; j++) {
        double d = double(xp[j] - sh[j]);
        s1[j] += d;
        s2[j] += d * d;
      }
    }
    for (int64_t c = c0; c < c1; c++) {
      double t1, t2;
      sums.total(c - c0, HW, t1, t2);
      const double k = double(x[c * HW]);
      const double m = cnt > 0 ? k + t1 / cnt : 0;
      const double var = cnt > 0 ? std::max(0.0, (t2 - t1 * t1 / cnt) / cnt) : 0;  // biased
      const double is = 1.0 / std::sqrt(var + eps);
      mean[c] = static_cast<T>(m);
      invstd[c] = static_cast<T>(is);
      const T sc = static_cast<T>((w ? double(w[c]) : 1.0) * is);
      // The shift now holds the mean: centring first keeps precision when |mean| >> std.
      fillChannel(shift, c - c0, HW, mean[c]);
      fillChannel(scale, c - c0, HW, sc);
      fillChannel(bias, c - c0, HW, b ? b[c] : T(0));
    }
    const T* scp = scale.data();
    const T* bip = bias.data();
    for (int64_t n = 0; n < N; n++) {
      const T* xp = x + n * R + j0;
      T* op = out + n * R + j0;
      for (int64_t j = 0; j < L; j++) op[j] = (xp[j] - sh[j]) * scp[j] + bip[j];
    }
  });
}

template <class T>
void forwardTrainPlanes(const T* x, const T* w, const T* b, T* out, T* mean, T* invstd, int64_t N,
                        int64_t C, int64_t HW, double eps) {
  const double cnt = double(N) * HW;
  parallelFor(C, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      // Two passes (mean, then centred squares): no cancellation for large means.
      double s = 0;
      for (int64_t n = 0; n < N; n++) {
        const T* xp = x + (n * C + c) * HW;
        s += laneSum<T>(HW, [&](int64_t i) { return xp[i]; });
      }
      double m = cnt > 0 ? s / cnt : 0;
      const T tm = static_cast<T>(m);
      // Squares of (x - mean) with the mean rounded to T: the rounding shifts every term alike
      // and only adds (mean - tm)^2, far below the variance's own rounding.
      double q = 0;
      for (int64_t n = 0; n < N; n++) {
        const T* xp = x + (n * C + c) * HW;
        q += laneSum<T>(HW, [&](int64_t i) {
          T dv = xp[i] - tm;
          return dv * dv;
        });
      }
      q -= cnt * (m - double(tm)) * (m - double(tm));
      double var = cnt > 0 ? q / cnt : 0;  // biased, as PyTorch normalises with
      double is = 1.0 / std::sqrt(var + eps);
      mean[c] = static_cast<T>(m);
      invstd[c] = static_cast<T>(is);
      // (x - mean) * scale + bias: centring first keeps precision when |mean| >> std.
      const T scale = static_cast<T>((w ? double(w[c]) : 1.0) * is);
      const T shift = b ? b[c] : T(0);
      for (int64_t n = 0; n < N; n++) {
        const T* xp = x + (n * C + c) * HW;
        T* op = out + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; i++) op[i] = (xp[i] - tm) * scale + shift;
      }
    }
  });
}

template <class T>
void forwardTrain(const T* x, const T* w, const T* b, T* out, T* mean, T* invstd, int64_t N,
                  int64_t C, int64_t HW, double eps) {
  if (HW <= kRowSweepMaxHW)
    forwardTrainRows(x, w, b, out, mean, invstd, N, C, HW, eps);
  else
    forwardTrainPlanes(x, w, b, out, mean, invstd, N, C, HW, eps);
}

template <class T>
void forwardEval(const T* x, const T* w, const T* b, const T* rm, const T* rv, T* out, int64_t N,
                 int64_t C, int64_t HW, double eps) {
  parallelFor(N * C, std::max<int64_t>(1, 32768 / (HW + 1)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      int64_t c = p % C;
      double is = 1.0 / std::sqrt(double(rv[c]) + eps);
      double wc = w ? double(w[c]) : 1.0;
      const T scale = static_cast<T>(wc * is), tm = rm[c];
      const T shift = b ? b[c] : T(0);
      const T* xp = x + p * HW;
      T* op = out + p * HW;
      for (int64_t i = 0; i < HW; i++) op[i] = (xp[i] - tm) * scale + shift;
    }
  });
}

// Training-mode backward: with xhat = (x - mean) * invstd,
//   gradBias = sum(g), gradWeight = sum(g * xhat),
//   gradX = w * invstd * (g - gradBias/cnt - xhat * gradWeight/cnt)
//         = a*g + bq*(x - mean) + k with per-channel constants a, bq, k.
struct BackwardConsts {
  double a, bq, k;
};

inline BackwardConsts backwardConsts(double sg, double sgxhat, double wc, double is, double cnt) {
  const double a = wc * is;
  return {a, cnt > 0 ? -a * is * sgxhat / cnt : 0, cnt > 0 ? -a * sg / cnt : 0};
}

template <class T>
void backwardRows(const T* go, const T* x, const T* w, const T* mean, const T* invstd, T* gx, T* gw,
                  T* gb, int64_t N, int64_t C, int64_t HW) {
  const double cnt = double(N) * HW;
  const int64_t R = C * HW;
  parallelFor(C, std::max<int64_t>(1, 32768 / (N * HW + 1)), [&](int64_t c0, int64_t c1) {
    const int64_t j0 = c0 * HW, L = (c1 - c0) * HW;
    std::vector<T> tm(L), ta(L), tb(L), tk(L);
    for (int64_t c = c0; c < c1; c++) fillChannel(tm, c - c0, HW, mean[c]);
    SliceSums sums(L);
    double* sg = sums.a.data();
    double* sgx = sums.b.data();
    const T* mp = tm.data();
    for (int64_t n = 0; n < N; n++) {
      const T* gp = go + n * R + j0;
      const T* xp = x + n * R + j0;
      for (int64_t j = 0; j < L; j++) {
        sg[j] += double(gp[j]);
        sgx[j] += double(gp[j] * (xp[j] - mp[j]));
      }
    }
    for (int64_t c = c0; c < c1; c++) {
      double t1, t2;
      sums.total(c - c0, HW, t1, t2);
      const double is = invstd[c], sgxhat = t2 * is;
      if (gb) gb[c] = static_cast<T>(t1);
      if (gw) gw[c] = static_cast<T>(sgxhat);
      const BackwardConsts k = backwardConsts(t1, sgxhat, w ? double(w[c]) : 1.0, is, cnt);
      fillChannel(ta, c - c0, HW, T(k.a));
      fillChannel(tb, c - c0, HW, T(k.bq));
      fillChannel(tk, c - c0, HW, T(k.k));
    }
    if (!gx) return;
    const T *ap = ta.data(), *bp = tb.data(), *kp = tk.data();
    for (int64_t n = 0; n < N; n++) {
      const T* gp = go + n * R + j0;
      const T* xp = x + n * R + j0;
      T* op = gx + n * R + j0;
      for (int64_t j = 0; j < L; j++) op[j] = ap[j] * gp[j] + bp[j] * (xp[j] - mp[j]) + kp[j];
    }
  });
}

template <class T>
void backwardPlanes(const T* go, const T* x, const T* w, const T* mean, const T* invstd, T* gx,
                    T* gw, T* gb, int64_t N, int64_t C, int64_t HW) {
  const double cnt = double(N) * HW;
  parallelFor(C, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const double is = invstd[c];
      const T tm = mean[c];
      double sg = 0, sgx = 0;
      for (int64_t n = 0; n < N; n++) {
        const T* gp = go + (n * C + c) * HW;
        const T* xp = x + (n * C + c) * HW;
        sg += laneSum<T>(HW, [&](int64_t i) { return gp[i]; });
        sgx += laneSum<T>(HW, [&](int64_t i) { return gp[i] * (xp[i] - tm); });
      }
      double sgxhat = sgx * is;
      if (gb) gb[c] = static_cast<T>(sg);
      if (gw) gw[c] = static_cast<T>(sgxhat);
      if (!gx) continue;
      const BackwardConsts k = backwardConsts(sg, sgxhat, w ? double(w[c]) : 1.0, is, cnt);
      const T ta = static_cast<T>(k.a), tb = static_cast<T>(k.bq), tk = static_cast<T>(k.k);
      for (int64_t n = 0; n < N; n++) {
        const T* gp = go + (n * C + c) * HW;
        const T* xp = x + (n * C + c) * HW;
        T* op = gx + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; i++) op[i] = ta * gp[i] + tb * (xp[i] - tm) + tk;
      }
    }
  });
}

template <class T>
void backward(const T* go, const T* x, const T* w, const T* mean, const T* invstd, T* gx, T* gw,
              T* gb, int64_t N, int64_t C, int64_t HW) {
  if (HW <= kRowSweepMaxHW)
    backwardRows(go, x, w, mean, invstd, gx, gw, gb, N, C, HW);
  else
    backwardPlanes(go, x, w, mean, invstd, gx, gw, gb, N, C, HW);
}

template <class F>
void dispatch(const Arr& a, F&& f) {
  if (a.type == DType::F32)
    f(static_cast<float*>(nullptr));
  else
    f(static_cast<double*>(nullptr));
}

template <class T>
const T* ptr(const Arr& a) {
  return a.isNull ? nullptr : a.as<T>();
}
template <class T>
T* mptr(const Arr& a) {
  return a.isNull ? nullptr : a.as<T>();
}

}  // namespace

// (x, weight|null, bias|null, out, saveMean, saveInvStd, N, C, HW, eps)
napi_value batchNormForwardTrain(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNormForwardTrain", 10);
  Arr x = a.floating(0), w = a.floating(1, true), b = a.floating(2, true), out = a.floating(3);
  Arr sm = a.floating(4), si = a.floating(5);
  int64_t N = a.dim(6), C = a.dim(7), HW = a.dim(8);
  double eps = a.num(9);
  if (!a.ok()) return nullptr;
  for (const Arr* p : {&w, &b, &out, &sm, &si})
    if (!a.sameType(x, *p, "batchNormForwardTrain")) return nullptr;
  int64_t n = N * C * HW;
  if (!a.need(x, 0, n, "x") || !a.need(out, 0, n, "out") || (!w.isNull && !a.need(w, 0, C, "weight")) ||
      (!b.isNull && !a.need(b, 0, C, "bias")) || !a.need(sm, 0, C, "saveMean") ||
      !a.need(si, 0, C, "saveInvStd"))
    return nullptr;
  dispatch(x, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    forwardTrain<T>(x.as<T>(), ptr<T>(w), ptr<T>(b), out.as<T>(), sm.as<T>(), si.as<T>(), N, C, HW, eps);
  });
  return undefined(env);
}

// (x, weight|null, bias|null, runningMean, runningVar, out, N, C, HW, eps)
napi_value batchNormForwardEval(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNormForwardEval", 10);
  Arr x = a.floating(0), w = a.floating(1, true), b = a.floating(2, true);
  Arr rm = a.floating(3), rv = a.floating(4), out = a.floating(5);
  int64_t N = a.dim(6), C = a.dim(7), HW = a.dim(8);
  double eps = a.num(9);
  if (!a.ok()) return nullptr;
  for (const Arr* p : {&w, &b, &rm, &rv, &out})
    if (!a.sameType(x, *p, "batchNormForwardEval")) return nullptr;
  int64_t n = N * C * HW;
  if (!a.need(x, 0, n, "x") || !a.need(out, 0, n, "out") || (!w.isNull && !a.need(w, 0, C, "weight")) ||
      (!b.isNull && !a.need(b, 0, C, "bias")) || !a.need(rm, 0, C, "runningMean") ||
      !a.need(rv, 0, C, "runningVar"))
    return nullptr;
  dispatch(x, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    forwardEval<T>(x.as<T>(), ptr<T>(w), ptr<T>(b), rm.as<T>(), rv.as<T>(), out.as<T>(), N, C, HW, eps);
  });
  return undefined(env);
}

// (gradOut, x, weight|null, saveMean, saveInvStd, gradX|null, gradWeight|null, gradBias|null, N, C, HW)
napi_value batchNormBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNormBackward", 11);
  Arr go = a.floating(0), x = a.floating(1), w = a.floating(2, true), sm = a.floating(3);
  Arr si = a.floating(4), gx = a.floating(5, true), gw = a.floating(6, true), gb = a.floating(7, true);
  int64_t N = a.dim(8), C = a.dim(9), HW = a.dim(10);
  if (!a.ok()) return nullptr;
  for (const Arr* p : {&x, &w, &sm, &si, &gx, &gw, &gb})
    if (!a.sameType(go, *p, "batchNormBackward")) return nullptr;
  int64_t n = N * C * HW;
  if (!a.need(go, 0, n, "gradOut") || !a.need(x, 0, n, "x") ||
      (!w.isNull && !a.need(w, 0, C, "weight")) || !a.need(sm, 0, C, "saveMean") ||
      !a.need(si, 0, C, "saveInvStd") || (!gx.isNull && !a.need(gx, 0, n, "gradX")) ||
      (!gw.isNull && !a.need(gw, 0, C, "gradWeight")) || (!gb.isNull && !a.need(gb, 0, C, "gradBias")))
    return nullptr;
  dispatch(go, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    backward<T>(go.as<T>(), x.as<T>(), ptr<T>(w), sm.as<T>(), si.as<T>(), mptr<T>(gx), mptr<T>(gw),
                mptr<T>(gb), N, C, HW);
  });
  return undefined(env);
}

}  // namespace nabla
