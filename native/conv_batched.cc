// conv2d on small images, several images per GEMM (see conv.h). The column matrices of k images
// sit side by side ([Kd, k*OHW]); outputs and gradients are gathered to / scattered from the
// matching [OCg, k*OHW] layout in a scratch buffer. Chunks of k images are the parallel tasks.
#include <algorithm>

#include "conv.h"
#include "conv_cols.h"
#include "gemm.h"
#include "scratch.h"
#include "threadpool.h"

namespace nabla {
namespace {

// Images per GEMM: about 1024 columns, with the column block kept under 512 KB (L2).
template <class T>
int64_t imagesPerGemm(const ConvDims& d) {
  const int64_t OHW = d.ohw(), Kd = d.kdim();
  if (OHW == 0 || OHW >= 512 || d.N < 2) return 1;
  const int64_t byCols = (1024 + OHW - 1) / OHW;
  const int64_t byBytes = (int64_t(512) << 10) / std::max<int64_t>(1, Kd * OHW * int64_t(sizeof(T)));
  return std::max<int64_t>(1, std::min({byCols, byBytes, d.N}));
}

struct Chunks {
  int64_t k, count;
  int64_t begin(int64_t c) const { return c * k; }
};

// gt[oc, j*OHW + i] = gout[n0 + j][g*OCg + oc][i] for the images of one chunk.
template <class T>
void gatherOut(const ConvDims& d, const T* gout, int64_t g, int64_t n0, int64_t n1, T* gt) {
  const int64_t OCg = d.OCg(), OHW = d.ohw(), L = (n1 - n0) * OHW;
  for (int64_t n = n0; n < n1; n++)
    for (int64_t oc = 0; oc < OCg; oc++)
      copyRow(gt + oc * L + (n - n0) * OHW, gout + (n * d.OC + g * OCg + oc) * OHW, OHW);
}

}  // namespace

template <class T>
bool convForwardBatched(const ConvDims& d, const T* x, const T* w, const T* bias, T* out) {
  const int64_t k = imagesPerGemm<T>(d);
  if (k < 2) return false;
  const Chunks ch{k, (d.N + k - 1) / k};
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw();
  parallelTasks(ch.count, [&](int64_t c) {
    const int64_t n0 = ch.begin(c), n1 = std::min(d.N, n0 + k), L = (n1 - n0) * OHW;
    T* col = scratchOf<T>(kScratchCol, Kd * L);
    T* ct = scratchOf<T>(kScratchConvOut, OCg * L);
    for (int64_t g = 0; g < d.groups; g++) {
      for (int64_t n = n0; n < n1; n++)
        im2col(d, x + (n * d.C + g * Cg) * d.H * d.W, Cg, col + (n - n0) * OHW, L);
      gemmSerial<T>(false, false, OCg, L, Kd, T(1), w + g * OCg * Kd, Kd, col, L, T(0), ct, L);
      for (int64_t n = n0; n < n1; n++)
        for (int64_t oc = 0; oc < OCg; oc++) {
          const T* s = ct + oc * L + (n - n0) * OHW;
          T* o = out + (n * d.OC + g * OCg + oc) * OHW;
          const T b = bias ? bias[g * OCg + oc] : T(0);
          for (int64_t i = 0; i < OHW; i++) o[i] = s[i] + b;
        }
    }
  });
  return true;
}

template <class T>
bool convBackwardDataBatched(const ConvDims& d, const T* gout, const T* w, T* gx) {
  const int64_t k = imagesPerGemm<T>(d);
  if (k < 2) return false;
  const Chunks ch{k, (d.N + k - 1) / k};
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw(), HW = d.H * d.W;
  parallelTasks(ch.count, [&](int64_t c) {
    const int64_t n0 = ch.begin(c), n1 = std::min(d.N, n0 + k), L = (n1 - n0) * OHW;
    T* col = scratchOf<T>(kScratchCol, Kd * L);
    T* gt = scratchOf<T>(kScratchConvOut, OCg * L);
    for (int64_t g = 0; g < d.groups; g++) {
      gatherOut(d, gout, g, n0, n1, gt);
      // gradCol = W_g^T @ gradOut: [Kd, L]; then each image's slice is scattered back.
      gemmSerial<T>(true, false, Kd, L, OCg, T(1), w + g * OCg * Kd, Kd, gt, L, T(0), col, L);
      for (int64_t n = n0; n < n1; n++) {
        T* gxg = gx + (n * d.C + g * Cg) * HW;
        zeroRow(gxg, Cg * HW);
        col2im(d, col + (n - n0) * OHW, Cg, gxg, L);
      }
    }
  });
  return true;
}

template <class T>
bool convBackwardWeightBatched(const ConvDims& d, const T* gout, const T* x, T* gw) {
  const int64_t k = imagesPerGemm<T>(d);
  if (k < 2) return false;
  const Chunks ch{k, (d.N + k - 1) / k};
  const int64_t Cg = d.Cg(), OCg = d.OCg(), Kd = d.kdim(), OHW = d.ohw(), wSize = d.OC * Kd;
  // One task per thread over a contiguous range of chunks, each summing into a private buffer
  // (task 0 straight into gradW); buffers are added in a fixed order afterwards.
  const int64_t tasks = inParallelRegion() ? 1 : std::min<int64_t>(numThreads(), ch.count);
  T* partial = tasks > 1 ? scratchOf<T>(kScratchPartial, (tasks - 1) * wSize) : nullptr;
  parallelTasks(tasks, [&](int64_t t) {
    T* dst = t == 0 ? gw : partial + (t - 1) * wSize;
    const int64_t c0 = ch.count * t / tasks, c1 = ch.count * (t + 1) / tasks;
    for (int64_t c = c0; c < c1; c++) {
      const int64_t n0 = ch.begin(c), n1 = std::min(d.N, n0 + k), L = (n1 - n0) * OHW;
      T* col = scratchOf<T>(kScratchCol, Kd * L);
      T* gt = scratchOf<T>(kScratchConvOut, OCg * L);
      for (int64_t g = 0; g < d.groups; g++) {
        for (int64_t n = n0; n < n1; n++)
          im2col(d, x + (n * d.C + g * Cg) * d.H * d.W, Cg, col + (n - n0) * OHW, L);
        gatherOut(d, gout, g, n0, n1, gt);
        gemmSerial<T>(false, true, OCg, Kd, L, T(1), gt, L, col, L, c == c0 ? T(0) : T(1),
                      dst + g * OCg * Kd, Kd);
      }
    }
  });
  if (tasks > 1)
    parallelFor(wSize, 4096, [&](int64_t i0, int64_t i1) {
      for (int64_t t = 1; t < tasks; t++) {
        const T* p = partial + (t - 1) * wSize;
        for (int64_t i = i0; i < i1; i++) gw[i] += p[i];
      }
    });
  return true;
}

#define NABLA_CONV_BATCHED(T)                                                                   \
  template bool convForwardBatched<T>(const ConvDims&, const T*, const T*, const T*, T*);     \
  template bool convBackwardDataBatched<T>(const ConvDims&, const T*, const T*, T*);          \
  template bool convBackwardWeightBatched<T>(const ConvDims&, const T*, const T*, T*);
NABLA_CONV_BATCHED(float)
NABLA_CONV_BATCHED(double)

}  // namespace nabla
