// Direct conv2d forward for few output channels (LeNet-sized layers), float32 with AVX-512.
//
// Why: with OC = 16 and C*KH*KW = 150 the im2col + GEMM route spends half its time writing the
// column matrix (150 short copies per image row) and the GEMM has only 16 rows. Here one 512-bit
// vector holds 16 output channels of one pixel: for each (c, kh, kw) the weight vector
// W[oc-block, c, kh, kw] is loaded once and multiplied by 8 broadcast input values, one per
// output pixel of a register block. No column matrix is written; the input is read in place
// (from a zero-padded copy of the image when the conv pads).
#include <algorithm>
#include <cstring>

#include "conv.h"
#include "scratch.h"
#include "threadpool.h"

#if defined(NABLA_AVX512)
#include <immintrin.h>
#endif

namespace nabla {

#if defined(NABLA_AVX512)
namespace {

constexpr int kLanes = 16;  // output channels per vector
constexpr int kPixels = 12;  // at most this many output pixels per register block

// acc[p] = sum over (c, kh, kw) of wt[c, kh, kw, :] * x[c, oh*sH + kh, (ow0 + p)*sW + kw] for
// P pixels of one output row; the result goes to tile[(ow0 + p) * 16 + lane].
template <int P, bool UnitStride>
inline void pixelBlock(const float* xp, int64_t Hp, int64_t Wp, const float* wt, int64_t C,
                       int64_t KH, int64_t KW, int64_t strideW, float* tile) {
  // Unit stride as a constant turns the broadcasts' addresses into fixed offsets.
  const int64_t sW = UnitStride ? 1 : strideW;
  __m512 acc[P];
  for (int p = 0; p < P; p++) acc[p] = _mm512_setzero_ps();
  for (int64_t c = 0; c < C; c++) {
    for (int64_t kh = 0; kh < KH; kh++) {
      const float* xr = xp + (c * Hp + kh) * Wp;
      const float* wr = wt + (c * KH + kh) * KW * kLanes;
      for (int64_t kw = 0; kw < KW; kw++) {
        const __m512 wv = _mm512_loadu_ps(wr + kw * kLanes);
        for (int p = 0; p < P; p++)
          acc[p] = _mm512_fmadd_ps(wv, _mm512_set1_ps(xr[p * sW + kw]), acc[p]);
      }
    }
  }
  for (int p = 0; p < P; p++) _mm512_storeu_ps(tile + p * kLanes, acc[p]);
}

using BlockFn = void (*)(const float*, int64_t, int64_t, const float*, int64_t, int64_t, int64_t,
                         int64_t, float*);
template <bool U>
constexpr BlockFn kBlocks[kPixels + 1] = {
    nullptr,           pixelBlock<1, U>,  pixelBlock<2, U>,  pixelBlock<3, U>, pixelBlock<4, U>,
    pixelBlock<5, U>,  pixelBlock<6, U>,  pixelBlock<7, U>,  pixelBlock<8, U>, pixelBlock<9, U>,
    pixelBlock<10, U>, pixelBlock<11, U>, pixelBlock<12, U>};

}  // namespace

bool convForwardDirectApplies(const ConvDims& d) {
  // Few output channels and short reductions: measured faster than im2col + GEMM for LeNet's
  // second layer (0.38 vs 0.70 ms); wider layers keep the GEMM, whose register tiles reuse more.
  // Lanes must be mostly filled: LeNet's first layer (OC 6) runs faster through the GEMM.
  const int64_t lanes = ((d.OC + kLanes - 1) / kLanes) * kLanes;
  return d.groups == 1 && d.dH == 1 && d.dW == 1 && d.OC <= 32 && 4 * d.OC >= 3 * lanes &&
         d.kdim() <= 1024 && d.OH > 0 && d.OW > 0;
}

void convForwardDirect(const ConvDims& d, const float* x, const float* w, const float* bias,
                       float* out) {
  const int64_t C = d.C, KH = d.KH, KW = d.KW, OC = d.OC, OH = d.OH, OW = d.OW, OHW = d.ohw();
  const int64_t blocks = (OC + kLanes - 1) / kLanes;
  // Weights as [block][c][kh][kw][16 lanes], zero in the lanes past OC.
  const int64_t kd = d.kdim();
  float* wt = scratchOf<float>(kScratchMisc, blocks * kd * kLanes);
  std::fill(wt, wt + blocks * kd * kLanes, 0.0f);
  for (int64_t oc = 0; oc < OC; oc++)
    for (int64_t k = 0; k < kd; k++)
      wt[((oc / kLanes) * kd + k) * kLanes + oc % kLanes] = w[oc * kd + k];
  // Input rows needed by the padded frame: (OH-1)*sH + KH by (OW-1)*sW + KW.
  const int64_t Hp = (OH - 1) * d.sH + KH, Wp = (OW - 1) * d.sW + KW;
  const bool pads = d.pH > 0 || d.pW > 0;
  // Each output row splits into equal blocks (10 -> one of 10, 28 -> 10 + 9 + 9): a short last
  // block would load a weight vector for only one or two FMAs.
  const int64_t rowBlocks = (OW + kPixels - 1) / kPixels;
  const int64_t perBlock = (OW + rowBlocks - 1) / rowBlocks;
  parallelFor(d.N, 1, [&](int64_t n0, int64_t n1) {
    float* tile = scratchOf<float>(kScratchConvOut, OHW * kLanes);
    float* framed = pads ? scratchOf<float>(kScratchCol, C * Hp * Wp) : nullptr;
    for (int64_t n = n0; n < n1; n++) {
      const float* xn = x + n * C * d.H * d.W;
      const float* src = xn;
      int64_t sh = d.H, sw = d.W;
      if (pads) {
        // Zero frame around the image; rows and columns past the image stay zero too.
        std::fill(framed, framed + C * Hp * Wp, 0.0f);
        for (int64_t c = 0; c < C; c++)
          for (int64_t h = 0; h < d.H; h++) {
            const int64_t fh = h + d.pH;
            if (fh >= Hp) break;
            const int64_t cols = std::min(d.W, Wp - d.pW);
            if (cols > 0)
              std::memcpy(framed + (c * Hp + fh) * Wp + d.pW, xn + (c * d.H + h) * d.W,
                          sizeof(float) * cols);
          }
        src = framed, sh = Hp, sw = Wp;
      }
      for (int64_t b = 0; b < blocks; b++) {
        const float* wb = wt + b * kd * kLanes;
        for (int64_t oh = 0; oh < OH; oh++) {
          const float* xrow = src + oh * d.sH * sw;
          for (int64_t ow0 = 0; ow0 < OW; ow0 += perBlock) {
            const int p = static_cast<int>(std::min<int64_t>(perBlock, OW - ow0));
            (d.sW == 1 ? kBlocks<true> : kBlocks<false>)[p](xrow + ow0 * d.sW, sh, sw, wb, C, KH, KW, d.sW,
                       tile + (oh * OW + ow0) * kLanes);
          }
        }
        // [pixel][lane] -> out[n, oc, pixel] with the bias.
        const int64_t lanes = std::min<int64_t>(kLanes, OC - b * kLanes);
        for (int64_t l = 0; l < lanes; l++) {
          const int64_t oc = b * kLanes + l;
          float* o = out + (n * OC + oc) * OHW;
          const float bv = bias ? bias[oc] : 0.0f;
          for (int64_t i = 0; i < OHW; i++) o[i] = tile[i * kLanes + l] + bv;
        }
      }
    }
  });
}

#else

bool convForwardDirectApplies(const ConvDims&) { return false; }
void convForwardDirect(const ConvDims&, const float*, const float*, const float*, float*) {}

#endif

}  // namespace nabla
