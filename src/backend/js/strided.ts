import type { View } from "../backend.js";

/** True when `v` reads `numel` consecutive elements starting at its offset. */
export function isDense(v: View): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

/** True when every stride is 0: the view is one value broadcast everywhere. */
export function isScalarLike(v: View): boolean {
  for (let i = 0; i < v.strides.length; i++)
    if (v.strides[i] !== 0 && v.shape[i] !== 1) return false;
  return true;
}

/**
 * The storage offset of every element of `v` in row-major order, over `shape` (which may differ
 * from `v.shape` only by broadcasting). The reference kernels iterate strided views with it.
 */
export function elementOffsets(v: View, shape: readonly number[] = v.shape): Int32Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Int32Array(n);
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  let pos = v.offset;
  for (let i = 0; i < n; i++) {
    out[i] = pos;
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      pos += v.strides[d];
      if (index[d] < shape[d]) break;
      pos -= v.strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
