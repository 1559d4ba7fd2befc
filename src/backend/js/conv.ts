// Reference 2-D convolution (NCHW) via im2col + GEMM, one sample and one group at a time, so the
// column buffer stays small (C/groups*KH*KW x OH*OW). A 1x1 convolution with stride 1 and no
// padding reads the input directly as its column matrix.
import type { TypedArray } from "../../tensor/dtype.js";
import type { ConvDims, WindowDims } from "../backend.js";

/**
 * Writes the columns of one (sample, channel range) block: `cols[c*KH*KW + kh*KW + kw, oh*OW + ow]`
 * is `x[c, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW]`, or 0 in the padding.
 */
function im2colPlane(
  x: TypedArray,
  xOff: number,
  channels: number,
  cols: TypedArray,
  colOff: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  dH: number,
  dW: number,
  OH: number,
  OW: number,
): void {
  const L = OH * OW;
  let row = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let oh = 0; oh < OH; oh++) {
          const h = oh * sH - pH + kh * dH;
          const o = row + oh * OW;
          if (h < 0 || h >= H) {
            for (let ow = 0; ow < OW; ow++) cols[o + ow] = 0;
            continue;
          }
          const src = plane + h * W;
          let w = kw * dW - pW;
          for (let ow = 0; ow < OW; ow++, w += sW) cols[o + ow] = w >= 0 && w < W ? x[src + w] : 0;
        }
        row += L;
      }
    }
  }
}

/** The adjoint of `im2colPlane`: adds each column entry back into `x` (which holds the sum). */
function col2imPlane(
  cols: TypedArray,
  colOff: number,
  channels: number,
  x: TypedArray,
  xOff: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  dH: number,
  dW: number,
  OH: number,
  OW: number,
): void {
  const L = OH * OW;
  let row = colOff;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let oh = 0; oh < OH; oh++) {
          const h = oh * sH - pH + kh * dH;
          if (h < 0 || h >= H) continue;
          const o = row + oh * OW;
          const dst = plane + h * W;
          let w = kw * dW - pW;
          for (let ow = 0; ow < OW; ow++, w += sW) if (w >= 0 && w < W) x[dst + w] += cols[o + ow];
        }
        row += L;
      }
    }
  }
}

/**
 * `C[M x N] (+)= op(A) @ op(B)`. `A` is read through row/column strides (so a transposed A costs
 * nothing); `transB` switches to dot products of contiguous rows, the cache-friendly order for
 * `A @ B^T`. Rows accumulate in double.
 */
function gemm(
  A: TypedArray,
  aOff: number,
  aRow: number,
  aCol: number,
  B: TypedArray,
  bOff: number,
  transB: boolean,
  C: TypedArray,
  cOff: number,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
  acc: Float64Array,
): void {
  if (transB) {
    // B is stored N x K.
    for (let i = 0; i < M; i++) {
      const a = aOff + i * aRow;
      for (let j = 0; j < N; j++) {
        const b = bOff + j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a + k * aCol] * B[b + k];
        const o = cOff + i * N + j;
        C[o] = accumulate ? C[o] + s : s;
      }
    }
    return;
  }
  for (let i = 0; i < M; i++) {
    const o = cOff + i * N;
    if (accumulate) for (let j = 0; j < N; j++) acc[j] = C[o + j];
    else acc.fill(0, 0, N);
    const a = aOff + i * aRow;
    for (let k = 0; k < K; k++) {
      const aik = A[a + k * aCol];
      if (aik === 0) continue;
      const b = bOff + k * N;
      for (let j = 0; j < N; j++) acc[j] += aik * B[b + j];
    }
    for (let j = 0; j < N; j++) C[o + j] = acc[j];
  }
}

function isPointwise(KH: number, KW: number, sH: number, sW: number, pH: number, pW: number) {
  return KH === 1 && KW === 1 && sH === 1 && sW === 1 && pH === 0 && pW === 0;
}

function scratchLike(a: TypedArray, n: number): TypedArray {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** Reference conv2d forward (see `Backend.conv2dForward`). */
export function conv2dForward(
  x: TypedArray,
  w: TypedArray,
  bias: TypedArray | null,
  out: TypedArray,
  ...[N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW]: ConvDims
): void {
  const Cg = C / groups;
  const OCg = OC / groups;
  const K = Cg * KH * KW;
  const L = OH * OW;
  const direct = isPointwise(KH, KW, sH, sW, pH, pW);
  const cols = direct ? x : scratchLike(x, K * L);
  const acc = new Float64Array(L);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      if (!direct) im2colPlane(x, xOff, Cg, cols, 0, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
      const outOff = (n * OC + g * OCg) * L;
      gemm(
        w,
        g * OCg * K,
        K,
        1,
        cols,
        direct ? xOff : 0,
        false,
        out,
        outOff,
        OCg,
        L,
        K,
        false,
        acc,
      );
      if (bias !== null) {
        for (let oc = 0; oc < OCg; oc++) {
          const b = bias[g * OCg + oc];
          const o = outOff + oc * L;
          for (let i = 0; i < L; i++) out[o + i] += b;
        }
      }
    }
  }
}

/** Reference conv2d input gradient: `cols = W^T @ gradOut`, then col2im. */
export function conv2dBackwardData(
  gradOut: TypedArray,
  w: TypedArray,
  gradX: TypedArray,
  ...[N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW]: ConvDims
): void {
  const Cg = C / groups;
  const OCg = OC / groups;
  const K = Cg * KH * KW;
  const L = OH * OW;
  const direct = isPointwise(KH, KW, sH, sW, pH, pW);
  const cols = direct ? gradX : scratchLike(gradX, K * L);
  const acc = new Float64Array(L);
  if (!direct) gradX.fill(0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      // W_g is OCg x K, so W_g^T is read with row stride 1 and column stride K.
      gemm(
        w,
        g * OCg * K,
        1,
        K,
        gradOut,
        (n * OC + g * OCg) * L,
        false,
        cols,
        direct ? xOff : 0,
        K,
        L,
        OCg,
        false,
        acc,
      );
      if (!direct)
        col2imPlane(cols, 0, Cg, gradX, xOff, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
    }
  }
}

/** Reference conv2d weight (and bias) gradient: `gradW_g = sum_n gradOut_n,g @ cols_n,g^T`. */
export function conv2dBackwardWeight(
  gradOut: TypedArray,
  x: TypedArray,
  gradW: TypedArray,
  gradBias: TypedArray | null,
  ...[N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW]: ConvDims
): void {
  const Cg = C / groups;
  const OCg = OC / groups;
  const K = Cg * KH * KW;
  const L = OH * OW;
  const direct = isPointwise(KH, KW, sH, sW, pH, pW);
  const cols = direct ? x : scratchLike(x, K * L);
  const acc = new Float64Array(K);
  gradW.fill(0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      if (!direct) im2colPlane(x, xOff, Cg, cols, 0, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
      const gOff = (n * OC + g * OCg) * L;
      gemm(
        gradOut,
        gOff,
        L,
        1,
        cols,
        direct ? xOff : 0,
        true,
        gradW,
        g * OCg * K,
        OCg,
        K,
        L,
        true,
        acc,
      );
    }
  }
  if (gradBias !== null) {
    for (let oc = 0; oc < OC; oc++) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const o = (n * OC + oc) * L;
        for (let i = 0; i < L; i++) s += gradOut[o + i];
      }
      gradBias[oc] = s;
    }
  }
}

/** `cols[N, C*KH*KW, OH*OW]` from `x[N, C, H, W]` (PyTorch's `unfold`). */
export function im2col(
  x: TypedArray,
  cols: TypedArray,
  ...[N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW]: WindowDims
): void {
  const block = C * KH * KW * OH * OW;
  for (let n = 0; n < N; n++)
    im2colPlane(x, n * C * H * W, C, cols, n * block, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
}

/** Sums `cols[N, C*KH*KW, OH*OW]` back into `x[N, C, H, W]` (PyTorch's `fold`); `x` is overwritten. */
export function col2im(
  cols: TypedArray,
  x: TypedArray,
  ...[N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW]: WindowDims
): void {
  x.fill(0);
  const block = C * KH * KW * OH * OW;
  for (let n = 0; n < N; n++)
    col2imPlane(cols, n * block, C, x, n * C * H * W, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
}
