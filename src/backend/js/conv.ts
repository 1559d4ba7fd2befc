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
 * `C[M x N] (+)= A[M x K] B[N x K]^T`: every entry is a dot product of two contiguous rows, the
 * order in which JS engines run fastest. A 4 x 2 block of outputs is kept in locals (doubles), so
 * each loaded element feeds several multiply-adds; this is ~5x the naive i-k-j loop.
 */
export function gemmDot(
  A: TypedArray,
  aOff: number,
  B: TypedArray,
  bOff: number,
  C: TypedArray,
  cOff: number,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
): void {
  const M4 = M - (M % 4);
  const N2 = N - (N % 2);
  for (let i = 0; i < M4; i += 4) {
    const a0 = aOff + i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    const c0 = cOff + i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    for (let j = 0; j < N2; j += 2) {
      const b0 = bOff + j * K;
      const b1 = b0 + K;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = B[b0 + k];
        const x1 = B[b1 + k];
        const w0 = A[a0 + k];
        const w1 = A[a1 + k];
        const w2 = A[a2 + k];
        const w3 = A[a3 + k];
        s00 += w0 * x0;
        s01 += w0 * x1;
        s10 += w1 * x0;
        s11 += w1 * x1;
        s20 += w2 * x0;
        s21 += w2 * x1;
        s30 += w3 * x0;
        s31 += w3 * x1;
      }
      if (accumulate) {
        C[c0 + j] += s00;
        C[c0 + j + 1] += s01;
        C[c1 + j] += s10;
        C[c1 + j + 1] += s11;
        C[c2 + j] += s20;
        C[c2 + j + 1] += s21;
        C[c3 + j] += s30;
        C[c3 + j + 1] += s31;
      } else {
        C[c0 + j] = s00;
        C[c0 + j + 1] = s01;
        C[c1 + j] = s10;
        C[c1 + j + 1] = s11;
        C[c2 + j] = s20;
        C[c2 + j + 1] = s21;
        C[c3 + j] = s30;
        C[c3 + j + 1] = s31;
      }
    }
  }
  // Edges: the rows past the last block of 4, and the last column of every row when N is odd.
  for (let i = 0; i < M; i++) {
    const a = aOff + i * K;
    for (let j = i < M4 ? N2 : 0; j < N; j++) {
      const b = bOff + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
      const o = cOff + i * N + j;
      C[o] = accumulate ? C[o] + s : s;
    }
  }
}

/** Writes `src[rows x cols]` (from `off`) transposed into `dst[cols x rows]`. */
function transposeInto(
  src: TypedArray,
  off: number,
  rows: number,
  cols: number,
  dst: TypedArray,
): void {
  for (let r = 0; r < rows; r++) {
    const s = off + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c];
  }
}

function isPointwise(KH: number, KW: number, sH: number, sW: number, pH: number, pW: number) {
  return KH === 1 && KW === 1 && sH === 1 && sW === 1 && pH === 0 && pW === 0;
}

function scratchLike(a: TypedArray, n: number): TypedArray {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * The transposed columns of one (sample, channel range) block: row `oh*OW + ow` holds the window
 * at that output position, `[c*KH*KW + kh*KW + kw]`, so the forward is a product of contiguous rows.
 */
function im2colTPlane(
  x: TypedArray,
  xOff: number,
  channels: number,
  colT: TypedArray,
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
  let o = 0;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const w0 = ow * sW - pW;
      for (let c = 0; c < channels; c++) {
        const plane = xOff + c * H * W;
        for (let kh = 0; kh < KH; kh++) {
          const h = oh * sH - pH + kh * dH;
          if (h < 0 || h >= H) {
            for (let kw = 0; kw < KW; kw++) colT[o++] = 0;
            continue;
          }
          const src = plane + h * W;
          for (let kw = 0, w = w0; kw < KW; kw++, w += dW)
            colT[o++] = w >= 0 && w < W ? x[src + w] : 0;
        }
      }
    }
  }
}

/** Reference conv2d forward (see `Backend.conv2dForward`): `out_g = W_g colT^T` per sample and group. */
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
  const colT = scratchLike(x, K * L);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      if (direct) transposeInto(x, xOff, Cg, L, colT);
      else im2colTPlane(x, xOff, Cg, colT, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
      const outOff = (n * OC + g * OCg) * L;
      gemmDot(w, g * OCg * K, colT, 0, out, outOff, OCg, L, K, false);
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

/** Reference conv2d input gradient: `cols = W_g^T gradOut_g`, then col2im. */
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
  // W_g^T (K x OCg) and gradOut_g^T (L x OCg), so each column entry is a dot of contiguous rows.
  const wT = scratchLike(w, OC * K);
  for (let g = 0; g < groups; g++) transposeInto(w, g * OCg * K, OCg, K, wT.subarray(g * OCg * K));
  const gT = scratchLike(gradOut, L * OCg);
  const cols = direct ? gradX : scratchLike(gradX, K * L);
  if (!direct) gradX.fill(0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      transposeInto(gradOut, (n * OC + g * OCg) * L, OCg, L, gT);
      gemmDot(wT, g * OCg * K, gT, 0, cols, direct ? xOff : 0, K, L, OCg, false);
      if (!direct)
        col2imPlane(cols, 0, Cg, gradX, xOff, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
    }
  }
}

/** Reference conv2d weight (and bias) gradient: `gradW_g = sum_n gradOut_n,g cols_n,g^T`. */
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
  gradW.fill(0);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const xOff = (n * C + g * Cg) * H * W;
      if (!direct) im2colPlane(x, xOff, Cg, cols, 0, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW);
      const gOff = (n * OC + g * OCg) * L;
      gemmDot(gradOut, gOff, cols, direct ? xOff : 0, gradW, g * OCg * K, OCg, K, L, true);
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
