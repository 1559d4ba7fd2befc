import type { TypedArray } from "../../tensor/dtype.js";
import type { ReduceOp } from "../backend.js";

/** Reference reduction over axis 1 of `[outer, size, inner]`; sums accumulate in float64. */
export function reduce(
  op: ReduceOp,
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let acc: number;
      if (op === "sum") {
        acc = 0;
        for (let k = 0; k < size; k++) acc += x[base + k * inner];
      } else if (op === "prod") {
        acc = 1;
        for (let k = 0; k < size; k++) acc *= x[base + k * inner];
      } else {
        acc = op === "max" ? -Infinity : Infinity;
        for (let k = 0; k < size; k++) {
          const v = x[base + k * inner];
          if (Number.isNaN(v)) {
            acc = v;
            break;
          }
          if (op === "max" ? v > acc : v < acc) acc = v;
        }
      }
      out[o * inner + i] = acc;
    }
  }
}

/** Reference argmax/argmin: first index of the extreme value; a NaN counts as the extreme. */
export function argReduce(
  op: "argmax" | "argmin",
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  out: Int32Array,
): void {
  const isMax = op === "argmax";
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let best = x[base];
      let bestK = 0;
      if (!Number.isNaN(best)) {
        for (let k = 1; k < size; k++) {
          const v = x[base + k * inner];
          if (Number.isNaN(v)) {
            bestK = k;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bestK = k;
          }
        }
      }
      out[o * inner + i] = bestK;
    }
  }
}

/** Reference inclusive cumulative sum along axis 1. */
export function cumsum(
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let acc = 0;
      for (let k = 0; k < size; k++) {
        acc += x[base + k * inner];
        out[base + k * inner] = acc;
      }
    }
  }
}

/** Reference softmax / log-softmax along axis 1, stabilised by subtracting the max. */
export function softmax(
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  out: TypedArray,
  log: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, x[base + k * inner]);
      if (max === -Infinity) max = 0;
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(x[base + k * inner] - max);
      if (log) {
        const logSum = Math.log(sum) + max;
        for (let k = 0; k < size; k++) out[base + k * inner] = x[base + k * inner] - logSum;
      } else {
        for (let k = 0; k < size; k++)
          out[base + k * inner] = Math.exp(x[base + k * inner] - max) / sum;
      }
    }
  }
}

/**
 * Reference softmax backward from the output y: softmax gives y * (g - sum(g * y)),
 * log-softmax gives g - exp(y) * sum(g).
 */
export function softmaxBackward(
  y: TypedArray,
  g: TypedArray,
  outer: number,
  size: number,
  inner: number,
  gradIn: TypedArray,
  log: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let dot = 0;
      for (let k = 0; k < size; k++) {
        const j = base + k * inner;
        dot += log ? g[j] : g[j] * y[j];
      }
      for (let k = 0; k < size; k++) {
        const j = base + k * inner;
        gradIn[j] = log ? g[j] - Math.exp(y[j]) * dot : y[j] * (g[j] - dot);
      }
    }
  }
}
