// PyTorch's `X[...]` and `X[...] = v` as `x.get(...)` and `x.set(..., v)`. Both take the same
// indices (index-plan.ts resolves them), so one argument means the same to both.
import { apply, definePrimitive, type Primitive } from "../autograd/function.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { getBackend } from "../backend/index.js";
import { scalarTensor, storedValue } from "../tensor/creation.js";
import { allocArray } from "../tensor/dtype.js";
import { broadcastStrides, fmtShape, numelOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import {
  type AdvancedIndex,
  type Index,
  type IndexPlan,
  parseIndices,
  planIndex,
  restDims,
} from "./index-plan.js";
import { indexSelect } from "./indexing.js";
import { inplace } from "./inplace.js";
import { permute, reshape, slice, unsqueeze } from "./shape.js";
import { empty, view, viewWith } from "./util.js";

export { type Index, type Slice, sliceOf } from "./index-plan.js";

// ---------------------------------------------------------------- reading

// The advanced part of `get`: the indexed dims merged into one (moved to the front first when
// they are not adjacent), one indexSelect of the flat positions, then the index shape unfolded.
// Built from differentiable ops, so the gradient (an index-add) comes with them.
function gatherAdvanced(v: Tensor, adv: AdvancedIndex): Tensor {
  const { dims, indices, shape } = adv;
  let base = v;
  let first = dims[0];
  if (!adv.adjacent) {
    const rest = v.shape.map((_, d) => d).filter((d) => !dims.includes(d));
    base = permute(v, [...dims, ...rest]);
    first = 0;
  }
  const sizes = dims.map((d) => v.shape[d]);
  const merged = numelOf(sizes);
  if (merged > 0x7fffffff)
    throw new RangeError(
      `get: the indexed dims ${fmtShape(sizes)} hold more than 2^31 entries; index fewer dims at once`,
    );
  const n = numelOf(shape);
  const flat = new Int32Array(n);
  let scale = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    const idx = indices[k];
    for (let i = 0; i < n; i++) flat[i] += idx[i] * scale;
    scale *= sizes[k];
  }
  const pre = base.shape.slice(0, first);
  const post = base.shape.slice(first + dims.length);
  const rows = dims.length === 1 ? base : reshape(base, [...pre, merged, ...post]);
  const picked = indexSelect(rows, first, Tensor.fromArray(flat, [n]));
  return reshape(picked, [...pre, ...shape, ...post]);
}

function readPlan(x: Tensor, plan: IndexPlan): Tensor {
  let out = slice(x, plan.dims);
  for (const at of plan.newAxes) out = unsqueeze(out, at);
  return plan.advanced === null ? out : gatherAdvanced(out, plan.advanced);
}

/**
 * PyTorch's indexing `X[...]`, one argument per index. `x.get("1:3, ::2")` is `X[1:3, ::2]`,
 * `x.get(-1)` is `X[-1]`, `x.get(0, 1)` is `X[0, 1]`, `x.get([0, 1])` is `X[[0, 1]]` (rows 0 and
 * 1), `x.get(rows, cols)` is `X[rows, cols]` (index tensors broadcast together),
 * `x.get("...", null)` is `X[..., None]`, `x.get(mask)` is `X[mask]`. Basic indices give views;
 * advanced ones copies, differentiable.
 */
export function get(x: Tensor, ...indices: Index[]): Tensor {
  return readPlan(x, planIndex("get", x.shape, parseIndices("get", indices)));
}

// ---------------------------------------------------------------- writing

// The element offsets of the basic view of `target` (shape, strides, offset) that `plan` selects.
function viewGeometry(target: Tensor, plan: IndexPlan) {
  let offset = target.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  plan.dims.forEach((s, i) => {
    offset += s.start * target.strides[i];
    if (!s.drop) {
      shape.push(s.size);
      strides.push(target.strides[i] * s.step);
    }
  });
  for (const at of plan.newAxes) {
    shape.splice(at, 0, 1);
    strides.splice(at, 0, 0);
  }
  return { shape, strides, offset };
}

// Writes `value` (already broadcastable to the plan's result) into `target`'s storage.
function writePlan(target: Tensor, plan: IndexPlan, value: Tensor): void {
  const geom = viewGeometry(target, plan);
  const adv = plan.advanced;
  const result = plan.resultShape;
  const src = viewWith(value, result, broadcastStrides(value.shape, value.strides, result));
  if (adv === null) {
    getBackend().assign({ data: target.storage.data, ...geom }, src);
    return;
  }
  // Rows: one per entry of the index shape; columns: the elements of the dims left alone.
  const n = numelOf(adv.shape);
  const rowOffsets = new Float64Array(n).fill(geom.offset);
  adv.dims.forEach((d, k) => {
    const idx = adv.indices[k];
    for (let i = 0; i < n; i++) rowOffsets[i] += idx[i] * geom.strides[d];
  });
  const rest = restDims(plan);
  const restShape = rest.map((d) => geom.shape[d]);
  const colOffsets = new Float64Array(numelOf(restShape));
  let m = 1;
  for (let k = rest.length - 1; k >= 0; k--) {
    const stride = geom.strides[rest[k]];
    const size = restShape[k];
    for (let i = 0; i < colOffsets.length; i++)
      colOffsets[i] += (Math.floor(i / m) % size) * stride;
    m *= size;
  }
  // The value in [index shape, rest] order: adjacent indices sit after the leading rest dims.
  const b = adv.shape.length;
  const lead = adv.adjacent ? adv.dims[0] : 0;
  const order = [
    ...Array.from({ length: b }, (_, i) => lead + i),
    ...Array.from({ length: lead }, (_, i) => i),
    ...Array.from({ length: result.length - lead - b }, (_, i) => lead + b + i),
  ];
  const rows = allocArray(target.dtype, n * colOffsets.length);
  getBackend().copy(
    {
      data: src.data,
      shape: order.map((d) => result[d]),
      strides: order.map((d) => src.strides[d]),
      offset: src.offset,
    },
    rows,
  );
  getBackend().indexPut(target.storage.data, rowOffsets, colOffsets, rows);
}

const IndexPut: Primitive<{ plan: IndexPlan }> = definePrimitive<{ plan: IndexPlan }>({
  name: "IndexPut",
  forward(_ctx, [x, value], { plan }) {
    const out = empty(x.shape, x.dtype);
    getBackend().copy(view(x), out.storage.data);
    writePlan(out, plan, value);
    return out;
  },
  // The written places take no gradient from x; the value gets the gradient read at them
  // (summed over its broadcast dims by the engine).
  backward: (g, _ctx, { plan }, needs) => [
    needs[0] ? apply(IndexPut, [g, scalarTensor(0, g.dtype)], { plan }) : null,
    needs[1] ? readPlan(g, plan) : null,
  ],
});

// PyTorch drops a value's leading size-1 dims before broadcasting it (`X[0] = v[None]` works).
function stripLeadingOnes(value: Tensor, target: readonly number[]): Tensor {
  let lead = 0;
  while (lead < value.ndim - target.length && value.shape[lead] === 1) lead++;
  return lead === 0 ? value : reshape(value, value.shape.slice(lead));
}

function checkValue(x: Tensor, plan: IndexPlan, value: Tensor): void {
  const target = plan.resultShape;
  const lead = target.length - value.ndim;
  const fits = lead >= 0 && value.shape.every((s, i) => s === 1 || s === target[lead + i]);
  if (!fits)
    throw new Error(
      `set: shape mismatch: a value of shape ${fmtShape(value.shape)} cannot be broadcast to the indexed shape ${fmtShape(target)}`,
    );
  if (plan.advanced !== null && value.dtype !== x.dtype)
    throw new TypeError(
      `set: an index put needs the value's dtype to match the tensor's: got ${value.dtype} for a ${x.dtype} tensor (convert it with .to("${x.dtype}"))`,
    );
}

/**
 * PyTorch's assignment `X[...] = value`, in place: `set` takes the indices that `get` takes,
 * then the value (a tensor or number, broadcast). `x.set(0, 1, 42)` is `X[0, 1] = 42`,
 * `x.set([0, 1], 42)` is `X[[0, 1]] = 42` (rows 0 and 1), `x.set("0:2, :", 12)` is
 * `X[0:2, :] = 12`, `x.set(rows, cols, v)` and `x.set([rows, cols], v)` are `X[rows, cols] = v`,
 * `x.set(mask, 0)` is `X[mask] = 0`. Recorded by autograd when the value or x requires grad.
 */
export function set(
  x: Tensor,
  ...args: [...indices: Index[], value: Tensor | number | boolean]
): Tensor {
  if (args.length < 2)
    throw new Error(
      `set: expected one or more indices and then the value, got ${args.length} argument(s) (X[i, j] = v is x.set(i, j, v))`,
    );
  const indices = args.slice(0, -1) as Index[];
  const raw = args[args.length - 1];
  if (!(raw instanceof Tensor) && typeof raw !== "number" && typeof raw !== "boolean")
    throw new TypeError(`set: the value (last argument) must be a tensor, a number or a boolean`);
  const plan = planIndex("set", x.shape, parseIndices("set", indices));
  const value =
    raw instanceof Tensor
      ? stripLeadingOnes(raw, plan.resultShape)
      : scalarTensor(storedValue("set", raw, x.dtype), x.dtype);
  checkValue(x, plan, value);
  if (isGradEnabled() && (x.requiresGrad || value.requiresGrad)) {
    return inplace("set", x, [value], (current) =>
      apply(IndexPut, [current, cast(value, x.dtype)], { plan }),
    );
  }
  writePlan(x, plan, value);
  x.storage.version++;
  return x;
}
