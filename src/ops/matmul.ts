import { apply, definePrimitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import type { TypedArray } from "../tensor/dtype.js";
import { promoteTypes } from "../tensor/dtype.js";
import { broadcastShapes, fmtShape, isContiguous, numelOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { mul } from "./elementwise.js";
import { sum } from "./reduce.js";
import { expand, reshape, squeeze, transpose, unsqueeze } from "./shape.js";
import { dense, uninitialized, view, viewWith } from "./util.js";

interface Operand {
  data: TypedArray;
  offset: number;
  batchStride: number;
  trans: boolean;
}

// Finds a layout the GEMM kernel can read without copying: row-major or transposed matrices with a
// uniform batch stride (0 when the whole batch is broadcast); anything else is copied once.
function operand(t: Tensor, batchShape: readonly number[]): Operand {
  const nd = t.ndim;
  const rows = t.shape[nd - 2];
  const cols = t.shape[nd - 1];
  const rs = t.strides[nd - 2];
  const cs = t.strides[nd - 1];
  const batchIsBroadcast = t.shape.slice(0, nd - 2).every((s) => s === 1);
  if (batchIsBroadcast) {
    if ((cs === 1 || cols === 1) && (rs === cols || rows === 1))
      return { data: t.storage.data, offset: t.offset, batchStride: 0, trans: false };
    if ((rs === 1 || rows === 1) && (cs === rows || cols === 1))
      return { data: t.storage.data, offset: t.offset, batchStride: 0, trans: true };
    const d = dense(t);
    return { data: d.storage.data, offset: 0, batchStride: 0, trans: false };
  }
  const full = expand(t, [...batchShape, rows, cols]);
  if (isContiguous(full.shape, full.strides)) {
    return { data: t.storage.data, offset: t.offset, batchStride: rows * cols, trans: false };
  }
  const swapped = transpose(full, -1, -2);
  if (isContiguous(swapped.shape, swapped.strides)) {
    return { data: t.storage.data, offset: t.offset, batchStride: rows * cols, trans: true };
  }
  const d = dense(full);
  return { data: d.storage.data, offset: 0, batchStride: rows * cols, trans: false };
}

/** True when `t` is not row-major but its last two dims swapped would be (e.g. `w.T`). */
function isTransposed(t: Tensor): boolean {
  if (t.ndim < 2 || t.isContiguous()) return false;
  const swap = <T>(a: readonly T[]) => [...a.slice(0, -2), a[a.length - 1], a[a.length - 2]];
  return isContiguous(swap(t.shape), swap(t.strides));
}

const Matmul = definePrimitive({
  name: "Mm",
  forward(ctx, [a, b]) {
    ctx.save(a, b);
    const M = a.shape[a.ndim - 2];
    const K = a.shape[a.ndim - 1];
    const N = b.shape[b.ndim - 1];
    const batchShape = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = numelOf(batchShape);
    const out = uninitialized([...batchShape, M, N], a.dtype);
    const A = operand(a, batchShape);
    const B = operand(b, batchShape);
    getBackend().matmul(
      A.data,
      A.offset,
      A.batchStride,
      A.trans,
      B.data,
      B.offset,
      B.batchStride,
      B.trans,
      out.storage.data,
      batch,
      M,
      N,
      K,
    );
    return out;
  },
  // d(AB) = dA B + A dB: gradA = G B^T, gradB = A^T G (broadcast batches are summed by the engine).
  // An operand that is a transposed view (a Linear's weight.T) gets its gradient computed in the
  // transposed layout, (B G^T)^T or (G^T A)^T: the transposed view of a row-major product, which
  // the view's own backward turns back into a row-major gradient without a copy.
  backward: (g, ctx, _attrs, needs) => {
    const [a, b] = ctx.saved("mm");
    const t = (x: Tensor) => transpose(x, -1, -2);
    return [
      needs[0] ? (isTransposed(a) ? t(matmul(b, t(g))) : matmul(g, t(b))) : null,
      needs[1] ? (isTransposed(b) ? t(matmul(t(g), a)) : matmul(t(a), g)) : null,
    ];
  },
});

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to matrices and the batch dims
 * broadcast. Example: `nb.matmul(x, w)`, `x.matmul(y)`.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(
      `matmul: both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  const ka = a.shape[a.ndim - 1];
  const kb = b.shape[b.ndim === 1 ? 0 : b.ndim - 2];
  if (ka !== kb) {
    throw new Error(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${ka} != ${kb})`,
    );
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  let x = cast(a, dtype);
  let y = cast(b, dtype);
  const vecA = x.ndim === 1;
  const vecB = y.ndim === 1;
  if (vecA) x = unsqueeze(x, 0);
  if (vecB) y = unsqueeze(y, -1);
  let out = apply(Matmul, [x, y], undefined);
  if (vecA) out = squeeze(out, -2);
  if (vecB) out = squeeze(out, -1);
  return out;
}

// x [M, K] @ w[N, K]^T + b[N] as one node (PyTorch's addmm behind F.linear): one output, the bias
// added in place, and a weight gradient computed directly in the weight's [N, K] layout.
const Linear = definePrimitive<{ hasBias: boolean }>({
  name: "Addmm",
  forward(ctx, [x, w, b], { hasBias }) {
    ctx.save(x, w);
    const [M, K] = x.shape;
    const N = w.shape[0];
    const out = uninitialized([M, N], x.dtype);
    const A = operand(x, []);
    // w read as w^T: the operand of w with its transpose flag flipped (no view is made).
    const W = operand(w, []);
    const backend = getBackend();
    backend.matmul(
      A.data,
      A.offset,
      0,
      A.trans,
      W.data,
      W.offset,
      0,
      !W.trans,
      out.storage.data,
      1,
      M,
      N,
      K,
    );
    if (hasBias) {
      const shape = [M, N];
      const bias = viewWith(b, shape, [0, b.strides[0]]);
      backend.binary("add", view(out), bias, out.storage.data, shape);
    }
    return out;
  },
  backward: (g, ctx, { hasBias }, needs) => {
    const [x, w] = ctx.saved("addmm");
    const grads = [needs[0] ? matmul(g, w) : null, needs[1] ? matmul(transpose(g, 0, 1), x) : null];
    return hasBias ? [...grads, needs[2] ? sum(g, 0) : null] : grads;
  },
});

/**
 * `x @ w^T + b` for a 2-D `x` [M, K], a weight [N, K] and an optional bias [N] of x's dtype, as
 * one autograd node: the kernel of F.linear. Example: `linearAddmm(x2d, linear.weight, linear.bias)`.
 */
export function linearAddmm(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  if (x.ndim !== 2 || w.ndim !== 2 || x.shape[1] !== w.shape[1])
    throw new Error(
      `linear: expected x [M, K] and weight [N, K], got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`,
    );
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== w.shape[0]))
    throw new Error(`linear: expected a bias of shape [${w.shape[0]}], got ${fmtShape(b.shape)}`);
  const inputs = b === null ? [x, w] : [x, w, b];
  return apply(Linear, inputs, { hasBias: b !== null });
}

/** 2-D matrix product. Example: `nb.mm(a, b)`. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new Error(
      `mm: expected 2-D matrices, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Batched product of 3-D tensors `[b, n, m] @ [b, m, p]`. Example: `nb.bmm(x, y)`. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(
      `bmm: expected 3-D tensors with equal batch sizes, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Matrix-vector product. Example: `nb.mv(A, x)`. */
export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.ndim !== 2 || v.ndim !== 1) {
    throw new Error(
      `mv: expected a matrix and a vector, got shapes ${fmtShape(a.shape)} and ${fmtShape(v.shape)}`,
    );
  }
  return matmul(a, v);
}

/** Inner product of two 1-D tensors. Example: `x.dot(x)`. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(
      `dot: expected two 1-D tensors of equal length, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return matmul(a, b);
}

/** Outer product of two 1-D tensors. Example: `nb.outer(x, y)`. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new Error(
      `outer: expected two 1-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return mul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}
