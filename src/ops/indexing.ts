import { apply, definePrimitive, type Primitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import { fmtShape, normDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { where } from "./elementwise.js";
import { narrow } from "./shape.js";
import { dense, empty, splitAt, view, uninitialized } from "./util.js";

function checkIndex(op: string, index: Tensor, size: number, dim: number): Int32Array {
  if (index.dtype !== "int32") {
    throw new TypeError(
      `${op}: index must be an int32 tensor, got ${index.dtype} (create it with { dtype: "int32" })`,
    );
  }
  const data = dense(index).storage.data as Int32Array;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= size) {
      throw new RangeError(
        `${op}: index ${data[i]} is out of bounds for dim ${dim} with size ${size}`,
      );
    }
  }
  return data;
}

// gather/scatter need x's other dims to match the index's: narrow x to them (as PyTorch allows smaller).
function alignOtherDims(op: string, x: Tensor, index: Tensor, dim: number): Tensor {
  if (index.ndim !== x.ndim) {
    throw new Error(
      `${op}: index ${fmtShape(index.shape)} must have as many dims as the input ${fmtShape(x.shape)}`,
    );
  }
  let out = x;
  for (let d = 0; d < x.ndim; d++) {
    if (d === dim) continue;
    if (index.shape[d] > x.shape[d]) {
      throw new Error(
        `${op}: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} in dim ${d}`,
      );
    }
    if (index.shape[d] < x.shape[d]) out = narrow(out, d, 0, index.shape[d]);
  }
  return out;
}

const Gather = definePrimitive<{ dim: number; index: Tensor }>({
  name: "Gather",
  forward(ctx, [x], { dim, index }) {
    ctx.extra.inputShape = x.shape;
    const [outer, size, inner] = splitAt(x.shape, dim);
    const idx = checkIndex("gather", index, size, dim);
    const out = empty(index.shape, x.dtype);
    getBackend().gather(
      dense(x).storage.data,
      outer,
      size,
      inner,
      idx,
      index.shape[dim],
      out.storage.data,
    );
    return out;
  },
  backward: (g, ctx, { dim, index }) => [
    scatterAdd(zerosOf(ctx.extra.inputShape as number[], g), dim, index, g),
  ],
});

/** Picks values along `dim` at `index`: `out[i][j] = x[i][index[i][j]]` for dim 1. Example: `y.gather(1, labels.unsqueeze(1))`. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("gather", dim, x.ndim);
  return apply(Gather, [alignOtherDims("gather", x, index, d)], { dim: d, index });
}

function zerosOf(shape: readonly number[], like: Tensor): Tensor {
  return empty(shape, like.dtype);
}

const ScatterAdd = definePrimitive<{ dim: number; index: Tensor }>({
  name: "ScatterAdd",
  forward(_ctx, [x, src], { dim, index }) {
    const [outer, size, inner] = splitAt(x.shape, dim);
    const idx = checkIndex("scatterAdd", index, size, dim);
    const out = freshCopy(x);
    getBackend().scatterAdd(
      dense(src).storage.data,
      outer,
      index.shape[dim],
      inner,
      idx,
      size,
      out.storage.data,
    );
    return out;
  },
  backward: (g, _ctx, { dim, index }, needs) => [
    needs[0] ? g : null,
    needs[1] ? gather(g, dim, index) : null,
  ],
});

const Scatter = definePrimitive<{ dim: number; index: Tensor }>({
  name: "Scatter",
  forward(_ctx, [x, src], { dim, index }) {
    const [outer, size, inner] = splitAt(x.shape, dim);
    const idx = checkIndex("scatter", index, size, dim);
    const out = freshCopy(x);
    getBackend().scatter(
      dense(src).storage.data,
      outer,
      index.shape[dim],
      inner,
      idx,
      size,
      out.storage.data,
    );
    return out;
  },
  // Overwritten positions get no gradient from x; src gets the gradient where it landed.
  backward: (g, _ctx, { dim, index }, needs) => [
    needs[0] ? scatter(g, dim, index, empty(index.shape, g.dtype)) : null,
    needs[1] ? gather(g, dim, index) : null,
  ],
});

// scatter writes into a copy: the input keeps its values (these ops are out of place).
function freshCopy(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype);
  getBackend().copy(view(x), out.storage.data);
  return out;
}

function checkScatter(op: string, x: Tensor, index: Tensor, src: Tensor, dim: number): void {
  if (index.ndim !== x.ndim || index.shape.some((s, d) => d !== dim && s !== x.shape[d])) {
    throw new Error(
      `${op}: index ${fmtShape(index.shape)} must match the input ${fmtShape(x.shape)} except in dim ${dim}`,
    );
  }
  if (src.ndim !== index.ndim || src.shape.some((s, d) => s !== index.shape[d])) {
    throw new Error(
      `${op}: src ${fmtShape(src.shape)} must have the index's shape ${fmtShape(index.shape)}`,
    );
  }
}

/** Adds `src` into `x` at `index` along `dim` (out of place). Example: `nb.zeros([3]).scatterAdd(0, idx, v)`. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normDim("scatterAdd", dim, x.ndim);
  checkScatter("scatterAdd", x, index, src, d);
  return apply(ScatterAdd, [x, cast(src, x.dtype)], { dim: d, index });
}

/** Writes `src` (or a number) into `x` at `index` along `dim` (out of place). Example: `x.scatter(1, idx, 1)`. */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const d = normDim("scatter", dim, x.ndim);
  let source: Tensor;
  if (src instanceof Tensor) source = cast(src, x.dtype);
  else {
    source = empty(index.shape, x.dtype);
    source.storage.data.fill(src);
  }
  checkScatter("scatter", x, index, source, d);
  return apply(Scatter, [x, source], { dim: d, index });
}

const IndexSelect: Primitive<{ dim: number; index: Int32Array }> = definePrimitive<{
  dim: number;
  index: Int32Array;
}>({
  name: "IndexSelect",
  forward(ctx, [x], { dim, index }) {
    ctx.extra.inputShape = x.shape;
    const [outer, size, inner] = splitAt(x.shape, dim);
    const shape = x.shape.slice();
    shape[dim] = index.length;
    const out = uninitialized(shape, x.dtype);
    getBackend().indexSelect(dense(x).storage.data, outer, size, inner, index, out.storage.data);
    return out;
  },
  backward: (g, ctx, attrs) => [
    apply(IndexAdd, [g], { ...attrs, inputShape: ctx.extra.inputShape as number[] }),
  ],
});

const IndexAdd: Primitive<{ dim: number; index: Int32Array; inputShape: number[] }> =
  definePrimitive<{
    dim: number;
    index: Int32Array;
    inputShape: number[];
  }>({
    name: "IndexSelectBackward",
    forward(_ctx, [g], { dim, index, inputShape }) {
      const [outer, size, inner] = splitAt(inputShape, dim);
      const out = empty(inputShape, g.dtype);
      getBackend().indexAdd(dense(g).storage.data, outer, size, inner, index, out.storage.data);
      return out;
    },
    backward: (g, _ctx, { dim, index }) => [apply(IndexSelect, [g], { dim, index })],
  });

/** Selects entries along `dim` by an int32 index (repeats allowed). Example: `x.indexSelect(0, idx)`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  const d = normDim("indexSelect", dim, x.ndim);
  const idxTensor =
    index instanceof Tensor ? index : Tensor.fromArray(Int32Array.from(index), [index.length]);
  if (idxTensor.ndim > 1)
    throw new Error(`indexSelect: index must be 1-D, got shape ${fmtShape(idxTensor.shape)}`);
  if (idxTensor.dtype !== "int32")
    throw new TypeError(`indexSelect: index must be int32, got ${idxTensor.dtype}`);
  const n = x.shape[d];
  // A private copy (the backward keeps it); a contiguous view (a batch of a permutation) is read
  // in place rather than through a dense copy first.
  const m = idxTensor.numel();
  const raw = idxTensor.isContiguous()
    ? (idxTensor.storage.data as Int32Array).slice(idxTensor.offset, idxTensor.offset + m)
    : (dense(idxTensor).storage.data as Int32Array);
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] < -n || raw[i] >= n)
      throw new RangeError(
        `indexSelect: index ${raw[i]} is out of bounds for dim ${dim} with size ${n}`,
      );
    if (raw[i] < 0) raw[i] += n;
  }
  return apply(IndexSelect, [x], { dim: d, index: raw });
}

/** Replaces values where `mask` is true (out of place). Example: `x.maskedFill(x.lt(0), 0)`. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== "bool")
    throw new TypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  return where(mask, value, x);
}

/** One-hot encoding of int32 class indices (int32 result). Example: `nb.oneHot(labels, 10)`. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  if (indices.dtype !== "int32")
    throw new TypeError(`oneHot: indices must be int32, got ${indices.dtype}`);
  const idx = dense(indices).storage.data as Int32Array;
  let classes = numClasses;
  if (classes < 0) classes = idx.reduce((m, v) => Math.max(m, v), -1) + 1;
  const out = empty([...indices.shape, classes], "int32");
  const data = out.storage.data;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= classes)
      throw new RangeError(`oneHot: class ${idx[i]} is out of range for ${classes} classes`);
    data[i * classes + idx[i]] = 1;
  }
  return out;
}
