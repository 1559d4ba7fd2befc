import type { DType, TypedArray } from "./dtype.js";
import { allocArray, isFloating } from "./dtype.js";
import { formatTensor } from "./format.js";
import { contiguousStrides, isContiguous, numelOf, packedCopy } from "./shape.js";
import { type Device, Storage } from "./storage.js";

/** The node that produced a tensor in the autograd graph (defined fully in `autograd/`). */
export interface GradFn {
  readonly name: string;
}

/** A nested JS array of numbers or booleans, as returned by `toArray()`. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array with autograd: a view (shape, strides, offset) over a `Storage`.
 * Most methods (`add`, `matmul`, `sum`, ...) are installed by the op families in `src/ops/`.
 * Example: `const x = nb.tensor([[1, 2], [3, 4]]); x.shape // [2, 2]`.
 */
export class Tensor {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** The gradient accumulated by `backward()`, or null. */
  grad: Tensor | null = null;
  /** The graph node that produced this tensor (null for leaves). */
  gradFn: GradFn | null = null;
  /** Set by `retainGrad()`: a non-leaf that keeps its `.grad`. */
  retainsGrad = false;
  /** The tensor this one is a view of, if any (the root of the view chain). */
  readonly base: Tensor | null;
  #requiresGrad = false;

  constructor(
    storage: Storage,
    shape: readonly number[],
    strides?: readonly number[],
    offset = 0,
    base: Tensor | null = null,
  ) {
    this.storage = storage;
    // Copied into packed arrays: one hidden class for every tensor's arrays (see packedCopy).
    this.shape = packedCopy(shape);
    this.strides = strides ? packedCopy(strides) : contiguousStrides(shape);
    this.offset = offset;
    this.base = base;
  }

  /** A contiguous tensor over a fresh typed array. Example: `Tensor.fromArray(new Float32Array(4), [2, 2])`. */
  static fromArray(data: TypedArray, shape: readonly number[]): Tensor {
    return new Tensor(new Storage(data), shape);
  }

  /** A zero-filled contiguous tensor. */
  static zeros(shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(new Storage(allocArray(dtype, numelOf(shape))), shape);
  }

  get dtype(): DType {
    return this.storage.dtype;
  }
  get device(): Device {
    return this.storage.device;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** PyTorch's `dim()`. */
  dim(): number {
    return this.shape.length;
  }
  /** Number of elements. Example: `nb.zeros([2, 3]).numel() === 6`. */
  numel(): number {
    return numelOf(this.shape);
  }
  /** PyTorch's `size(dim?)`. Example: `x.size(0)`. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    const d = dim < 0 ? dim + this.ndim : dim;
    if (d < 0 || d >= this.ndim) {
      throw new RangeError(`size: dim ${dim} is out of range for a tensor of ${this.ndim} dims`);
    }
    return this.shape[d];
  }
  /** True when the elements are laid out row-major with no gaps. */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  /** True for tensors created by the user (no `gradFn`). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Whether autograd records operations on this tensor. Only float tensors may require grad. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (value && !isFloating(this.dtype)) {
      throw new TypeError(
        `requiresGrad: only floating-point tensors can require gradients (got dtype ${this.dtype})`,
      );
    }
    if (!value && this.gradFn !== null) {
      throw new Error(
        "requiresGrad: cannot turn off requiresGrad on a non-leaf tensor; use detach() instead",
      );
    }
    this.#requiresGrad = value;
  }
  /** Internal: marks a result of a recorded op without the leaf checks. */
  setRequiresGradUnchecked(value: boolean): void {
    this.#requiresGrad = value;
  }

  /** Sets `requiresGrad` in place and returns this. Example: `nb.ones([2]).requiresGrad_()`. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** The single value of a one-element tensor. Example: `nb.tensor(3).item() === 3`. */
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(
        `item: only one-element tensors can be converted to a number (shape [${this.shape}])`,
      );
    }
    const v = this.storage.data[this.offset];
    return v;
  }

  /** A contiguous typed-array copy of the values. Example: `x.data()` is a `Float32Array`. */
  data(): TypedArray {
    const out = allocArray(this.dtype, this.numel());
    readStrided(this, out);
    return out;
  }

  /** The values, asynchronously: works on every device. Example: `await x.dataAsync()`. */
  async dataAsync(): Promise<TypedArray> {
    return this.data();
  }

  /** The values as nested JS arrays (booleans for bool tensors). Example: `nb.eye(2).toArray()`. */
  toArray(): NestedArray {
    const flat = this.data();
    const asBool = this.dtype === "bool";
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return asBool ? flat[start] !== 0 : flat[start];
      const n = this.shape[dim];
      let step = 1;
      for (let d = dim + 1; d < this.ndim; d++) step *= this.shape[d];
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, start + i * step);
      return out;
    };
    return build(0, 0);
  }

  /** PyTorch's `tolist()`. */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** Prints as PyTorch does, e.g. `tensor([[1., 2.],\n        [3., 4.]])`. */
  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Copies a strided view into a contiguous array (the readback path; kernels live in backends). */
export function readStrided(t: Tensor, out: TypedArray): void {
  const src = t.storage.data;
  const n = out.length;
  if (n === 0) return;
  if (t.isContiguous()) {
    for (let i = 0; i < n; i++) out[i] = src[t.offset + i];
    return;
  }
  const nd = t.ndim;
  const index = new Array<number>(nd).fill(0);
  let pos = t.offset;
  for (let i = 0; i < n; i++) {
    out[i] = src[pos];
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      pos += t.strides[d];
      if (index[d] < t.shape[d]) break;
      pos -= t.strides[d] * t.shape[d];
      index[d] = 0;
    }
  }
}
