// Reference 2-D max and average pooling (NCHW) with PyTorch's window and divisor rules.
import type { TypedArray } from "../../tensor/dtype.js";
import type { AvgPoolDims, PoolDims } from "../backend.js";

/** Reference max pool forward (see `Backend.maxPool2dForward`). */
export function maxPool2dForward(
  x: TypedArray,
  out: TypedArray,
  indices: Int32Array,
  ...[N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW]: PoolDims
): void {
  const HW = H * W;
  const OHW = OH * OW;
  for (let p = 0; p < N * C; p++) {
    const xp = p * HW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = Math.min(h0 + (KH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = Math.min(w0 + (KW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        // As PyTorch: start from the first in-bounds cell; a NaN wins over every number.
        let best = h0 * W + w0;
        let mv = -Infinity;
        for (let h = h0; h < h1; h += dH) {
          for (let w = w0; w < w1; w += dW) {
            const v = x[xp + h * W + w];
            if (v > mv || Number.isNaN(v)) {
              mv = v;
              best = h * W + w;
            }
          }
        }
        const o = p * OHW + oh * OW + ow;
        out[o] = mv;
        indices[o] = best;
      }
    }
  }
}

/** Reference max pool backward: each output's gradient goes to the input that won. */
export function maxPool2dBackward(
  gradOut: TypedArray,
  indices: Int32Array,
  gradX: TypedArray,
  N: number,
  C: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
): void {
  const HW = H * W;
  const OHW = OH * OW;
  gradX.fill(0);
  for (let p = 0; p < N * C; p++) {
    const gx = p * HW;
    const go = p * OHW;
    for (let o = 0; o < OHW; o++) gradX[gx + indices[go + o]] += gradOut[go + o];
  }
}

// PyTorch's avg_pool2d window: the divisor counts the window clipped to the padded input when
// padding counts, and only the real input cells otherwise.
function avgWindow(
  oh: number,
  ow: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  countIncludePad: boolean,
  win: Int32Array,
): void {
  let h0 = oh * sH - pH;
  let w0 = ow * sW - pW;
  let h1 = Math.min(h0 + KH, H + pH);
  let w1 = Math.min(w0 + KW, W + pW);
  const poolSize = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, H);
  w1 = Math.min(w1, W);
  win[0] = h0;
  win[1] = h1;
  win[2] = w0;
  win[3] = w1;
  win[4] = countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
}

/** Reference average pool forward (see `Backend.avgPool2dForward`). */
export function avgPool2dForward(
  x: TypedArray,
  out: TypedArray,
  ...[N, C, H, W, KH, KW, sH, sW, pH, pW, OH, OW, countIncludePad]: AvgPoolDims
): void {
  const HW = H * W;
  const OHW = OH * OW;
  const win = new Int32Array(5);
  for (let p = 0; p < N * C; p++) {
    const xp = p * HW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        avgWindow(oh, ow, H, W, KH, KW, sH, sW, pH, pW, countIncludePad, win);
        let s = 0;
        for (let h = win[0]; h < win[1]; h++)
          for (let w = win[2]; w < win[3]; w++) s += x[xp + h * W + w];
        // An empty window can only come from ceil-mode sizes; it gives 0 rather than 0/0.
        out[p * OHW + oh * OW + ow] = win[4] > 0 ? s / win[4] : 0;
      }
    }
  }
}

/** Reference average pool backward: each output's gradient spreads evenly over its window. */
export function avgPool2dBackward(
  gradOut: TypedArray,
  gradX: TypedArray,
  ...[N, C, H, W, KH, KW, sH, sW, pH, pW, OH, OW, countIncludePad]: AvgPoolDims
): void {
  const HW = H * W;
  const OHW = OH * OW;
  const win = new Int32Array(5);
  gradX.fill(0);
  for (let p = 0; p < N * C; p++) {
    const gx = p * HW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        avgWindow(oh, ow, H, W, KH, KW, sH, sW, pH, pW, countIncludePad, win);
        if (win[4] <= 0) continue;
        const v = gradOut[p * OHW + oh * OW + ow] / win[4];
        for (let h = win[0]; h < win[1]; h++)
          for (let w = win[2]; w < win[3]; w++) gradX[gx + h * W + w] += v;
      }
    }
  }
}
