import { settings } from "../backend/config.js";
import { getBackend } from "../backend/index.js";
import type { View } from "../backend/index.js";
import type { DType } from "../tensor/dtype.js";
import { checkAllocation } from "../tensor/memory.js";
import { numelOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** The kernel-facing view of a tensor. */
export function view(t: Tensor): View {
  return { data: t.storage.data, shape: t.shape, strides: t.strides, offset: t.offset };
}

/** A view of `t` with explicit (e.g. broadcast) strides. */
export function viewWith(t: Tensor, shape: readonly number[], strides: readonly number[]): View {
  return { data: t.storage.data, shape, strides, offset: t.offset };
}

/** A fresh contiguous output tensor allocated by the active backend. */
export function empty(shape: readonly number[], dtype: DType): Tensor {
  const n = numelOf(shape);
  checkAllocation(null, shape, dtype, n); // the op's name is added by the dispatch point
  return Tensor.fromArray(getBackend().alloc(dtype, n), shape);
}

// NABLA_DEBUG_UNINIT=1 fills unspecified outputs with NaN (floats) or a marker (ints), so that a
// kernel that fails to write every element of its output shows up in tests.
const POISON_UNINIT = settings.debugUninit;

/**
 * A fresh contiguous output with unspecified contents (no zero fill; pooled memory may hold old
 * values): only for kernels that write every element.
 */
export function uninitialized(shape: readonly number[], dtype: DType): Tensor {
  const n = numelOf(shape);
  checkAllocation(null, shape, dtype, n);
  const data = getBackend().allocEmpty(dtype, n);
  if (POISON_UNINIT) data.fill(dtype === "float32" || dtype === "float64" ? NaN : 0x5a);
  return Tensor.fromArray(data, shape);
}

/** The contiguous data of `t` (its own array when it is already dense from offset 0). */
export function dense(t: Tensor): Tensor {
  if (t.isContiguous() && t.offset === 0 && t.storage.data.length === t.numel()) return t;
  const out = uninitialized(t.shape, t.dtype);
  getBackend().copy(view(t), out.storage.data);
  return out;
}

/** Values that an op accepts in place of a tensor: a tensor or a JS scalar. */
export type TensorLike = Tensor | number | boolean;

/** Turns the first three dims of `[..., size, ...]` around `dim` into `[outer, size, inner]`. */
export function splitAt(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[dim] ?? 1, inner];
}
