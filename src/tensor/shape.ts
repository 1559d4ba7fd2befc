/** Shape and stride arithmetic shared by every layer. */

/** Number of elements of a shape. Example: `numelOf([2, 3]) === 6`. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A copy of a shape or strides array as a packed array of small integers. Why: V8 compiles hot
 * code for the hidden class of the arrays it has seen, and arrays built by literals, spreads,
 * `new Array(n)`, `slice` or `Object.freeze` carry different ones (packed, holey, frozen). A
 * tensor whose shape arrived with a new class deoptimised every function that had read shapes:
 * in MLP training one such shape, ~800 steps in, threw out 30 optimised functions, and V8's
 * recompiles then took a core from the GEMM worker for the next epochs. The literals below give
 * every tensor's arrays the one class. Example: `packedCopy(new Array(2).fill(3))` is `[3, 3]`.
 */
export function packedCopy(a: readonly number[]): number[] {
  switch (a.length) {
    case 0:
      return [];
    case 1:
      return [a[0]!];
    case 2:
      return [a[0]!, a[1]!];
    case 3:
      return [a[0]!, a[1]!, a[2]!];
    case 4:
      return [a[0]!, a[1]!, a[2]!, a[3]!];
    default: {
      const out: number[] = [];
      for (let i = 0; i < a.length; i++) out.push(a[i]!);
      return out;
    }
  }
}

/** Row-major (C-contiguous) strides of a shape, as a packed array (see `packedCopy`). Example: `contiguousStrides([2, 3])` is `[3, 1]`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  switch (shape.length) {
    case 0:
      return [];
    case 1:
      return [1];
    case 2:
      return [shape[1]!, 1];
    case 3:
      return [shape[1]! * shape[2]!, shape[2]!, 1];
    case 4: {
      const s2 = shape[3]! * shape[2]!;
      return [s2 * shape[1]!, s2, shape[3]!, 1];
    }
    default: {
      const out: number[] = [];
      for (let i = 0; i < shape.length; i++) out.push(0);
      let s = 1;
      for (let i = shape.length - 1; i >= 0; i--) {
        out[i] = s;
        s *= shape[i]!;
      }
      return out;
    }
  }
}

/** True when `strides` are the row-major strides of `shape` (size-1 dims may have any stride). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Formats a shape for error messages: `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Broadcasts two shapes with NumPy rules, or throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) same = false;
    if (same) return a.slice();
  }
  const n = Math.max(a.length, b.length);
  const out: number[] = []; // grown by push: packed, like every tensor's shape (see packedCopy)
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i - n}: ${da} vs ${db})`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Strides that read a tensor of `shape`/`strides` as if broadcast to `target`
 * (0 stride on broadcast dims). Assumes the shapes are broadcast-compatible.
 */
export function broadcastStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] {
  const lead = target.length - shape.length;
  const out: number[] = []; // packed (see packedCopy)
  for (let i = 0; i < lead; i++) out.push(0);
  for (let i = 0; i < shape.length; i++) {
    out.push(shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i]);
  }
  return out;
}

/** Normalises a possibly negative dim against `ndim`, or throws an out-of-range error. */
export function normDim(op: string, dim: number, ndim: number): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `${op}: dim ${dim} is out of range for a tensor of ${ndim} dims (expected ${lo}..${hi})`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Normalises a list of dims (or all dims when undefined), sorted and without duplicates. */
export function normDims(
  op: string,
  dims: number | readonly number[] | undefined,
  ndim: number,
): number[] {
  if (dims === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === "number" ? [dims] : dims;
  const out = list.map((d) => normDim(op, d, ndim));
  const unique = [...new Set(out)].sort((x, y) => x - y);
  if (unique.length !== out.length)
    throw new Error(`${op}: dim ${fmtShape(list as number[])} repeats a dim`);
  return unique;
}

/** Checks a shape given by the user: non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(
        `${op}: invalid shape ${fmtShape(shape)} (dims must be non-negative integers)`,
      );
    }
  }
  return shape.slice();
}

/**
 * Strides that view a tensor of `shape`/`strides` as `target` without copying, or null when the
 * layout does not allow it (PyTorch's computeStride): each run of dims that is contiguous in
 * memory may be split or merged freely. Example: `viewStrides([2, 3], [1, 2], [2, 3, 1])`.
 */
export function viewStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] | null {
  if (shape.length === 0) return target.map(() => 1);
  const numel = numelOf(shape);
  if (numel === 0) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBaseStride = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    // At the start of a contiguous chunk, the target dims that cover it get strides within it.
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= target[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBaseStride = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}
