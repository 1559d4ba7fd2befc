/** Array checks shared by the native Backend wrappers. */
import type { TypedArray } from "../../tensor/dtype.js";
import type { FloatArray } from "./addon.js";

/** True when every non-null array is a Float32Array, or every one a Float64Array. */
export function floatsAlike(...arrays: (TypedArray | null)[]): boolean {
  let kind: unknown = null;
  for (const a of arrays) {
    if (a === null) continue;
    if (!(a instanceof Float32Array || a instanceof Float64Array)) return false;
    if (kind === null) kind = a.constructor;
    else if (a.constructor !== kind) return false;
  }
  return kind !== null;
}

export const isFloat = (a: TypedArray): a is FloatArray =>
  a instanceof Float32Array || a instanceof Float64Array;
