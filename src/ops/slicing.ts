import { isGradEnabled } from "../autograd/grad-mode.js";
import { scalarTensor } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { where } from "./elementwise.js";
import { indexSelect } from "./indexing.js";
import { writeInto } from "./inplace.js";
import { type DimSlice, reshape, slice, unsqueeze } from "./shape.js";
import { dense } from "./util.js";

/** A Python-style slice `start:stop:step`; omitted parts take their defaults. */
export interface Slice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/**
 * One index of `get`/`set`: an integer (removes the dim), a slice string such as `"1:3"`,
 * `":"` or `"::2"`, a `Slice` object, `null` or `"None"` for a new axis, `"..."` for the
 * remaining dims, an int32 tensor or number array (selects entries), or a bool mask tensor.
 */
export type Index = number | string | null | Slice | Tensor | readonly number[];

/** A slice object, like Python's `slice(start, stop, step)`. Example: `x.get(nb.slice(1, 3))`. */
export function sliceOf(start?: number | null, stop?: number | null, step?: number | null): Slice {
  return { start, stop, step };
}

type Item =
  | { kind: "int"; value: number }
  | { kind: "slice"; value: Slice }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "array"; value: Tensor }
  | { kind: "mask"; value: Tensor };

function parseInt10(text: string, spec: string): number {
  if (!/^[+-]?\d+$/.test(text))
    throw new Error(`index: cannot parse "${text}" in "${spec}" (expected an integer)`);
  return Number(text);
}

function parseString(spec: string): Item[] {
  return spec.split(",").map((raw) => {
    const part = raw.trim();
    if (part === "...") return { kind: "ellipsis" };
    if (part === "None" || part === "newaxis") return { kind: "newaxis" };
    if (part.includes(":")) {
      const pieces = part.split(":");
      if (pieces.length > 3) throw new Error(`index: "${part}" has too many colons (in "${spec}")`);
      const num = (s: string | undefined) =>
        s === undefined || s.trim() === "" ? null : parseInt10(s.trim(), spec);
      return {
        kind: "slice",
        value: { start: num(pieces[0]), stop: num(pieces[1]), step: num(pieces[2]) },
      };
    }
    return { kind: "int", value: parseInt10(part, spec) };
  });
}

function parseItems(indices: readonly Index[]): Item[] {
  const items: Item[] = [];
  for (const index of indices) {
    if (typeof index === "number") items.push({ kind: "int", value: index });
    else if (typeof index === "string") items.push(...parseString(index));
    else if (index === null) items.push({ kind: "newaxis" });
    else if (index instanceof Tensor)
      items.push(
        index.dtype === "bool" ? { kind: "mask", value: index } : { kind: "array", value: index },
      );
    else if (Array.isArray(index))
      items.push({
        kind: "array",
        value: Tensor.fromArray(Int32Array.from(index), [index.length]),
      });
    else items.push({ kind: "slice", value: index as Slice });
  }
  return items;
}

function resolveSlice(s: Slice, size: number, dim: number): DimSlice {
  const step = s.step ?? 1;
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`index: slice step must be a positive integer, got ${step} (dim ${dim})`);
  const clampIdx = (v: number | null | undefined, dflt: number) => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v))
      throw new TypeError(`index: slice bound ${v} is not an integer (dim ${dim})`);
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = clampIdx(s.start, 0);
  const stop = clampIdx(s.stop, size);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  return { start: count === 0 ? 0 : start, step, size: count, drop: false };
}

interface Plan {
  dims: DimSlice[];
  newAxes: number[];
  arrays: { at: number; index: Tensor }[];
}

function plan(x: Tensor, items: Item[]): Plan {
  const consumed = items.reduce(
    (n, it) =>
      n +
      (it.kind === "newaxis" || it.kind === "ellipsis"
        ? 0
        : it.kind === "mask"
          ? it.value.ndim
          : 1),
    0,
  );
  if (items.filter((it) => it.kind === "ellipsis").length > 1)
    throw new Error("index: at most one '...' is allowed");
  if (consumed > x.ndim)
    throw new Error(
      `index: too many indices (${consumed}) for a tensor of ${x.ndim} dims ${fmtShape(x.shape)}`,
    );
  const dims: DimSlice[] = [];
  const newAxes: number[] = [];
  const arrays: { at: number; index: Tensor }[] = [];
  let outDim = 0;
  const full = (size: number): DimSlice => ({ start: 0, step: 1, size, drop: false });
  for (const it of items) {
    const d = dims.length;
    if (it.kind === "ellipsis") {
      for (let k = 0; k < x.ndim - consumed; k++) {
        dims.push(full(x.shape[dims.length]));
        outDim++;
      }
    } else if (it.kind === "newaxis") {
      newAxes.push(outDim++);
    } else if (it.kind === "int") {
      const size = x.shape[d];
      if (!Number.isInteger(it.value))
        throw new TypeError(`index: ${it.value} is not an integer (dim ${d})`);
      const i = it.value < 0 ? it.value + size : it.value;
      if (i < 0 || i >= size)
        throw new RangeError(
          `index: index ${it.value} is out of range for dim ${d} of size ${size}`,
        );
      dims.push({ start: i, step: 1, size: 1, drop: true });
    } else if (it.kind === "slice") {
      dims.push(resolveSlice(it.value, x.shape[d], d));
      outDim++;
    } else if (it.kind === "array") {
      dims.push(full(x.shape[d]));
      arrays.push({ at: outDim++, index: it.value });
    } else {
      throw new Error("index: a bool mask must be the only index");
    }
  }
  while (dims.length < x.ndim) {
    dims.push(full(x.shape[dims.length]));
  }
  return { dims, newAxes, arrays };
}

function maskedIndices(x: Tensor, mask: Tensor): Tensor {
  if (mask.ndim > x.ndim || mask.shape.some((s, i) => s !== x.shape[i])) {
    throw new Error(
      `index: mask of shape ${fmtShape(mask.shape)} does not match the tensor's leading dims ${fmtShape(x.shape)}`,
    );
  }
  const m = dense(mask).storage.data;
  const picked: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i]) picked.push(i);
  return Tensor.fromArray(Int32Array.from(picked), [picked.length]);
}

/**
 * NumPy/PyTorch indexing. `x.get("1:3, ::2")` is `X[1:3, ::2]`, `x.get(-1)` is `X[-1]`,
 * `x.get("...", null)` is `X[..., None]`, `x.get(mask)` is `X[mask]`. Basic indices give views.
 */
export function get(x: Tensor, ...indices: Index[]): Tensor {
  const items = parseItems(indices);
  if (items.length === 1 && items[0].kind === "mask") {
    const mask = items[0].value;
    const rest = x.shape.slice(mask.ndim);
    return indexSelect(reshape(x, [-1, ...rest]), 0, maskedIndices(x, mask));
  }
  const { dims, newAxes, arrays } = plan(x, items);
  let out = slice(x, dims);
  for (const at of newAxes) out = unsqueeze(out, at);
  if (arrays.length > 1)
    throw new Error("index: only one integer-array index is supported per call");
  for (const { at, index } of arrays) {
    if (index.ndim !== 1)
      throw new Error(
        `index: integer-array indices must be 1-D, got shape ${fmtShape(index.shape)}`,
      );
    out = indexSelect(out, at, index);
  }
  return out;
}

/**
 * Writes `value` (a tensor or number, broadcast) into the indexed region, in place:
 * `x.set("0:2, :", 12)` is `X[0:2, :] = 12`; `x.set(mask, 0)` is `X[mask] = 0`.
 */
export function set(
  x: Tensor,
  index: Index | readonly Index[],
  value: Tensor | number | boolean,
): Tensor {
  if (isGradEnabled() && x.requiresGrad) {
    throw new Error(
      `set: cannot assign into a tensor that requires grad (shape ${fmtShape(x.shape)}); wrap it in nb.noGrad(() => x.set(...)) or work on x.detach()`,
    );
  }
  // An array lists one index per dim: x.set([0, 0], 42) is X[0, 0] = 42.
  const indices = Array.isArray(index) ? (index as Index[]) : [index as Index];
  const items = parseItems(indices);
  const val = value instanceof Tensor ? value : scalarTensor(value, x.dtype);
  if (items.length === 1 && items[0].kind === "mask") {
    writeInto("set", x, where(items[0].value, val, x), true);
    return x;
  }
  if (items.some((it) => it.kind === "array"))
    throw new Error(
      "set: integer-array indices are not supported for assignment; use scatter or a mask",
    );
  const { dims, newAxes } = plan(x, items);
  if (newAxes.length > 0)
    throw new Error("set: new axes (null) are not allowed in an assignment index");
  writeInto("set", slice(x, dims), val, true);
  return x;
}
