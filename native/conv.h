// conv2d (NCHW, groups, stride, padding, dilation) drivers shared by the JS entry points.
#pragma once
#include <cstdint>

namespace nabla {

// N, C, H, W, OC, KH, KW, stride, padding, dilation, groups and the output size.
struct ConvDims {
  int64_t N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW;
  int64_t Cg() const { return C / groups; }
  int64_t OCg() const { return OC / groups; }
  int64_t kdim() const { return Cg() * KH * KW; }  // GEMM K of the forward pass
  int64_t ohw() const { return OH * OW; }
  // 1x1, stride 1, no padding: the image itself is the column matrix, no im2col needed.
  bool pointwise() const { return KH == 1 && KW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0; }
};

template <class T>
void convForward(const ConvDims& d, const T* x, const T* w, const T* bias, T* out);
template <class T>
void convBackwardData(const ConvDims& d, const T* gout, const T* w, T* gx);
// gradW (and gradBias when non-null) are overwritten with the sums over the batch.
template <class T>
void convBackwardWeight(const ConvDims& d, const T* gout, const T* x, T* gw, T* gb);
// Small images (OH*OW < 512): several images side by side in one GEMM ([Kd, k*OH*OW] columns),
// so that the GEMM has long rows instead of a ragged 100-column one per image. They return false
// when that does not apply (the caller then works per image).
template <class T>
bool convForwardBatched(const ConvDims& d, const T* x, const T* w, const T* bias, T* out);
template <class T>
bool convBackwardDataBatched(const ConvDims& d, const T* gout, const T* w, T* gx);
template <class T>
bool convBackwardWeightBatched(const ConvDims& d, const T* gout, const T* x, T* gw);

// Direct (no im2col) float32 forward for few output channels; Applies says when it is used.
bool convForwardDirectApplies(const ConvDims& d);
void convForwardDirect(const ConvDims& d, const float* x, const float* w, const float* bias,
                       float* out);

// cols[N, C*KH*KW, OH*OW] from x (groups and OC are ignored); col2im overwrites x.
template <class T>
void im2colBatch(const ConvDims& d, const T* x, T* cols);
template <class T>
void col2imBatch(const ConvDims& d, const T* cols, T* x);

}  // namespace nabla
