import type { TypedArray } from "../../tensor/dtype.js";

/** Reference fused cross-entropy forward: a stable log-softmax per row, then the target's -log p. */
export function crossEntropy(
  logits: TypedArray,
  targets: Int32Array,
  N: number,
  C: number,
  lossPerSample: TypedArray,
  logSoftmaxOut: TypedArray,
): void {
  for (let i = 0; i < N; i++) {
    const base = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, logits[base + j]);
    if (max === -Infinity) max = 0;
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(logits[base + j] - max);
    const lse = Math.log(sum) + max;
    for (let j = 0; j < C; j++) logSoftmaxOut[base + j] = logits[base + j] - lse;
    lossPerSample[i] = -logSoftmaxOut[base + targets[i]];
  }
}

/** Reference fused cross-entropy backward: `g[i] * (softmax - onehot(target))`. */
export function crossEntropyBackward(
  logSoftmaxOut: TypedArray,
  targets: Int32Array,
  gradLossPerSample: TypedArray,
  gradLogits: TypedArray,
  N: number,
  C: number,
): void {
  for (let i = 0; i < N; i++) {
    const base = i * C;
    const g = gradLossPerSample[i];
    for (let j = 0; j < C; j++) gradLogits[base + j] = g * Math.exp(logSoftmaxOut[base + j]);
    gradLogits[base + targets[i]] -= g;
  }
}
