import { apply, definePrimitive } from "../autograd/function.js";
import { noGrad } from "../autograd/grad-mode.js";
import { getBackend, type ReduceOp } from "../backend/index.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape, normDims } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import {
  abs,
  add,
  div,
  eq,
  exp,
  isfinite,
  log,
  mul,
  pow,
  sqrt,
  sub,
  where,
} from "./elementwise.js";
import { expand, flip, permute, reshape } from "./shape.js";
import { dense, empty, splitAt } from "./util.js";

/** Dims to reduce: a number, a list, or all when omitted. */
export type Dims = number | readonly number[] | undefined;

/** The shape kept after reducing `dims`, with or without the reduced size-1 dims. */
export function reducedShape(
  shape: readonly number[],
  dims: readonly number[],
  keepdim: boolean,
): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/**
 * Lays `x` out as a contiguous `[outer, size, inner]` block where `size` covers the reduced dims:
 * directly when they are adjacent, else after moving them last.
 */
function asBlock(x: Tensor, dims: readonly number[]): [Tensor, number, number, number] {
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  if (adjacent && dims.length > 0) {
    const [outer] = splitAt(x.shape, dims[0]);
    const [, , inner] = splitAt(x.shape, dims[dims.length - 1]);
    const size = dims.reduce((p, d) => p * x.shape[d], 1);
    return [dense(x), outer, size, inner];
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const moved = noGrad(() => dense(permute(x, [...kept, ...dims])));
  const size = dims.reduce((p, d) => p * x.shape[d], 1);
  return [moved, x.numel() / Math.max(size, 1), size, 1];
}

/** Splits sorted dims into runs of adjacent dims: [0, 2, 3] gives [[0], [2, 3]]. */
function adjacentRuns(dims: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && d === last[last.length - 1] + 1) last.push(d);
    else runs.push([d]);
  }
  return runs;
}

function reduceRun(op: ReduceOp, x: Tensor, run: readonly number[]): Tensor {
  const [block, outer, size, inner] = asBlock(x, run);
  const out = empty(reducedShape(x.shape, run, true), x.dtype);
  getBackend().reduce(op, block.storage.data, outer, size, inner, out.storage.data);
  return out;
}

// Non-adjacent dims (a conv bias gradient sums [0, 2, 3]) are reduced one run at a time, last run
// first, each pass shrinking the data; moving them together would copy the whole input first.
function runReduce(op: ReduceOp, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  let out = x;
  const runs = adjacentRuns(dims);
  for (let r = runs.length - 1; r >= 0; r--) out = reduceRun(op, out, runs[r]);
  if (runs.length === 0) out = reduceRun(op, x, []);
  const shape = reducedShape(x.shape, dims, keepdim);
  return new Tensor(out.storage, shape);
}

const Sum = definePrimitive<{ dims: number[]; keepdim: boolean }>({
  name: "Sum",
  forward(ctx, [x], { dims, keepdim }) {
    ctx.extra.inputShape = x.shape;
    return runReduce("sum", x, dims, keepdim);
  },
  // d sum = 1: broadcast the gradient back over the reduced dims.
  backward: (g, ctx, { dims }) => {
    const shape = ctx.extra.inputShape as number[];
    return [expand(reshape(g, reducedShape(shape, dims, true)), shape)];
  },
});

const Prod = definePrimitive<{ dims: number[]; keepdim: boolean }>({
  name: "Prod",
  forward(ctx, [x], { dims, keepdim }) {
    const out = runReduce("prod", x, dims, keepdim);
    ctx.save(x, out);
    return out;
  },
  // d prod / dx_i = prod / x_i, computed as the product of the others where x_i = 0.
  backward: (g, ctx, { dims }) => {
    const [x, out] = ctx.saved("prod");
    const keep = reducedShape(x.shape, dims, true);
    const outK = reshape(out, keep);
    const gK = reshape(g, keep);
    const zero = eq(x, 0);
    const safe = where(zero, 1, x);
    const others = prod(safe, dims, true);
    const zeros = sum(cast(zero, x.dtype), dims, true);
    const grad = where(zero, where(eq(zeros, 1), others, 0), div(outK, safe));
    return [mul(gK, grad)];
  },
});

/** Sum over `dim` (all dims when omitted). Example: `x.sum()`, `x.sum(0, true)`. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normDims("sum", dim, x.ndim);
  const input = isFloating(x.dtype) ? x : cast(x, x.dtype === "bool" ? "int32" : x.dtype);
  return apply(Sum, [input], { dims, keepdim });
}

/** Mean over `dim`. Example: `x.mean(1)`. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new TypeError(
      `mean: expected a floating-point tensor, got ${x.dtype} (cast it with .to("float32"))`,
    );
  }
  const dims = normDims("mean", dim, x.ndim);
  const n = dims.reduce((p, d) => p * x.shape[d], 1);
  return div(sum(x, dims, keepdim), n);
}

/** Product over `dim`. Example: `x.prod(0)`. */
export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply(Prod, [x], { dims: normDims("prod", dim, x.ndim), keepdim });
}

const Extreme = definePrimitive<{ dims: number[]; keepdim: boolean; op: "max" | "min" }>({
  name: "Amax",
  forward(ctx, [x], { dims, keepdim, op }) {
    if (x.numel() === 0)
      throw new Error(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
    const out = runReduce(op, x, dims, keepdim);
    ctx.save(x, out);
    return out;
  },
  // The gradient is shared evenly by the elements that attain the extreme (as amax does).
  backward: (g, ctx, { dims }) => {
    const [x, out] = ctx.saved("amax");
    const keep = reducedShape(x.shape, dims, true);
    const mask = cast(eq(x, reshape(out, keep)), x.dtype);
    return [div(mul(reshape(g, keep), mask), sum(mask, dims, true))];
  },
});

/** Max over `dim` (ties share the gradient). Example: `x.amax(1)`. */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply(Extreme, [x], { dims: normDims("amax", dim, x.ndim), keepdim, op: "max" });
}
/** Min over `dim`. Example: `x.amin(1)`. */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply(Extreme, [x], { dims: normDims("amin", dim, x.ndim), keepdim, op: "min" });
}

function argExtreme(op: "argmax" | "argmin", x: Tensor, dim?: number, keepdim = false): Tensor {
  const flat = dim === undefined;
  const src = flat ? reshape(x, [-1]) : x;
  const dims = normDims(op, flat ? 0 : dim, src.ndim);
  if (src.numel() === 0)
    throw new Error(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
  const [block, outer, size, inner] = asBlock(src, dims);
  const out = empty(reducedShape(src.shape, dims, keepdim && !flat), "int32");
  getBackend().argReduce(
    op,
    block.storage.data,
    outer,
    size,
    inner,
    out.storage.data as Int32Array,
  );
  return out;
}

/** Index of the max along `dim` (of the flattened tensor when omitted). Example: `y.argmax(1)`. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor =>
  argExtreme("argmax", x, dim, keepdim);
/** Index of the min along `dim`. Example: `y.argmin(1)`. */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor =>
  argExtreme("argmin", x, dim, keepdim);

const TakeAlong = definePrimitive<{ dim: number; index: Tensor; keepdim: boolean }>({
  name: "Max",
  forward(ctx, [x], { dim, index, keepdim }) {
    ctx.extra.inputShape = x.shape;
    const [block, outer, size, inner] = asBlock(x, [dim]);
    const out = empty(reducedShape(x.shape, [dim], keepdim), x.dtype);
    getBackend().gather(
      block.storage.data,
      outer,
      size,
      inner,
      dense(index).storage.data as Int32Array,
      1,
      out.storage.data,
    );
    return out;
  },
  // The gradient goes to the selected index only (as torch.max(dim) does).
  backward: (g, ctx, { dim, index }) => {
    const shape = ctx.extra.inputShape as number[];
    const keep = reducedShape(shape, [dim], true);
    const oneHotMask = cast(eq(reshape(index, keep), arangeAlong(shape, dim)), g.dtype);
    return [mul(reshape(g, keep), oneHotMask)];
  },
});

// Positions 0..n-1 along `dim`, shaped to broadcast against a tensor of `shape`.
function arangeAlong(shape: readonly number[], dim: number): Tensor {
  const n = shape[dim];
  const idx = empty([n], "int32");
  for (let i = 0; i < n; i++) idx.storage.data[i] = i;
  return reshape(
    idx,
    shape.map((s, i) => (i === dim ? s : 1)),
  );
}

/** Values and indices of a reduction along one dim, as `torch.max(x, dim)` returns them. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function extremeDim(op: "max" | "min", x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const d = normDims(op, dim, x.ndim)[0];
  const indices = argExtreme(op === "max" ? "argmax" : "argmin", x, d, true);
  const values = apply(TakeAlong, [x], { dim: d, index: indices, keepdim });
  return {
    values,
    indices: keepdim ? indices : reshape(indices, reducedShape(x.shape, [d], false)),
  };
}

/** Max of all elements, or `{ values, indices }` along `dim`. Example: `x.max()`, `x.max(1).indices`. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? amax(x) : extremeDim("max", x, dim, keepdim);
}
/** Min of all elements, or `{ values, indices }` along `dim`. Example: `x.min(0).values`. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? amin(x) : extremeDim("min", x, dim, keepdim);
}

/** Options of `var` and `std`: `unbiased` (default true) divides by n - 1, as PyTorch. */
export interface VarOptions {
  dim?: Dims;
  keepdim?: boolean;
  unbiased?: boolean;
  correction?: number;
}

/** Variance (unbiased by default). Example: `x.var()`, `nb.variance(x, { dim: 0, unbiased: false })`. */
export function variance(x: Tensor, opts: VarOptions = {}): Tensor {
  const dims = normDims("var", opts.dim, x.ndim);
  const n = dims.reduce((p, d) => p * x.shape[d], 1);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  const centered = sub(x, mean(x, dims, true));
  return div(
    sum(mul(centered, centered), dims, opts.keepdim ?? false),
    Math.max(n - correction, 0),
  );
}

/** Standard deviation. Example: `x.std()`. */
export function std(x: Tensor, opts: VarOptions = {}): Tensor {
  return sqrt(variance(x, opts));
}

/** log(sum(exp(x))) along `dim`, computed stably. Example: `x.logsumexp(1)`. */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  const dims = normDims("logsumexp", dim, x.ndim);
  // Shift by the (constant, detached) max so exp never overflows; infinite maxes are not shifted.
  const m = noGrad(() => {
    const raw = amax(x, dims, true);
    return where(isfinite(raw), raw, 0);
  });
  const out = add(log(sum(exp(sub(x, m)), dims, true)), m);
  return keepdim ? out : reshape(out, reducedShape(x.shape, dims, false));
}

/** The p-norm (default 2, Frobenius over all dims). Example: `x.norm()`, `nb.norm(x, 1, 0)`. */
export function norm(x: Tensor, p: number | "fro" = 2, dim?: Dims, keepdim = false): Tensor {
  const order = p === "fro" ? 2 : p;
  if (order === Number.POSITIVE_INFINITY) return amax(abs(x), dim, keepdim);
  if (order === 1) return sum(abs(x), dim, keepdim);
  if (order === 2) return apply(Norm2, [x], { dims: normDims("norm", dim, x.ndim), keepdim });
  return pow(sum(pow(abs(x), order), dim, keepdim), 1 / order);
}

const Norm2 = definePrimitive<{ dims: number[]; keepdim: boolean }>({
  name: "Norm",
  forward(ctx, [x], { dims, keepdim }) {
    const out = noGrad(() => sqrt(sum(mul(x, x), dims, keepdim)));
    ctx.save(x, out);
    return out;
  },
  // d ||x|| = x / ||x||, taken as 0 where the norm is 0 (PyTorch's subgradient).
  backward: (g, ctx, { dims }) => {
    const [x, out] = ctx.saved("norm");
    const keep = reducedShape(x.shape, dims, true);
    const n = reshape(out, keep);
    return [mul(reshape(g, keep), where(eq(n, 0), 0, div(x, n)))];
  },
});

const Cumsum = definePrimitive<{ dim: number }>({
  name: "Cumsum",
  forward(_ctx, [x], { dim }) {
    const [outer, size, inner] = splitAt(x.shape, dim);
    const out = empty(x.shape, x.dtype);
    getBackend().cumsum(dense(x).storage.data, outer, size, inner, out.storage.data);
    return out;
  },
  // The gradient of a prefix sum is the suffix sum of the gradient.
  backward: (g, _ctx, { dim }) => [flip(cumsum(flip(g, [dim]), dim), [dim])],
});

/** Cumulative sum along `dim`. Example: `x.cumsum(0)`. */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = normDims("cumsum", dim, x.ndim)[0] ?? 0;
  const input = isFloating(x.dtype) ? x : cast(x, "int32");
  return apply(Cumsum, [input], { dim: d });
}
