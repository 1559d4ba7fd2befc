// conv2d (NCHW, groups, stride, padding, dilation) as im2col + GEMM. Large batches run one image
// per task with serial GEMMs; small batches parallelise inside each GEMM instead.
#include <algorithm>
#include <cstring>

#include "gemm.h"
#include "kernels.h"
#include "napi_args.h"
#include "scratch.h"
#include "threadpool.h"

namespace nabla {
namespace {

struct ConvDims {
  int64_t N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW;
  int64_t Cg() const { return C / groups; }
  int64_t OCg() const { return OC / groups; }
  int64_t kdim() const { return Cg() * KH * KW; }  // GEMM K of the forward pass
  int64_t ohw() const { return OH * OW; }
  // 1x1, stride 1, no padding: the image itself is the column matrix, no im2col needed.
  bool pointwise() const { return KH == 1 && KW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0; }
};

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

// col[(c*KH + kh)*KW + kw][oh*OW + ow] = x[c][oh*sH - pH + kh*dH][ow*sW - pW + kw*dW] (0 outside).
template <class T>
void im2col(const ConvDims& d, const T* x, int64_t channels, T* col) {
  const int64_t OHW = d.ohw();
  for (int64_t c = 0; c < channels; c++) {
    const T* xc = x + c * d.H * d.W;
    for (int64_t kh = 0; kh < d.KH; kh++) {
      int64_t ohLo, ohHi;
      validRange(d.H, d.sH, d.pH, kh * d.dH, d.OH, ohLo, ohHi);
      for (int64_t kw = 0; kw < d.KW; kw++) {
        T* row = col + ((c * d.KH + kh) * d.KW + kw) * OHW;
        int64_t owLo, owHi;
        validRange(d.W, d.sW, d.pW, kw * d.dW, d.OW, owLo, owHi);
        std::fill(row, row + ohLo * d.OW, T(0));
        for (int64_t oh = ohLo; oh < ohHi; oh++) {
          T* r = row + oh * d.OW;
          const T* xr = xc + (oh * d.sH - d.pH + kh * d.dH) * d.W + (kw * d.dW - d.pW);
          std::fill(r, r + owLo, T(0));
          if (d.sW == 1)
            std::memcpy(r + owLo, xr + owLo, sizeof(T) * (owHi - owLo));
          else
            for (int64_t ow = owLo; ow < owHi; ow++) r[ow] = xr[ow * d.sW];
          std::fill(r + owHi, r + d.OW, T(0));
        }
        std::fill(row + ohHi * d.OW, row + OHW, T(0));
      }
    }
  }
}

// The adjoint of im2col: x[c][ih][iw] += col[...] (x must be zeroed by the caller).
template <class T>
void col2im(const ConvDims& d, const T* col, int64_t channels, T* x) {
  const int64_t OHW = d.ohw();
  for (int64_t c = 0; c < channels; c++) {
    T* xc = x + c * d.H * d.W;
    for (int64_t kh = 0; kh < d.KH; kh++) {
      int64_t ohLo, ohHi;
      validRange(d.H, d.sH, d.pH, kh * d.dH, d.OH, ohLo, ohHi);
      for (int64_t kw = 0; kw < d.KW; kw++) {
        const T* row = col + ((c * d.KH + kh) * d.KW + kw) * OHW;
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

// Batch-level parallelism pays when every thread gets the same number of images.
bool perImage(const ConvDims& d) {
  int64_t t = numThreads();
  return t > 1 && !inParallelRegion() && (d.N % t == 0 || d.N >= 4 * t);
}

template <class T>
void forwardImage(const ConvDims& d, const T* x, const T* w, const T* bias, T* out, bool serial) {
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw();
  auto mm = serial ? gemmSerial<T> : gemm<T>;
  T* col = d.pointwise() ? nullptr : scratchOf<T>(kScratchCol, Cg * d.KH * d.KW * OHW);
  for (int64_t g = 0; g < d.groups; g++) {
    const T* xg = x + g * Cg * d.H * d.W;
    const T* src = xg;
    if (col) {
      if (serial || Cg < 2) {
        im2col(d, xg, Cg, col);
      } else {
        parallelFor(Cg, 1, [&](int64_t c0, int64_t c1) {
          im2col(d, xg + c0 * d.H * d.W, c1 - c0, col + c0 * d.KH * d.KW * OHW);
        });
      }
      src = col;
    }
    T* og = out + g * OCg * OHW;
    mm(false, false, OCg, OHW, Kd, T(1), w + g * OCg * Kd, Kd, src, OHW, T(0), og, OHW);
    if (bias)
      for (int64_t oc = 0; oc < OCg; oc++) {
        T b = bias[g * OCg + oc];
        T* o = og + oc * OHW;
        for (int64_t i = 0; i < OHW; i++) o[i] += b;
      }
  }
}

template <class T>
void convForward(const ConvDims& d, const T* x, const T* w, const T* bias, T* out) {
  const int64_t inSize = d.C * d.H * d.W, outSize = d.OC * d.ohw();
  if (perImage(d)) {
    parallelTasks(d.N, [&](int64_t n) {
      forwardImage(d, x + n * inSize, w, bias, out + n * outSize, true);
    });
  } else {
    for (int64_t n = 0; n < d.N; n++)
      forwardImage(d, x + n * inSize, w, bias, out + n * outSize, false);
  }
}

template <class T>
void backwardDataImage(const ConvDims& d, const T* gout, const T* w, T* gx, bool serial) {
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw();
  auto mm = serial ? gemmSerial<T> : gemm<T>;
  if (d.pointwise()) {
    // gradX_g (Cg x HW) = W_g^T (Cg x OCg) @ gradOut_g (OCg x HW), written directly.
    for (int64_t g = 0; g < d.groups; g++)
      mm(true, false, Cg, OHW, OCg, T(1), w + g * OCg * Kd, Kd, gout + g * OCg * OHW, OHW, T(0),
         gx + g * Cg * d.H * d.W, OHW);
    return;
  }
  T* col = scratchOf<T>(kScratchCol, Kd * OHW);
  std::fill(gx, gx + d.C * d.H * d.W, T(0));
  for (int64_t g = 0; g < d.groups; g++) {
    mm(true, false, Kd, OHW, OCg, T(1), w + g * OCg * Kd, Kd, gout + g * OCg * OHW, OHW, T(0), col,
       OHW);
    T* gxg = gx + g * Cg * d.H * d.W;
    if (serial || Cg < 2) {
      col2im(d, col, Cg, gxg);
    } else {
      // Channels own disjoint slices of gradX, so they can be scattered in parallel.
      parallelFor(Cg, 1, [&](int64_t c0, int64_t c1) {
        col2im(d, col + c0 * d.KH * d.KW * OHW, c1 - c0, gxg + c0 * d.H * d.W);
      });
    }
  }
}

template <class T>
void convBackwardData(const ConvDims& d, const T* gout, const T* w, T* gx) {
  const int64_t inSize = d.C * d.H * d.W, outSize = d.OC * d.ohw();
  if (perImage(d)) {
    parallelTasks(d.N, [&](int64_t n) {
      backwardDataImage(d, gout + n * outSize, w, gx + n * inSize, true);
    });
  } else {
    for (int64_t n = 0; n < d.N; n++)
      backwardDataImage(d, gout + n * outSize, w, gx + n * inSize, false);
  }
}

// gradW_g += gradOut_g (OCg x OHW) @ col_g^T (OHW x Kd) for images [n0, n1); the first image
// overwrites (beta = 0) when `overwrite` is set.
template <class T>
void weightGradRange(const ConvDims& d, const T* gout, const T* x, T* gw, int64_t n0, int64_t n1,
                     bool overwrite, bool serial) {
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw();
  const int64_t inSize = d.C * d.H * d.W, outSize = d.OC * OHW;
  auto mm = serial ? gemmSerial<T> : gemm<T>;
  T* col = d.pointwise() ? nullptr : scratchOf<T>(kScratchCol, Kd * OHW);
  for (int64_t n = n0; n < n1; n++) {
    for (int64_t g = 0; g < d.groups; g++) {
      const T* xg = x + n * inSize + g * Cg * d.H * d.W;
      const T* src = xg;
      if (col) {
        im2col(d, xg, Cg, col);
        src = col;
      }
      T beta = overwrite && n == n0 ? T(0) : T(1);
      mm(false, true, OCg, Kd, OHW, T(1), gout + n * outSize + g * OCg * OHW, OHW, src, OHW, beta,
         gw + g * OCg * Kd, Kd);
    }
  }
}

template <class T>
void convBackwardWeight(const ConvDims& d, const T* gout, const T* x, T* gw, T* gb) {
  const int64_t wSize = d.OC * d.kdim(), OHW = d.ohw();
  int64_t t = numThreads();
  if (d.N >= 2 && t > 1 && !inParallelRegion()) {
    // Each task sums its images into a private buffer (task 0 straight into gradW); the buffers
    // are then added in a fixed order, so results do not depend on scheduling.
    int64_t tasks = std::min<int64_t>(t, d.N);
    T* partial = scratchOf<T>(kScratchPartial, (tasks - 1) * wSize);
    parallelTasks(tasks, [&](int64_t k) {
      T* dst = k == 0 ? gw : partial + (k - 1) * wSize;
      weightGradRange(d, gout, x, dst, d.N * k / tasks, d.N * (k + 1) / tasks, true, true);
    });
    parallelFor(wSize, 4096, [&](int64_t i0, int64_t i1) {
      for (int64_t k = 1; k < tasks; k++) {
        const T* p = partial + (k - 1) * wSize;
        for (int64_t i = i0; i < i1; i++) gw[i] += p[i];
      }
    });
  } else {
    weightGradRange(d, gout, x, gw, 0, d.N, true, false);
  }
  if (d.N == 0) std::fill(gw, gw + wSize, T(0));
  if (gb) {
    parallelFor(d.OC, 4, [&](int64_t o0, int64_t o1) {
      for (int64_t oc = o0; oc < o1; oc++) {
        double s = 0;  // double accumulation: N*OH*OW terms per channel
        for (int64_t n = 0; n < d.N; n++) {
          const T* g = gout + (n * d.OC + oc) * OHW;
          for (int64_t i = 0; i < OHW; i++) s += g[i];
        }
        gb[oc] = static_cast<T>(s);
      }
    });
  }
}

// Argument layout shared by the three entry points: 4 arrays (the third/fourth depend on the
// pass), then N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW.
bool readDimsCheck(Args& a, ConvDims& d);

bool readDims(Args& a, size_t first, ConvDims& d) {
  int64_t* f[] = {&d.N, &d.C, &d.H, &d.W, &d.OC, &d.KH, &d.KW, &d.sH, &d.sW,
                  &d.pH, &d.pW, &d.dH, &d.dW, &d.groups, &d.OH, &d.OW};
  for (size_t i = 0; i < 16; i++) *f[i] = a.dim(first + i);
  return readDimsCheck(a, d);
}

// Validates stride, dilation, groups and that OH/OW follow from the other dims.
bool readDimsCheck(Args& a, ConvDims& d) {
  if (!a.ok()) return false;
  if (d.sH < 1 || d.sW < 1 || d.dH < 1 || d.dW < 1)
    return a.fail("stride and dilation must be >= 1 (stride %lldx%lld, dilation %lldx%lld)",
                  (long long)d.sH, (long long)d.sW, (long long)d.dH, (long long)d.dW);
  if (d.groups < 1 || d.C % d.groups || d.OC % d.groups)
    return a.fail("groups=%lld must divide C=%lld and OC=%lld", (long long)d.groups,
                  (long long)d.C, (long long)d.OC);
  int64_t eh = d.H + 2 * d.pH - d.dH * (d.KH - 1) - 1, ew = d.W + 2 * d.pW - d.dW * (d.KW - 1) - 1;
  int64_t oh = eh < 0 ? 0 : eh / d.sH + 1, ow = ew < 0 ? 0 : ew / d.sW + 1;
  if (d.KH < 1 || d.KW < 1 || oh != d.OH || ow != d.OW)
    return a.fail("output size %lldx%lld does not match input %lldx%lld, kernel %lldx%lld, "
                  "stride %lldx%lld, padding %lldx%lld, dilation %lldx%lld (expected %lldx%lld)",
                  (long long)d.OH, (long long)d.OW, (long long)d.H, (long long)d.W,
                  (long long)d.KH, (long long)d.KW, (long long)d.sH, (long long)d.sW,
                  (long long)d.pH, (long long)d.pW, (long long)d.dH, (long long)d.dW,
                  (long long)oh, (long long)ow);
  return true;
}

enum class Pass { Forward, Data, Weight };

napi_value convEntry(napi_env env, napi_callback_info info, const char* name, Pass pass) {
  // Forward: (x, w, bias|null, out); Data: (gradOut, w, gradX); Weight: (gradOut, x, gradW,
  // gradBias|null). The data pass has only 3 arrays: its dims start at index 3.
  size_t first = pass == Pass::Data ? 3 : 4;
  Args a(env, info, name, first + 16);
  ConvDims d{};
  Arr a0 = a.floating(0), a1 = a.floating(1);
  Arr a2 = a.floating(2, pass == Pass::Forward);
  Arr a3 = pass == Pass::Data ? Arr{} : a.floating(3, pass == Pass::Weight);
  if (!a.ok() || !readDims(a, first, d)) return nullptr;
  for (const Arr* p : {&a1, &a2, &a3})
    if (!a.sameType(a0, *p, "conv2d arrays")) return nullptr;
  const int64_t xSize = d.N * d.C * d.H * d.W, wSize = d.OC * d.kdim(), oSize = d.N * d.OC * d.ohw();
  bool ok = true;
  if (pass == Pass::Forward)
    ok = a.need(a0, 0, xSize, "x") && a.need(a1, 0, wSize, "weight") &&
         (a2.isNull || a.need(a2, 0, d.OC, "bias")) && a.need(a3, 0, oSize, "out");
  else if (pass == Pass::Data)
    ok = a.need(a0, 0, oSize, "gradOut") && a.need(a1, 0, wSize, "weight") &&
         a.need(a2, 0, xSize, "gradX");
  else
    ok = a.need(a0, 0, oSize, "gradOut") && a.need(a1, 0, xSize, "x") &&
         a.need(a2, 0, wSize, "gradWeight") && (a3.isNull || a.need(a3, 0, d.OC, "gradBias"));
  if (!ok) return nullptr;
  auto run = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    if (pass == Pass::Forward)
      convForward<T>(d, a0.as<T>(), a1.as<T>(), a2.isNull ? nullptr : a2.as<T>(), a3.as<T>());
    else if (pass == Pass::Data)
      convBackwardData<T>(d, a0.as<T>(), a1.as<T>(), a2.as<T>());
    else
      convBackwardWeight<T>(d, a0.as<T>(), a1.as<T>(), a2.as<T>(), a3.isNull ? nullptr : a3.as<T>());
  };
  if (a0.type == DType::F32)
    run(static_cast<float*>(nullptr));
  else
    run(static_cast<double*>(nullptr));
  return undefined(env);
}

// im2col(x, cols, N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW) and col2im(cols, x, ...):
// the same layout as conv's columns, one [C*KH*KW, OH*OW] block per image.
napi_value windowEntry(napi_env env, napi_callback_info info, const char* name, bool toCols) {
  Args a(env, info, name, 16);
  Arr a0 = a.floating(0), a1 = a.floating(1);
  ConvDims d{};
  int64_t* f[] = {&d.N, &d.C, &d.H, &d.W, &d.KH, &d.KW, &d.sH, &d.sW,
                  &d.pH, &d.pW, &d.dH, &d.dW, &d.OH, &d.OW};
  for (size_t i = 0; i < 14; i++) *f[i] = a.dim(2 + i);
  d.groups = 1;
  d.OC = 1;
  if (!a.ok() || !a.sameType(a0, a1, name) || !readDimsCheck(a, d)) return nullptr;
  const int64_t xSize = d.N * d.C * d.H * d.W, block = d.C * d.KH * d.KW * d.ohw();
  const Arr& x = toCols ? a0 : a1;
  const Arr& cols = toCols ? a1 : a0;
  if (!a.need(x, 0, xSize, "x") || !a.need(cols, 0, d.N * block, "cols")) return nullptr;
  auto run = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    T* xp = x.as<T>();
    T* cp = cols.as<T>();
    // Images are independent; within one image channels own disjoint rows / planes.
    parallelFor(d.N * d.C, std::max<int64_t>(1, 8192 / (block / std::max<int64_t>(d.C, 1) + 1)),
                [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; j++) {
        int64_t n = j / d.C, c = j % d.C;
        T* xc = xp + (n * d.C + c) * d.H * d.W;
        T* cc = cp + n * block + c * d.KH * d.KW * d.ohw();
        if (toCols) {
          im2col(d, xc, 1, cc);
        } else {
          std::fill(xc, xc + d.H * d.W, T(0));
          col2im(d, cc, 1, xc);
        }
      }
    });
  };
  if (a0.type == DType::F32)
    run(static_cast<float*>(nullptr));
  else
    run(static_cast<double*>(nullptr));
  return undefined(env);
}

}  // namespace

napi_value im2col(napi_env env, napi_callback_info info) {
  return windowEntry(env, info, "im2col", true);
}
napi_value col2im(napi_env env, napi_callback_info info) {
  return windowEntry(env, info, "col2im", false);
}

napi_value conv2dForward(napi_env env, napi_callback_info info) {
  return convEntry(env, info, "conv2dForward", Pass::Forward);
}
napi_value conv2dBackwardData(napi_env env, napi_callback_info info) {
  return convEntry(env, info, "conv2dBackwardData", Pass::Data);
}
napi_value conv2dBackwardWeight(napi_env env, napi_callback_info info) {
  return convEntry(env, info, "conv2dBackwardWeight", Pass::Weight);
}

}  // namespace nabla
