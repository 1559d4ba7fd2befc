// PyTorch's `default_collate`: a list of samples becomes one batch, structure preserved. Tensors
// are stacked along a new first dim (into one preallocated array, not through `stack`), numbers
// become a tensor (integers int32, others float32), booleans a bool tensor, strings stay a list,
// and arrays and objects are collated position by position.
import { type DType, type TypedArray, promoteTypes } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { allocUninitialized } from "./transform-utils.js";

/**
 * The batch type that `defaultCollate` makes from samples of type T.
 * Example: `Collated<[Tensor, number]>` is `[Tensor, Tensor]`.
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends ArrayBufferView
        ? Tensor
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends object
            ? { [K in keyof T]: Collated<T[K]> }
            : T[];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Stacks same-shaped tensors along a new first dim into one new contiguous tensor (dtypes are
 * promoted). Example: `stackSamples([a, b])` has shape `[2, ...a.shape]`.
 */
export function stackSamples(tensors: readonly Tensor[], where = "sample"): Tensor {
  const first = tensors[0];
  let dtype: DType = first.dtype;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, d) => s !== first.shape[d]))
      throw new Error(
        `default collate: ${where} ${i} has shape ${fmtShape(t.shape)} but ${where} 0 has ${fmtShape(first.shape)}; a batch needs equal shapes (pass a collateFn to pad them)`,
      );
    dtype = promoteTypes(dtype, t.dtype);
  });
  const size = first.numel();
  const out = allocUninitialized(dtype, tensors.length * size);
  tensors.forEach((t, i) => copyInto(t, out, i * size));
  return Tensor.fromArray(out, [tensors.length, ...first.shape]);
}

function copyInto(t: Tensor, out: TypedArray, at: number): void {
  const n = t.numel();
  const sameType = out.constructor === t.storage.data.constructor;
  if (sameType && t.isContiguous()) {
    out.set(t.storage.data.subarray(t.offset, t.offset + n), at);
  } else {
    const values = t.data();
    for (let j = 0; j < n; j++) out[at + j] = values[j];
  }
}

function collateNumbers(values: readonly number[], where: string): Tensor {
  const ints = values.every((v) => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX);
  if (!ints && values.some((v) => typeof v !== "number"))
    throw new TypeError(`default collate: ${where} mixes numbers with other types`);
  const out = ints ? Int32Array.from(values) : Float32Array.from(values);
  return Tensor.fromArray(out, [values.length]);
}

function collateAt(samples: readonly unknown[], where: string): unknown {
  const first = samples[0];
  const mismatch = (i: number, what: string) =>
    new TypeError(
      `default collate: ${where} of sample ${i} is ${describe(samples[i])} but sample 0's is ${what}`,
    );
  if (first instanceof Tensor) {
    samples.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw mismatch(i, "a Tensor");
    });
    return stackSamples(samples as Tensor[], `${where} of sample`);
  }
  if (typeof first === "number") {
    samples.forEach((s, i) => {
      if (typeof s !== "number") throw mismatch(i, "a number");
    });
    return collateNumbers(samples as number[], where);
  }
  if (typeof first === "boolean") {
    samples.forEach((s, i) => {
      if (typeof s !== "boolean") throw mismatch(i, "a boolean");
    });
    return Tensor.fromArray(Uint8Array.from(samples as boolean[], Number), [samples.length]);
  }
  if (typeof first === "string") return samples.slice();
  if (ArrayBuffer.isView(first)) {
    return stackSamples(
      samples.map((s, i) => {
        if (!ArrayBuffer.isView(s)) throw mismatch(i, "a typed array");
        const arr = s as unknown as ArrayLike<number>;
        return Tensor.fromArray(toStorable(arr), [arr.length]);
      }),
      `${where} of sample`,
    );
  }
  if (Array.isArray(first)) {
    samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== first.length)
        throw new Error(
          `default collate: each element of a batch should have the same length: sample 0 has ${first.length} fields, sample ${i} has ${Array.isArray(s) ? s.length : describe(s)}`,
        );
    });
    return first.map((_, j) =>
      collateAt(
        samples.map((s) => (s as unknown[])[j]),
        `${where}[${j}]`,
      ),
    );
  }
  if (first !== null && typeof first === "object") {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const key of keys)
      out[key] = collateAt(
        samples.map((s) => (s as Record<string, unknown>)[key]),
        `${where}.${key}`,
      );
    return out;
  }
  throw new TypeError(
    `default collate: ${where} is ${describe(first)}; samples must hold Tensors, numbers, booleans, strings, arrays or objects`,
  );
}

function toStorable(arr: ArrayLike<number>): TypedArray {
  if (arr instanceof Float32Array || arr instanceof Float64Array || arr instanceof Int32Array)
    return arr;
  // Small integer arrays (Uint8 included) hold values, not booleans: widen to int32 like
  // `nb.tensor`; Uint32 may overflow int32, so it becomes float64.
  if (arr instanceof Uint32Array) return Float64Array.from(arr);
  return Int32Array.from(arr);
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a Tensor ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * PyTorch's `default_collate`. Example: `defaultCollate([[x0, 3], [x1, 7]])` is
 * `[stack([x0, x1]), tensor([3, 7], int32)]`.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0) throw new Error("default collate: cannot collate an empty batch");
  return collateAt(samples, "sample") as Collated<T>;
}
