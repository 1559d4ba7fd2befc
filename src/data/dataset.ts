// Map-style datasets, as in `torch.utils.data`: anything with a `length` and `get(i)`.
//
// A dataset may also offer `getBatch(indices)`, returning an already collated batch. The
// DataLoader uses it instead of `get(i)` + stacking, which is what makes batching 60,000 images
// cost milliseconds: one gather of rows into a freshly allocated batch, no per-sample tensors.
import { type Generator, defaultGenerator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { contiguous, select } from "../ops/shape.js";
import { allocUninitialized } from "./transform-utils.js";

/**
 * A map-style dataset: `length` samples, the i-th returned by `get(i)`.
 * Example: `const ds: Dataset<number> = { length: 3, get: (i) => i * i };`
 */
export interface Dataset<T> {
  readonly length: number;
  get(i: number): T;
}

/**
 * A dataset that can also return a collated batch directly (the DataLoader's fast path).
 * Example: `new TensorDataset(X, y).getBatch([0, 5, 7])` is `[X rows 0,5,7; y rows 0,5,7]`.
 */
export interface BatchedDataset<T, B> extends Dataset<T> {
  getBatch(indices: ArrayLike<number>): B;
}

/** True when `ds` has a `getBatch` method. Example: `hasGetBatch(new TensorDataset(x))`. */
export function hasGetBatch<T>(ds: Dataset<T>): ds is BatchedDataset<T, unknown> {
  return typeof (ds as Partial<BatchedDataset<T, unknown>>).getBatch === "function";
}

/** Throws unless `i` is an integer index into a dataset of `length` items (negatives count from the end). */
export function checkIndex(op: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < -length || i >= length)
    throw new RangeError(`${op}: index ${i} is out of range for a dataset of length ${length}`);
  return i < 0 ? i + length : i;
}

/**
 * Copies rows `indices` of a contiguous `[n, ...]` array into a new `[indices.length, ...]` array.
 * The one gather behind every fast path.
 */
export function gatherRows<A extends Tensor["storage"]["data"]>(
  src: A,
  offset: number,
  rowSize: number,
  indices: ArrayLike<number>,
  out: A,
): A {
  const n = indices.length;
  if (rowSize === 1) {
    for (let k = 0; k < n; k++) out[k] = src[offset + indices[k]];
  } else if (rowSize < 32) {
    for (let k = 0; k < n; k++) {
      const from = offset + indices[k] * rowSize;
      const to = k * rowSize;
      for (let j = 0; j < rowSize; j++) out[to + j] = src[from + j];
    }
  } else {
    for (let k = 0; k < n; k++) {
      const from = offset + indices[k] * rowSize;
      out.set(src.subarray(from, from + rowSize), k * rowSize);
    }
  }
  return out;
}

/**
 * Wraps tensors that share their first dim; sample i is the i-th row of each, as in PyTorch.
 * Example: `const ds = new nb.data.TensorDataset(X, y); const [x0, y0] = ds.get(0);`
 */
export class TensorDataset implements BatchedDataset<Tensor[], Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error("TensorDataset: expected at least one tensor");
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor))
        throw new TypeError(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0)
        throw new Error(`TensorDataset: tensor ${k} is 0-d; every tensor needs a first dim`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n)
        throw new Error(
          `TensorDataset: size mismatch between tensors: tensor 0 is ${fmtShape(tensors[0].shape)}, tensor ${k} is ${fmtShape(t.shape)} (${t.shape[0]} != ${n} in dim 0)`,
        );
    });
    // A contiguous copy once, so that every batch is a plain row gather.
    this.tensors = tensors.map((t) => contiguous(t.detach()));
    this.length = n;
  }

  /** The i-th row of each tensor (views). Example: `const [x, y] = ds.get(3)`. */
  get(i: number): Tensor[] {
    const k = checkIndex("TensorDataset.get", i, this.length);
    return this.tensors.map((t) => select(t, 0, k));
  }

  /** Rows `indices` of each tensor, gathered into new tensors. Example: `ds.getBatch([2, 0])`. */
  getBatch(indices: ArrayLike<number>): Tensor[] {
    for (let k = 0; k < indices.length; k++)
      checkIndex("TensorDataset.getBatch", indices[k], this.length);
    return this.tensors.map((t) => {
      const rowSize = t.shape[0] === 0 ? 0 : t.numel() / t.shape[0];
      const data = t.storage.data;
      const out = allocUninitialized(t.dtype, indices.length * rowSize) as typeof data;
      gatherRows(data, t.offset, rowSize, normalized(indices, this.length), out);
      return Tensor.fromArray(out, [indices.length, ...t.shape.slice(1)]);
    });
  }
}

function normalized(indices: ArrayLike<number>, length: number): ArrayLike<number> {
  for (let k = 0; k < indices.length; k++) {
    if (indices[k] < 0) return Array.from(indices, (i) => (i < 0 ? i + length : i));
  }
  return indices;
}

/**
 * The samples of `dataset` at `indices`, in that order.
 * Example: `const firstTen = new nb.data.Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);`
 */
export class Subset<T> implements Dataset<T> {
  readonly indices: Int32Array;
  /** Present when the wrapped dataset has a fast path; maps indices and delegates. */
  readonly getBatch?: (indices: ArrayLike<number>) => unknown;

  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    this.indices = Int32Array.from(indices, (i) => checkIndex("Subset", i, dataset.length));
    if (hasGetBatch(dataset)) {
      this.getBatch = (batch) => {
        const mapped = new Int32Array(batch.length);
        for (let k = 0; k < batch.length; k++)
          mapped[k] = this.indices[checkIndex("Subset.getBatch", batch[k], this.length)];
        return dataset.getBatch(mapped);
      };
    }
  }

  get length(): number {
    return this.indices.length;
  }

  /** Sample `indices[i]` of the wrapped dataset. Example: `subset.get(0)`. */
  get(i: number): T {
    return this.dataset.get(this.indices[checkIndex("Subset.get", i, this.length)]);
  }
}

/**
 * Datasets one after another. Example: `const all = new nb.data.ConcatDataset([train, test]);`
 */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  /** `cumulativeSizes[k]` is the total length of datasets 0..k, as in PyTorch. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly Dataset<T>[]) {
    if (datasets.length === 0) throw new Error("ConcatDataset: expected at least one dataset");
    this.datasets = datasets.slice();
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** The sample at position `i` across all datasets. Example: `all.get(60000)` is `test.get(0)`. */
  get(i: number): T {
    const k = checkIndex("ConcatDataset.get", i, this.length);
    // Binary search for the first cumulative size above k.
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > k) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].get(k - start);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths, or of fractions that
 * sum to 1 (remainders go one each to the first subsets, as in PyTorch).
 * Example: `const [train, val] = nb.data.randomSplit(ds, [0.8, 0.2], new nb.Generator(42));`
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  generator: Generator = defaultGenerator,
): Subset<T>[] {
  const n = dataset.length;
  let sizes = lengths.slice();
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.some((l) => !(l >= 0)))
    throw new RangeError(`randomSplit: lengths must be non-negative, got [${lengths.join(", ")}]`);
  if (Math.abs(total - 1) < 1e-6 && total !== n) {
    sizes = lengths.map((f) => Math.floor(n * f));
    let remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let k = 0; remainder > 0; k = (k + 1) % sizes.length, remainder--) sizes[k]++;
  } else if (sizes.some((s) => !Number.isInteger(s))) {
    throw new RangeError(
      `randomSplit: lengths must be integers or fractions summing to 1, got [${lengths.join(", ")}]`,
    );
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n)
    throw new RangeError(
      `randomSplit: sum of input lengths (${sum}) does not equal the length of the dataset (${n})`,
    );
  const perm = permutation(n, generator);
  let start = 0;
  return sizes.map((size) => {
    const subset = new Subset(dataset, perm.subarray(start, start + size));
    start += size;
    return subset;
  });
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates), drawn from `generator`. */
export function permutation(n: number, generator: Generator): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.randint(0, i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
