// Reference batch normalisation over a contiguous [N, C, HW] array. Statistics accumulate in double
// and the variance takes a second, centred pass, so a large mean does not cancel the spread.
import type { TypedArray } from "../../tensor/dtype.js";

/** Reference training-mode forward (see `Backend.batchNormForwardTrain`). */
export function batchNormForwardTrain(
  x: TypedArray,
  weight: TypedArray | null,
  bias: TypedArray | null,
  out: TypedArray,
  saveMean: TypedArray,
  saveInvStd: TypedArray,
  N: number,
  C: number,
  HW: number,
  eps: number,
): void {
  const count = N * HW;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) s += x[o + i];
    }
    const mean = count > 0 ? s / count : 0;
    let q = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) {
        const d = x[o + i] - mean;
        q += d * d;
      }
    }
    // PyTorch normalises with the biased variance.
    const invStd = 1 / Math.sqrt((count > 0 ? q / count : 0) + eps);
    saveMean[c] = mean;
    saveInvStd[c] = invStd;
    const scale = (weight === null ? 1 : weight[c]) * invStd;
    const shift = bias === null ? 0 : bias[c];
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) out[o + i] = (x[o + i] - mean) * scale + shift;
    }
  }
}

/** Reference eval-mode forward: `(x - runningMean) / sqrt(runningVar + eps) * weight + bias`. */
export function batchNormForwardEval(
  x: TypedArray,
  weight: TypedArray | null,
  bias: TypedArray | null,
  runningMean: TypedArray,
  runningVar: TypedArray,
  out: TypedArray,
  N: number,
  C: number,
  HW: number,
  eps: number,
): void {
  for (let c = 0; c < C; c++) {
    const scale = (weight === null ? 1 : weight[c]) / Math.sqrt(runningVar[c] + eps);
    const shift = bias === null ? 0 : bias[c];
    const mean = runningMean[c];
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) out[o + i] = (x[o + i] - mean) * scale + shift;
    }
  }
}

/**
 * Reference training-mode backward. With xhat = (x - mean) * invStd and M = N * HW:
 * gradBias = sum(g), gradWeight = sum(g xhat), gradX = w invStd (g - gradBias/M - xhat gradWeight/M).
 */
export function batchNormBackward(
  gradOut: TypedArray,
  x: TypedArray,
  weight: TypedArray | null,
  saveMean: TypedArray,
  saveInvStd: TypedArray,
  gradX: TypedArray | null,
  gradWeight: TypedArray | null,
  gradBias: TypedArray | null,
  N: number,
  C: number,
  HW: number,
): void {
  const count = N * HW;
  for (let c = 0; c < C; c++) {
    const mean = saveMean[c];
    const invStd = saveInvStd[c];
    let sg = 0;
    let sgx = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) {
        const g = gradOut[o + i];
        sg += g;
        sgx += g * (x[o + i] - mean) * invStd;
      }
    }
    if (gradBias !== null) gradBias[c] = sg;
    if (gradWeight !== null) gradWeight[c] = sgx;
    if (gradX === null) continue;
    const scale = (weight === null ? 1 : weight[c]) * invStd;
    const mg = sg / count;
    const mgx = sgx / count;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) {
        const xhat = (x[o + i] - mean) * invStd;
        gradX[o + i] = scale * (gradOut[o + i] - mg - xhat * mgx);
      }
    }
  }
}
