// conv2d (NCHW, groups, stride, padding, dilation) as im2col + GEMM. Large batches run one image
// per task with serial GEMMs; small batches parallelise inside each GEMM instead.
#include <algorithm>
#include <cstring>

#include "gemm.h"
#include "gemm_impl.h"
#include "accumulate.h"
#include "conv_cols.h"
#include <type_traits>

#include "conv.h"
#include "scratch.h"
#include "threadpool.h"

namespace nabla {
namespace {

// Implicit im2col for column matrices beyond 8 MB per image (VGG/AlexNet-sized inputs: 100+ MB
// of scratch per thread otherwise). Below that the materialised matrix stays in L3 and costs no
// more than packing from the image (measured on Zen 5 with 32 MB L3), and the unpacked small-M
// GEMM kernels need it. Both GEMM sides must be wide enough for the packed kernel.
template <class T>
bool implicitCols(const ConvDims& d) {
  return !d.pointwise() && d.OCg() > 8 && d.kdim() > 8 && d.kdim() * d.ohw() * sizeof(T) > (8 << 20);
}

// out_g[OCg, pixels p0..p1) = W_g @ col_g[:, p0..p1), packing col panels straight from the image.
template <class T>
void forwardImplicit(const ConvDims& d, const T* xg, const T* wg, T* og, int64_t p0, int64_t p1) {
  constexpr int NR = gemm_impl::Tile<T>::NR;
  const int64_t Kd = d.kdim(), OHW = d.ohw();
  gemm_impl::gemmPacked(
      false, d.OCg(), p1 - p0, Kd, T(1), wg, Kd,
      [&](int64_t pc, int64_t jc, int64_t kc, int64_t nc, T* out) {
        // One column-matrix row segment at a time (contiguous, in L1), cut into NR-wide panels.
        T* row = scratchOf<T>(kScratchMisc, nc);
        for (int64_t k = 0; k < kc; k++) {
          colSegment(d, xg, pc + k, p0 + jc, nc, row);
          for (int64_t q = 0; q < nc; q += NR) {
            int64_t n = std::min<int64_t>(NR, nc - q);
            T* o = out + q * kc + k * NR;
            std::memcpy(o, row + q, sizeof(T) * n);
            if (n < NR) std::fill(o + n, o + NR, T(0));
          }
        }
      },
      T(0), og + p0, OHW);
}

// gradW_g[:, ckk columns j0..j1) (+)= gradOut_g @ col_g^T, the col^T panels packed from the image.
template <class T>
void weightGradImplicit(const ConvDims& d, const T* gog, const T* xg, T* gwg, int64_t j0, int64_t j1,
                        T beta) {
  constexpr int NR = gemm_impl::Tile<T>::NR;
  const int64_t Kd = d.kdim(), OHW = d.ohw();
  gemm_impl::gemmPacked(
      false, d.OCg(), j1 - j0, OHW, T(1), gog, OHW,
      [&](int64_t pc, int64_t jc, int64_t kc, int64_t nc, T* out) {
        // NR column-matrix rows (pixels pc..pc+kc) side by side, then the transposing pack.
        T* rows = scratchOf<T>(kScratchMisc, NR * kc);
        for (int64_t q = 0; q < nc; q += NR) {
          int64_t n = std::min<int64_t>(NR, nc - q);
          for (int64_t jj = 0; jj < n; jj++) colSegment(d, xg, j0 + jc + q + jj, pc, kc, rows + jj * kc);
          gemm_impl::packB<T>(true, rows, kc, kc, n, out + q * kc);
        }
      },
      beta, gwg + j0, Kd);
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
  const bool implicit = implicitCols<T>(d);
  T* col = d.pointwise() || implicit ? nullptr : scratchOf<T>(kScratchCol, Cg * d.KH * d.KW * OHW);
  for (int64_t g = 0; g < d.groups; g++) {
    const T* xg = x + g * Cg * d.H * d.W;
    const T* src = xg;
    T* og = out + g * OCg * OHW;
    if (implicit) {
      const T* wg = w + g * OCg * Kd;
      if (serial) {
        forwardImplicit(d, xg, wg, og, 0, OHW);
      } else {
        // Pixel ranges per thread, on whole NR panels.
        constexpr int64_t NR = gemm_impl::Tile<T>::NR;
        const int64_t panels = (OHW + NR - 1) / NR;
        parallelFor(panels, 4, [&](int64_t q0, int64_t q1) {
          forwardImplicit(d, xg, wg, og, q0 * NR, std::min(OHW, q1 * NR));
        });
      }
    } else if (col) {
      if (serial || Cg < 2) {
        im2col(d, xg, Cg, col, OHW);
      } else {
        parallelFor(Cg, std::max<int64_t>(1, 32768 / (d.KH * d.KW * OHW)), [&](int64_t c0, int64_t c1) {
          im2col(d, xg + c0 * d.H * d.W, c1 - c0, col + c0 * d.KH * d.KW * OHW, OHW);
        });
      }
      src = col;
    }
    if (!implicit) mm(false, false, OCg, OHW, Kd, T(1), w + g * OCg * Kd, Kd, src, OHW, T(0), og, OHW);
    if (bias)
      for (int64_t oc = 0; oc < OCg; oc++) {
        T b = bias[g * OCg + oc];
        T* o = og + oc * OHW;
        for (int64_t i = 0; i < OHW; i++) o[i] += b;
      }
  }
}

}  // namespace

template <class T>
void convForward(const ConvDims& d, const T* x, const T* w, const T* bias, T* out) {
  if constexpr (std::is_same_v<T, float>) {
    if (convForwardDirectApplies(d)) return convForwardDirect(d, x, w, bias, out);
  }
  if (convForwardBatched(d, x, w, bias, out)) return;
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

namespace {

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
      col2im(d, col, Cg, gxg, OHW);
    } else {
      // Channels own disjoint slices of gradX, so they can be scattered in parallel.
      parallelFor(Cg, std::max<int64_t>(1, 32768 / (d.KH * d.KW * OHW)), [&](int64_t c0, int64_t c1) {
        col2im(d, col + c0 * d.KH * d.KW * OHW, c1 - c0, gxg + c0 * d.H * d.W, OHW);
      });
    }
  }
}

}  // namespace

template <class T>
void convBackwardData(const ConvDims& d, const T* gout, const T* w, T* gx) {
  if (convBackwardDataBatched(d, gout, w, gx)) return;
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
namespace {

template <class T>
void weightGradRange(const ConvDims& d, const T* gout, const T* x, T* gw, int64_t n0, int64_t n1,
                     bool overwrite, bool serial) {
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw();
  const int64_t inSize = d.C * d.H * d.W, outSize = d.OC * OHW;
  auto mm = serial ? gemmSerial<T> : gemm<T>;
  const bool implicit = implicitCols<T>(d);
  T* col = d.pointwise() || implicit ? nullptr : scratchOf<T>(kScratchCol, Kd * OHW);
  for (int64_t n = n0; n < n1; n++) {
    for (int64_t g = 0; g < d.groups; g++) {
      const T* xg = x + n * inSize + g * Cg * d.H * d.W;
      const T* src = xg;
      if (implicit) {
        const T* gog = gout + n * outSize + g * OCg * OHW;
        T* gwg = gw + g * OCg * Kd;
        T beta = overwrite && n == n0 ? T(0) : T(1);
        if (serial) {
          weightGradImplicit(d, gog, xg, gwg, 0, Kd, beta);
        } else {
          constexpr int64_t NR = gemm_impl::Tile<T>::NR;
          const int64_t panels = (Kd + NR - 1) / NR;
          parallelFor(panels, 2, [&](int64_t q0, int64_t q1) {
            weightGradImplicit(d, gog, xg, gwg, q0 * NR, std::min(Kd, q1 * NR), beta);
          });
        }
        continue;
      }
      if (col) {
        im2col(d, xg, Cg, col, OHW);
        src = col;
      }
      T beta = overwrite && n == n0 ? T(0) : T(1);
      mm(false, true, OCg, Kd, OHW, T(1), gout + n * outSize + g * OCg * OHW, OHW, src, OHW, beta,
         gw + g * OCg * Kd, Kd);
    }
  }
}

}  // namespace

template <class T>
void convBackwardWeight(const ConvDims& d, const T* gout, const T* x, T* gw, T* gb) {
  const int64_t wSize = d.OC * d.kdim(), OHW = d.ohw();
  int64_t t = numThreads();
  if (convBackwardWeightBatched(d, gout, x, gw)) {
    // gradW done; the bias gradient below is shared with the per-image path.
  } else if (d.N >= 2 && t > 1 && !inParallelRegion()) {
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
        double s = 0;  // N*OH*OW terms per channel: vector lanes, combined in double
        for (int64_t n = 0; n < d.N; n++) {
          const T* g = gout + (n * d.OC + oc) * OHW;
          s += laneSum<T>(OHW, [&](int64_t i) { return g[i]; });
        }
        gb[oc] = static_cast<T>(s);
      }
    });
  }
}


template <class T>
void im2colBatch(const ConvDims& d, const T* x, T* cols) {
  const int64_t block = d.C * d.KH * d.KW * d.ohw(), rows = d.KH * d.KW * d.ohw();
  // (image, channel) pairs are independent and own disjoint rows of cols.
  parallelFor(d.N * d.C, std::max<int64_t>(1, 8192 / (rows + 1)), [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) {
      int64_t n = j / d.C, c = j % d.C;
      im2col(d, x + (n * d.C + c) * d.H * d.W, 1, cols + n * block + c * rows, d.ohw());
    }
  });
}

template <class T>
void col2imBatch(const ConvDims& d, const T* cols, T* x) {
  const int64_t block = d.C * d.KH * d.KW * d.ohw(), rows = d.KH * d.KW * d.ohw();
  parallelFor(d.N * d.C, std::max<int64_t>(1, 8192 / (rows + 1)), [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) {
      int64_t n = j / d.C, c = j % d.C;
      T* xc = x + (n * d.C + c) * d.H * d.W;
      std::fill(xc, xc + d.H * d.W, T(0));
      col2im(d, cols + n * block + c * rows, 1, xc, d.ohw());
    }
  });
}

#define NABLA_CONV_INSTANTIATE(T)                                                              \
  template void convForward<T>(const ConvDims&, const T*, const T*, const T*, T*);            \
  template void convBackwardData<T>(const ConvDims&, const T*, const T*, T*);                 \
  template void convBackwardWeight<T>(const ConvDims&, const T*, const T*, T*, T*);           \
  template void im2colBatch<T>(const ConvDims&, const T*, T*);                                 \
  template void col2imBatch<T>(const ConvDims&, const T*, T*);
NABLA_CONV_INSTANTIATE(float)
NABLA_CONV_INSTANTIATE(double)

}  // namespace nabla
