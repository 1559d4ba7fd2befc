// Resolves the arguments of `get`/`set` against a shape, the way PyTorch resolves `X[...]`:
// integers, slices, None and the ellipsis make a view (basic indexing); integer arrays, int32
// tensors and bool masks are advanced indices, broadcast together. The plan depends only on the
// shape, so one plan serves a tensor, its clone and its gradient.
import { broadcastStrides, contiguousStrides, fmtShape, numelOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { DimSlice } from "./shape.js";
import { dense } from "./util.js";

/** A Python-style slice `start:stop:step`; omitted parts take their defaults. */
export interface Slice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/**
 * One index of `get`/`set`: an integer (removes the dim), a slice string such as `"1:3"`, `":"`
 * or `"::2"` (several, comma-separated: `"1:3, ::2"`), a `Slice` object, `null` or `"None"` for
 * a new axis, `"..."` for the remaining dims, `true`/`false`, an int32 tensor or (nested) number
 * array (selects entries, as `X[[0, 2]]`), or a bool mask tensor or boolean array. As in
 * PyTorch, a lone array that holds tensors, arrays, slices, strings or null is a list of indices,
 * one per dim: `X.get([rows, cols])` is `X[rows, cols]`.
 */
export type Index = number | boolean | string | null | Slice | Tensor | readonly Index[];

/** A slice object, like Python's `slice(start, stop, step)`. Example: `x.get(nb.sliceOf(1, 3))`. */
export function sliceOf(start?: number | null, stop?: number | null, step?: number | null): Slice {
  return { start, stop, step };
}

type Item =
  | { kind: "int"; value: number }
  | { kind: "slice"; value: Slice }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "tensor"; value: Tensor };

/** The advanced part of an index: which dims of the basic view it selects, and with what. */
export interface AdvancedIndex {
  /** Dims of the basic view that the index tensors select, in increasing order. */
  readonly dims: number[];
  /** One index per dim, broadcast to `shape`, dense, in range and non-negative. */
  readonly indices: Int32Array[];
  /** The shape the index tensors broadcast to. */
  readonly shape: number[];
  /**
   * Whether `dims` are consecutive: the selected entries then take the place of those dims,
   * otherwise they come first (PyTorch's and NumPy's rule).
   */
  readonly adjacent: boolean;
}

/** A resolved index: a basic view (slices, then new axes) and an optional advanced part. */
export interface IndexPlan {
  /** One slice per dim of the indexed tensor (`drop` for integer indices). */
  readonly dims: DimSlice[];
  /** Positions of the new axes in the view, in increasing order. */
  readonly newAxes: number[];
  /** The shape of the basic view. */
  readonly viewShape: number[];
  readonly advanced: AdvancedIndex | null;
  /** The shape of the result (what `get` returns, what `set`'s value broadcasts to). */
  readonly resultShape: number[];
}

// PyTorch (after NumPy) reads a short list holding a tensor, a list, a slice, None or an
// ellipsis as a tuple of indices; any other list is one index.
function isListOfIndices(list: readonly Index[]): boolean {
  if (list.length >= 32) return false;
  return list.some((e) => e === null || typeof e === "string" || typeof e === "object");
}

function parseInt10(op: string, text: string, spec: string): number {
  if (!/^[+-]?\d+$/.test(text))
    throw new Error(`${op}: cannot parse "${text}" in "${spec}" (expected an integer)`);
  return Number(text);
}

function parseString(op: string, spec: string): Item[] {
  return spec.split(",").map((raw): Item => {
    const part = raw.trim();
    if (part === "...") return { kind: "ellipsis" };
    if (part === "None" || part === "newaxis") return { kind: "newaxis" };
    if (part.includes(":")) {
      const pieces = part.split(":");
      if (pieces.length > 3) throw new Error(`${op}: "${part}" has too many colons (in "${spec}")`);
      const num = (s: string | undefined) =>
        s === undefined || s.trim() === "" ? null : parseInt10(op, s.trim(), spec);
      return {
        kind: "slice",
        value: { start: num(pieces[0]), stop: num(pieces[1]), step: num(pieces[2]) },
      };
    }
    return { kind: "int", value: parseInt10(op, part, spec) };
  });
}

// A nested JS array as an index tensor: int32 for numbers, a bool mask for booleans.
function arrayToTensor(op: string, list: readonly Index[]): Tensor {
  const shape: number[] = [];
  let probe: unknown = list;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (number | boolean)[] = [];
  const walk = (value: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof value === "number" && !Number.isInteger(value))
        throw new TypeError(`${op}: index ${value} is not an integer`);
      if (typeof value !== "number" && typeof value !== "boolean")
        throw new TypeError(
          `${op}: an index array holds numbers or booleans, got ${value === null ? "null" : typeof value}`,
        );
      flat.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim])
      throw new Error(`${op}: the index array ${JSON.stringify(list)} is ragged`);
    for (const v of value) walk(v, dim + 1);
  };
  walk(list, 0);
  const bools = flat.length > 0 && flat.every((v) => typeof v === "boolean");
  if (!bools && flat.some((v) => typeof v === "boolean"))
    throw new TypeError(`${op}: an index array mixes numbers and booleans`);
  const data = bools ? new Uint8Array(flat.length) : new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = Number(flat[i]);
  return Tensor.fromArray(data, shape);
}

function parseOne(op: string, index: Index, items: Item[]): void {
  if (typeof index === "number") items.push({ kind: "int", value: index });
  else if (typeof index === "boolean")
    items.push({ kind: "tensor", value: Tensor.fromArray(Uint8Array.of(index ? 1 : 0), []) });
  else if (typeof index === "string") items.push(...parseString(op, index));
  else if (index === null) items.push({ kind: "newaxis" });
  else if (index instanceof Tensor) items.push({ kind: "tensor", value: index });
  else if (Array.isArray(index)) items.push({ kind: "tensor", value: arrayToTensor(op, index) });
  else if (typeof index === "object") items.push({ kind: "slice", value: index as Slice });
  else throw new TypeError(`${op}: cannot index with ${String(index)} (a ${typeof index})`);
}

/** The items of an index list: strings split, lone lists of indices unpacked, arrays made tensors. */
export function parseIndices(op: string, indices: readonly Index[]): Item[] {
  const list =
    indices.length === 1 && Array.isArray(indices[0]) && isListOfIndices(indices[0])
      ? (indices[0] as readonly Index[])
      : indices;
  const items: Item[] = [];
  for (const index of list) parseOne(op, index, items);
  return items;
}

function resolveSlice(op: string, s: Slice, size: number, dim: number): DimSlice {
  const step = s.step ?? 1;
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`${op}: slice step must be a positive integer, got ${step} (dim ${dim})`);
  const clampIdx = (v: number | null | undefined, dflt: number) => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v))
      throw new TypeError(`${op}: slice bound ${v} is not an integer (dim ${dim})`);
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = clampIdx(s.start, 0);
  const stop = clampIdx(s.stop, size);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  return { start: count === 0 ? 0 : start, step, size: count, drop: false };
}

// How many dims of the tensor an item consumes: a k-dim mask consumes k, an int tensor one.
function consumes(it: Item): number {
  if (it.kind === "newaxis" || it.kind === "ellipsis") return 0;
  if (it.kind === "tensor" && it.value.dtype === "bool") return it.value.ndim;
  return 1;
}

/** One advanced index before broadcasting: its view dim, the tensor's dim, its data and shape. */
interface RawIndex {
  at: number;
  srcDim: number | null;
  data: Int32Array;
  shape: readonly number[];
}

function intIndices(op: string, t: Tensor, size: number, dim: number): Int32Array {
  if (t.dtype !== "int32") {
    throw new TypeError(
      `${op}: tensors used as indices must be int32 or bool, got ${t.dtype} (make them with { dtype: "int32" } or .int())`,
    );
  }
  const src = dense(t).storage.data as Int32Array;
  const data = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < -size || v >= size)
      throw new RangeError(`${op}: index ${v} is out of bounds for dim ${dim} with size ${size}`);
    data[i] = v < 0 ? v + size : v;
  }
  return data;
}

// The coordinates of the true entries of a mask over `shape`, one array per dim (nonzero).
function maskIndices(
  op: string,
  mask: Tensor,
  shape: readonly number[],
  dim: number,
): Int32Array[] {
  const k = mask.ndim;
  for (let j = 0; j < k; j++) {
    if (mask.shape[j] !== shape[dim + j]) {
      throw new Error(
        `${op}: the mask of shape ${fmtShape(mask.shape)} does not match the indexed dims ${fmtShape(shape.slice(dim, dim + k))} (dims ${dim}..${dim + k - 1} of ${fmtShape(shape)})`,
      );
    }
  }
  const m = dense(mask).storage.data;
  let count = 0;
  for (let i = 0; i < m.length; i++) if (m[i]) count++;
  const coords = Array.from({ length: k }, () => new Int32Array(count));
  const strides = contiguousStrides(mask.shape);
  let n = 0;
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) continue;
    for (let j = 0; j < k; j++) coords[j][n] = Math.floor(i / strides[j]) % mask.shape[j];
    n++;
  }
  return coords;
}

function intIndex(op: string, value: number, size: number, dim: number): number {
  if (!Number.isInteger(value))
    throw new TypeError(`${op}: index ${value} is not an integer (dim ${dim})`);
  const i = value < 0 ? value + size : value;
  if (i < 0 || i >= size)
    throw new RangeError(`${op}: index ${value} is out of range for dim ${dim} of size ${size}`);
  return i;
}

/** Resolves parsed items against `shape`. */
export function planIndex(op: string, shape: readonly number[], items: readonly Item[]): IndexPlan {
  const consumed = items.reduce((n, it) => n + consumes(it), 0);
  if (items.filter((it) => it.kind === "ellipsis").length > 1)
    throw new Error(`${op}: at most one '...' is allowed`);
  if (consumed > shape.length)
    throw new Error(
      `${op}: too many indices (${consumed}) for a tensor of ${shape.length} dims ${fmtShape(shape)}`,
    );
  const dims: DimSlice[] = [];
  const newAxes: number[] = [];
  const raw: RawIndex[] = [];
  const full = (size: number): DimSlice => ({ start: 0, step: 1, size, drop: false });
  let out = 0;
  for (const it of items) {
    const d = dims.length;
    if (it.kind === "ellipsis") {
      for (let k = 0; k < shape.length - consumed; k++, out++) dims.push(full(shape[dims.length]));
    } else if (it.kind === "newaxis") {
      newAxes.push(out++);
    } else if (it.kind === "int") {
      dims.push({ start: intIndex(op, it.value, shape[d], d), step: 1, size: 1, drop: true });
    } else if (it.kind === "slice") {
      dims.push(resolveSlice(op, it.value, shape[d], d));
      out++;
    } else if (it.value.dtype === "bool" && it.value.ndim === 0) {
      // X[True] adds a dim of size 1 and X[False] one of size 0, selected as an index [0] or [].
      const keep = it.value.item() !== 0;
      newAxes.push(out);
      raw.push({
        at: out++,
        srcDim: null,
        data: new Int32Array(keep ? 1 : 0),
        shape: [keep ? 1 : 0],
      });
    } else if (it.value.dtype === "bool") {
      const coords = maskIndices(op, it.value, shape, d);
      for (let j = 0; j < coords.length; j++) {
        dims.push(full(shape[d + j]));
        raw.push({ at: out++, srcDim: d + j, data: coords[j], shape: [coords[j].length] });
      }
    } else if (it.value.ndim === 0 && it.value.dtype === "int32") {
      // A 0-d integer tensor indexes like the integer it holds (a view, as in PyTorch).
      dims.push({
        start: intIndex(op, it.value.item(), shape[d], d),
        step: 1,
        size: 1,
        drop: true,
      });
    } else {
      dims.push(full(shape[d]));
      raw.push({
        at: out++,
        srcDim: d,
        data: intIndices(op, it.value, shape[d], d),
        shape: it.value.shape,
      });
    }
  }
  while (dims.length < shape.length) dims.push(full(shape[dims.length]));
  const viewShape: number[] = [];
  for (const s of dims) if (!s.drop) viewShape.push(s.size);
  for (const at of newAxes) viewShape.splice(at, 0, 1);
  const advanced = raw.length === 0 ? null : broadcastIndices(op, raw);
  return { dims, newAxes, viewShape, advanced, resultShape: resultShapeOf(viewShape, advanced) };
}

function broadcastIndices(op: string, raw: readonly RawIndex[]): AdvancedIndex {
  const shape = broadcastAll(
    op,
    raw.map((r) => r.shape),
  );
  const n = numelOf(shape);
  const indices = raw.map((r) => {
    if (r.shape.length === shape.length && r.shape.every((s, i) => s === shape[i])) return r.data;
    const strides = broadcastStrides(r.shape, contiguousStrides(r.shape), shape);
    const outStrides = contiguousStrides(shape);
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let src = 0;
      for (let k = 0; k < shape.length; k++)
        src += (Math.floor(i / outStrides[k]) % shape[k]) * strides[k];
      data[i] = r.data[src];
    }
    return data;
  });
  const dims = raw.map((r) => r.at);
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  return { dims, indices, shape, adjacent };
}

function broadcastAll(op: string, shapes: readonly (readonly number[])[]): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = i < n - s.length ? 1 : s[i - (n - s.length)];
      if (d === 1 || d === size) continue;
      if (size !== 1)
        throw new Error(
          `${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${shapes.map((x) => fmtShape(x)).join(", ")}`,
        );
      size = d;
    }
    out.push(size);
  }
  return out;
}

function resultShapeOf(viewShape: readonly number[], adv: AdvancedIndex | null): number[] {
  if (adv === null) return viewShape.slice();
  const rest = viewShape.filter((_, d) => !adv.dims.includes(d));
  if (!adv.adjacent) return [...adv.shape, ...rest];
  const first = adv.dims[0];
  return [...rest.slice(0, first), ...adv.shape, ...rest.slice(first)];
}

/** The dims of the basic view that the advanced index leaves alone, in order. */
export function restDims(plan: IndexPlan): number[] {
  const adv = plan.advanced;
  return plan.viewShape.map((_, d) => d).filter((d) => adv === null || !adv.dims.includes(d));
}
