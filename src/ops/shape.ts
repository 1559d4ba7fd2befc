import { apply, definePrimitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import { promoteTypes } from "../tensor/dtype.js";
import {
  broadcastShapes as broadcastPair,
  broadcastStrides,
  fmtShape,
  normDim,
  numelOf,
  viewStrides,
} from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { empty, view, uninitialized } from "./util.js";

// ---------------------------------------------------------------- copies

const Clone = definePrimitive({
  name: "Clone",
  forward(_ctx, [x]) {
    const out = uninitialized(x.shape, x.dtype);
    getBackend().copy(view(x), out.storage.data);
    return out;
  },
  backward: (g) => [g],
});

/** A contiguous copy. Example: `x.clone()`. */
export const clone = (x: Tensor): Tensor => apply(Clone, [x], undefined);

/** `x` itself when it is row-major, else a contiguous copy. Example: `x.T.contiguous()`. */
export const contiguous = (x: Tensor): Tensor => (x.isContiguous() ? x : clone(x));

// ---------------------------------------------------------------- reshape, permute, expand

const Reshape = definePrimitive<{ shape: number[] }>({
  name: "View",
  forward(ctx, [x], { shape }) {
    ctx.extra.inputShape = x.shape;
    const strides = viewStrides(x.shape, x.strides, shape);
    if (strides !== null) return new Tensor(x.storage, shape, strides, x.offset, x.base ?? x);
    const out = uninitialized(shape, x.dtype);
    getBackend().copy(view(x), out.storage.data);
    return out;
  },
  backward: (g, ctx) => [reshape(g, ctx.extra.inputShape as number[])],
});

/** Infers a -1 entry and checks the element count. */
function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = shape.slice();
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1))
    throw new Error(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  for (const d of out) {
    if (!Number.isInteger(d) || d < -1) throw new Error(`${op}: invalid shape ${fmtShape(shape)}`);
  }
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (unknown >= 0) {
    if (known === 0 || x.numel() % known !== 0) {
      throw new Error(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${x.numel()}`);
    }
    out[unknown] = x.numel() / known;
  }
  if (numelOf(out) !== x.numel()) {
    throw new Error(
      `${op}: shape ${fmtShape(shape)} is invalid for input of size ${x.numel()} (shape ${fmtShape(x.shape)})`,
    );
  }
  return out;
}

/** A tensor with the same data and a new shape (-1 infers one dim); a view when possible. Example: `x.reshape([3, -1])`. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape("reshape", x, shape);
  if (target.length === x.ndim && target.every((d, i) => d === x.shape[i])) return x;
  return apply(Reshape, [x], { shape: target });
}

/** Like reshape, but fails unless the result can share the data (PyTorch's `view`). Example: `x.view([-1])`. */
export function viewAs(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape("view", x, shape);
  if (viewStrides(x.shape, x.strides, target) === null) {
    throw new Error(
      `view: a tensor of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(target)} without a copy; use reshape() or contiguous() first`,
    );
  }
  return reshape(x, target);
}

const Permute = definePrimitive<{ dims: number[] }>({
  name: "Permute",
  forward(_ctx, [x], { dims }) {
    return new Tensor(
      x.storage,
      dims.map((d) => x.shape[d]),
      dims.map((d) => x.strides[d]),
      x.offset,
      x.base ?? x,
    );
  },
  backward: (g, _ctx, { dims }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => {
      inverse[d] = i;
    });
    return [permute(g, inverse)];
  },
});

/** Reorders dims (a view). Example: `x.permute([2, 0, 1])`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of ${x.ndim} dims`,
    );
  }
  const norm = dims.map((d) => normDim("permute", d, x.ndim));
  if (new Set(norm).size !== norm.length)
    throw new Error(`permute: dims ${fmtShape(dims)} repeat a dim`);
  if (norm.every((d, i) => d === i)) return x;
  return apply(Permute, [x], { dims: norm });
}

/** Swaps two dims (a view). Example: `x.transpose(0, 1)`. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim("transpose", dim0, x.ndim);
  const b = normDim("transpose", dim1, x.ndim);
  const dims = Array.from({ length: x.ndim }, (_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

const Expand = definePrimitive<{ shape: number[] }>({
  name: "Expand",
  forward(_ctx, [x], { shape }) {
    return new Tensor(
      x.storage,
      shape,
      broadcastStrides(x.shape, x.strides, shape),
      x.offset,
      x.base ?? x,
    );
  },
  // The engine sums the gradient back over the broadcast dims.
  backward: (g) => [g],
});

/** Broadcasts size-1 dims to larger sizes without copying (-1 keeps a size). Example: `x.expand([3, -1])`. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new Error(
      `expand: the target shape ${fmtShape(shape)} has fewer dims than the tensor's ${fmtShape(x.shape)}`,
    );
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => {
    const own = i >= lead ? x.shape[i - lead] : 1;
    const want = d === -1 ? own : d;
    if (i < lead && d === -1)
      throw new Error(
        `expand: -1 is not allowed for the new leading dim ${i} in ${fmtShape(shape)}`,
      );
    if (own !== 1 && own !== want) {
      throw new Error(
        `expand: the size ${own} of dim ${i - lead} of ${fmtShape(x.shape)} must match ${want} in ${fmtShape(shape)} (or be 1)`,
      );
    }
    return want;
  });
  if (target.length === x.ndim && target.every((d, i) => d === x.shape[i])) return x;
  return apply(Expand, [x], { shape: target });
}

/** The shape that `shapes` broadcast to by NumPy rules (`torch.broadcast_shapes`). Example: `nb.broadcastShapes([3, 1], [4])` is `[3, 4]`. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] {
  return shapes.reduce<number[]>((acc, s) => broadcastPair("broadcastShapes", acc, s), []);
}

// ---------------------------------------------------------------- strided slicing

/** One dim of a basic slice: `start + i * step` for i < size; `drop` removes the dim (an integer index). */
export interface DimSlice {
  start: number;
  step: number;
  size: number;
  drop: boolean;
}

function sliceView(x: Tensor, dims: readonly DimSlice[]): Tensor {
  let offset = x.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  dims.forEach((s, i) => {
    offset += s.start * x.strides[i];
    if (!s.drop) {
      shape.push(s.size);
      strides.push(x.strides[i] * s.step);
    }
  });
  return new Tensor(x.storage, shape, strides, offset, x.base ?? x);
}

const Slice = definePrimitive<{ dims: DimSlice[] }>({
  name: "Slice",
  forward(ctx, [x], { dims }) {
    ctx.extra.inputShape = x.shape;
    return sliceView(x, dims);
  },
  backward: (g, ctx, { dims }) => [sliceBackward(g, ctx.extra.inputShape as number[], dims)],
});

const SliceBackward = definePrimitive<{ dims: DimSlice[]; inputShape: number[] }>({
  name: "SliceBackward",
  forward(_ctx, [g], { dims, inputShape }) {
    const out = empty(inputShape, g.dtype);
    const target = sliceView(out, dims);
    getBackend().assign(view(target), view(g));
    return out;
  },
  backward: (g, _ctx, { dims }) => [apply(Slice, [g], { dims })],
});

function sliceBackward(g: Tensor, inputShape: number[], dims: DimSlice[]): Tensor {
  return apply(SliceBackward, [g], { dims, inputShape });
}

/** Applies a basic slice (one `DimSlice` per dim) as a view. */
export function slice(x: Tensor, dims: readonly DimSlice[]): Tensor {
  if (dims.length !== x.ndim)
    throw new Error(`slice: expected ${x.ndim} dim slices, got ${dims.length}`);
  if (dims.every((s, i) => !s.drop && s.start === 0 && s.step === 1 && s.size === x.shape[i]))
    return x;
  return apply(Slice, [x], { dims: dims.slice() });
}

function fullSlices(x: Tensor): DimSlice[] {
  return x.shape.map((size) => ({ start: 0, step: 1, size, drop: false }));
}

/** `length` elements of `dim` from `start` (a view). Example: `x.narrow(0, 1, 2)`. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim("narrow", dim, x.ndim);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || s < 0 || length < 0 || s + length > n) {
    throw new RangeError(
      `narrow: start ${start} + length ${length} is out of range for dim ${dim} of size ${n}`,
    );
  }
  const dims = fullSlices(x);
  dims[d] = { start: s, step: 1, size: length, drop: false };
  return slice(x, dims);
}

/** The slice at `index` of `dim`, removing that dim (a view). Example: `x.select(0, -1)`. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim("select", dim, x.ndim);
  const n = x.shape[d];
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${n}`);
  }
  const dims = fullSlices(x);
  dims[d] = { start: i, step: 1, size: 1, drop: true };
  return slice(x, dims);
}

// ---------------------------------------------------------------- joining

const Cat = definePrimitive<{ dim: number }>({
  name: "Cat",
  forward(ctx, inputs, { dim }) {
    const sizes = inputs.map((t) => t.shape[dim]);
    ctx.extra.sizes = sizes;
    const shape = inputs[0].shape.slice();
    shape[dim] = sizes.reduce((a, b) => a + b, 0);
    const out = uninitialized(shape, inputs[0].dtype);
    let start = 0;
    for (const t of inputs) {
      const dims = fullSlices(out);
      dims[dim] = { start, step: 1, size: t.shape[dim], drop: false };
      getBackend().assign(view(sliceView(out, dims)), view(t));
      start += t.shape[dim];
    }
    return out;
  },
  backward: (g, ctx, { dim }, needs) => {
    const sizes = ctx.extra.sizes as number[];
    let start = 0;
    return sizes.map((size, i) => {
      const piece = needs[i] ? narrow(g, dim, start, size) : null;
      start += size;
      return piece;
    });
  },
});

/** Joins tensors along an existing dim. Example: `nb.cat([x, y], 0)`. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("cat: expected a non-empty list of tensors");
  const first = tensors[0];
  const d = normDim("cat", dim, first.ndim);
  let dtype = first.dtype;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim) {
      throw new Error(
        `cat: tensor ${i} has ${t.ndim} dims ${fmtShape(t.shape)} but tensor 0 has ${first.ndim} ${fmtShape(first.shape)}`,
      );
    }
    for (let k = 0; k < t.ndim; k++) {
      if (k !== d && t.shape[k] !== first.shape[k]) {
        throw new Error(
          `cat: sizes of tensors must match except in dim ${d}: tensor ${i} has shape ${fmtShape(t.shape)}, tensor 0 has ${fmtShape(first.shape)} (dim ${k}: ${t.shape[k]} != ${first.shape[k]})`,
        );
      }
    }
    dtype = promoteTypes(dtype, t.dtype);
  });
  if (tensors.length === 1) return first;
  return apply(
    Cat,
    tensors.map((t) => cast(t, dtype)),
    { dim: d },
  );
}

/** Joins tensors along a new dim. Example: `nb.stack([x, y], 0)`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("stack: expected a non-empty list of tensors");
  const shape = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.ndim !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
      throw new Error(
        `stack: all tensors must have the same shape: tensor ${i} is ${fmtShape(t.shape)}, tensor 0 is ${fmtShape(shape)}`,
      );
    }
  });
  const d = normDim("stack", dim, shape.length + 1);
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Splits into pieces of `size` (or the given sizes) along `dim`; views. Example: `x.split(2, 0)`. */
export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof size === "number") {
    if (!Number.isInteger(size) || size <= 0)
      throw new RangeError(`split: size must be a positive integer, got ${size}`);
    sizes = [];
    for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
  } else {
    sizes = size.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n)
      throw new Error(
        `split: sizes ${fmtShape(sizes)} sum to ${total}, but dim ${dim} has size ${n}`,
      );
  }
  let start = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, start, s);
    start += s;
    return piece;
  });
}

/** Splits into `chunks` nearly equal pieces along `dim`. Example: `x.chunk(3, 1)`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim("chunk", dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

// ---------------------------------------------------------------- squeeze, flatten

/** Removes size-1 dims (all, or the given one). Example: `x.squeeze(0)`. */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const drop = new Set<number>();
  if (dim === undefined)
    x.shape.forEach((s, i) => {
      if (s === 1) drop.add(i);
    });
  else
    for (const d of typeof dim === "number" ? [dim] : dim) {
      const n = normDim("squeeze", d, x.ndim);
      if (x.shape[n] === 1) drop.add(n);
    }
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.has(i)),
  );
}

/** Inserts a size-1 dim at `dim`. Example: `x.unsqueeze(0)`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Flattens dims `startDim..endDim` into one. Example: `x.flatten(1)`. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim("flatten", startDim, x.ndim);
  const e = normDim("flatten", endDim, x.ndim);
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Splits dim `dim` into `sizes`. Example: `x.unflatten(1, [2, 3])`. */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim("unflatten", dim, x.ndim);
  return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
}

// ---------------------------------------------------------------- flip, repeat, pad

const Flip = definePrimitive<{ dims: number[] }>({
  name: "Flip",
  forward(_ctx, [x], { dims }) {
    let offset = x.offset;
    const strides = x.strides.slice();
    for (const d of dims) {
      offset += (x.shape[d] - 1) * x.strides[d];
      strides[d] = -strides[d];
    }
    const out = uninitialized(x.shape, x.dtype);
    getBackend().copy({ data: x.storage.data, shape: x.shape, strides, offset }, out.storage.data);
    return out;
  },
  backward: (g, _ctx, { dims }) => [flip(g, dims)],
});

/** Reverses the order along the given dims (a copy, as in PyTorch). Example: `x.flip([0])`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = (typeof dims === "number" ? [dims] : dims).map((d) => normDim("flip", d, x.ndim));
  return apply(Flip, [x], { dims: list });
}

/** Tiles the tensor `repeats[i]` times along each dim. Example: `x.repeat([2, 1])`. */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim) {
    throw new Error(
      `repeat: got ${repeats.length} repeats ${fmtShape(repeats)} for a tensor of ${x.ndim} dims`,
    );
  }
  const lead = repeats.length - x.ndim;
  const shape = [...new Array(lead).fill(1), ...x.shape];
  // View as [1, s0, 1, s1, ...], expand the 1s to the repeat counts, and merge pairs.
  const interleaved = shape.flatMap((s) => [1, s]);
  const expanded = shape.flatMap((s, i) => [repeats[i], s]);
  return reshape(
    contiguous(expand(reshape(x, interleaved), expanded)),
    shape.map((s, i) => s * repeats[i]),
  );
}

/** Like repeat, padding `reps` with leading ones (NumPy's tile). Example: `x.tile([2])`. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const full = reps.length < x.ndim ? [...new Array(x.ndim - reps.length).fill(1), ...reps] : reps;
  return repeat(x, full);
}

const Pad = definePrimitive<{ pads: number[]; value: number }>({
  name: "ConstantPadNd",
  forward(ctx, [x], { pads, value }) {
    const dims = padSlices(x.shape, pads);
    ctx.extra.dims = dims;
    const shape = x.shape.map(
      (s, i) => s + (pads[2 * (x.ndim - 1 - i)] ?? 0) + (pads[2 * (x.ndim - 1 - i) + 1] ?? 0),
    );
    const out = empty(shape, x.dtype);
    if (value !== 0) out.storage.data.fill(value);
    getBackend().assign(view(sliceView(out, dims)), view(x));
    return out;
  },
  backward: (g, ctx) => [slice(g, ctx.extra.dims as DimSlice[])],
});

// Pads list the last dim first, as in F.pad: [left, right, top, bottom, ...].
function padSlices(shape: readonly number[], pads: readonly number[]): DimSlice[] {
  return shape.map((size, i) => {
    const before = pads[2 * (shape.length - 1 - i)] ?? 0;
    return { start: before, step: 1, size, drop: false };
  });
}

/**
 * Pads with a constant; `pads` lists (before, after) pairs starting from the last dim, as
 * `F.pad`. Example: `nb.pad(x, [1, 1, 2, 0])` pads the last dim by 1 and 1, the one before by 2 and 0.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new Error(`pad: pads ${fmtShape(pads)} must be pairs for at most ${x.ndim} dims`);
  }
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`pad: pads ${fmtShape(pads)} must be non-negative integers`);
  }
  if (pads.every((p) => p === 0)) return x;
  return apply(Pad, [x], { pads: pads.slice(), value });
}
