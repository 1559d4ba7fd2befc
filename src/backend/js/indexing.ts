import type { TypedArray } from "../../tensor/dtype.js";

/** Reference gather along axis 1 of `[outer, size, inner]`. */
export function gather(
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  index: Int32Array,
  n: number,
  out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * n + j) * inner + i;
        out[at] = x[(o * size + index[at]) * inner + i];
      }
    }
  }
}

/** Reference scatter-add along axis 1. */
export function scatterAdd(
  src: TypedArray,
  outer: number,
  n: number,
  inner: number,
  index: Int32Array,
  size: number,
  out: TypedArray,
): void {
  scatterInto(src, outer, n, inner, index, size, out, true);
}

/** Reference scatter along axis 1 (last write wins). */
export function scatter(
  src: TypedArray,
  outer: number,
  n: number,
  inner: number,
  index: Int32Array,
  size: number,
  out: TypedArray,
): void {
  scatterInto(src, outer, n, inner, index, size, out, false);
}

// `out[o, index[o, j, i], i] (+)= src[o, j, i]`: the shared loop of scatter and scatter-add.
function scatterInto(
  src: TypedArray,
  outer: number,
  n: number,
  inner: number,
  index: Int32Array,
  size: number,
  out: TypedArray,
  accumulate: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * n + j) * inner + i;
        const dst = (o * size + index[at]) * inner + i;
        out[dst] = accumulate ? out[dst] + src[at] : src[at];
      }
    }
  }
}

/** Reference index-select along axis 1. */
export function indexSelect(
  x: TypedArray,
  outer: number,
  size: number,
  inner: number,
  index: Int32Array,
  out: TypedArray,
): void {
  const n = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const src = (o * size + index[j]) * inner;
      const dst = (o * n + j) * inner;
      // Whole rows (an image of a batch) copy as one memcpy; short rows element by element.
      if (inner >= 64 && out.constructor === x.constructor)
        out.set(x.subarray(src, src + inner), dst);
      else for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

/** Reference index-add along axis 1 (the backward of index-select). */
export function indexAdd(
  gradOut: TypedArray,
  outer: number,
  size: number,
  inner: number,
  index: Int32Array,
  out: TypedArray,
): void {
  const n = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const dst = (o * size + index[j]) * inner;
      const src = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += gradOut[src + i];
    }
  }
}

/** Reference index-put: `out[rowOffsets[j] + colOffsets[i]] = src[j * m + i]`, rows in order. */
export function indexPut(
  out: TypedArray,
  rowOffsets: Float64Array,
  colOffsets: Float64Array,
  src: TypedArray,
): void {
  const m = colOffsets.length;
  for (let j = 0; j < rowOffsets.length; j++) {
    const row = rowOffsets[j];
    for (let i = 0; i < m; i++) out[row + colOffsets[i]] = src[j * m + i];
  }
}
