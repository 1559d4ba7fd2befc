import type { DType, TypedArray } from "../tensor/dtype.js";

/**
 * A strided view of a backend array: element `[i0, i1, ...]` lives at
 * `data[offset + i0 * strides[0] + i1 * strides[1] + ...]`. Broadcast dims have stride 0.
 */
export interface View {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise functions of one input (some take a scalar parameter `p`). */
export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "abs"
  | "sign"
  | "sin"
  | "cos"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "reciprocal"
  | "square"
  | "floor"
  | "ceil"
  | "round"
  | "erf"
  | "isnan"
  | "isfinite"
  | "logicalNot"
  | "leakyRelu"
  | "elu"
  | "gelu"
  | "silu"
  | "softplus"
  | "clampMin"
  | "clampMax"
  | "powScalar";

/** The unary ops with a fused backward kernel: gradIn = f'(x, y) * gradOut. */
export type UnaryGradOp =
  | "tanh"
  | "sigmoid"
  | "relu"
  | "leakyRelu"
  | "elu"
  | "gelu"
  | "silu"
  | "softplus";

/** Elementwise functions of two broadcast inputs; comparisons and logic write 0/1. */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "atan2"
  | "remainder"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "logicalAnd"
  | "logicalOr"
  | "logicalXor";

/** Reductions over the middle axis of a contiguous `[outer, size, inner]` block. */
export type ReduceOp = "sum" | "prod" | "max" | "min";

/**
 * The kernels a backend provides. Inputs are views; outputs are contiguous arrays the caller
 * allocated with `alloc`. Kernels know nothing of autograd. The js backend implements every
 * kernel; the native backend overrides the ones it accelerates and inherits the rest.
 */
export interface Backend {
  readonly name: string;
  /** A zero-filled array for `size` elements of `dtype`. */
  alloc(dtype: DType, size: number): TypedArray;
  /** Copies a strided view into contiguous `out` (casting to `out`'s type; bool stores 0/1). */
  copy(src: View, out: TypedArray): void;
  /** Writes `src` (already broadcast to `dst.shape`) into the strided view `dst`, casting. */
  assign(dst: View, src: View): void;
  /** `out[i] = f(x[i])`, with `p` for the parametrised ops. */
  unary(op: UnaryOp, x: View, out: TypedArray, p?: number): void;
  /** Fused activation backward over contiguous arrays: `gradIn = f'(x, out) * gradOut`. */
  unaryBackward(
    op: UnaryGradOp,
    x: TypedArray,
    out: TypedArray,
    gradOut: TypedArray,
    gradIn: TypedArray,
    p?: number,
  ): void;
  /** `out[i] = f(a[i], b[i])`, where `a` and `b` are already broadcast to `shape` (0 strides). */
  binary(op: BinaryOp, a: View, b: View, out: TypedArray, shape: readonly number[]): void;
  /** `out[i] = cond[i] ? a[i] : b[i]`, all broadcast to `shape`. */
  where(cond: View, a: View, b: View, out: TypedArray, shape: readonly number[]): void;
  /** Reduces axis 1 of a contiguous `[outer, size, inner]` array into `out` (`[outer, inner]`). */
  reduce(
    op: ReduceOp,
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    out: TypedArray,
  ): void;
  /** Index of the max/min along axis 1 of `[outer, size, inner]` (first occurrence, NaN wins). */
  argReduce(
    op: "argmax" | "argmin",
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    out: Int32Array,
  ): void;
  /** Inclusive prefix sum along axis 1 of `[outer, size, inner]`. */
  cumsum(x: TypedArray, outer: number, size: number, inner: number, out: TypedArray): void;
  /**
   * Batched matrix product of contiguous blocks: `out[b] = op(A[b]) @ op(B[b])`, `out` is
   * `[batch, M, N]`. `op(A)` is `M×K` (stored `K×M` when `transA`); a batch stride of 0 broadcasts.
   */
  matmul(
    a: TypedArray,
    aOffset: number,
    aBatchStride: number,
    transA: boolean,
    b: TypedArray,
    bOffset: number,
    bBatchStride: number,
    transB: boolean,
    out: TypedArray,
    batch: number,
    M: number,
    N: number,
    K: number,
  ): void;
  /** Softmax (or log-softmax) along axis 1 of a contiguous `[outer, size, inner]` array. */
  softmax(
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    out: TypedArray,
    log: boolean,
  ): void;
  /** Backward of `softmax` given its output: writes the input gradient. */
  softmaxBackward(
    out: TypedArray,
    gradOut: TypedArray,
    outer: number,
    size: number,
    inner: number,
    gradIn: TypedArray,
    log: boolean,
  ): void;
  /** `out[o, j, i] = x[o, index[o, j, i], i]` for contiguous `[outer, size, inner]` x and `[outer, n, inner]` index. */
  gather(
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    index: Int32Array,
    n: number,
    out: TypedArray,
  ): void;
  /** `out[o, index[o, j, i], i] += src[o, j, i]` (out holds the initial values). */
  scatterAdd(
    src: TypedArray,
    outer: number,
    n: number,
    inner: number,
    index: Int32Array,
    size: number,
    out: TypedArray,
  ): void;
  /** `out[o, index[o, j, i], i] = src[o, j, i]` (last write wins). */
  scatter(
    src: TypedArray,
    outer: number,
    n: number,
    inner: number,
    index: Int32Array,
    size: number,
    out: TypedArray,
  ): void;
  /** Selects rows along axis 1: `out[o, j, i] = x[o, index[j], i]`. */
  indexSelect(
    x: TypedArray,
    outer: number,
    size: number,
    inner: number,
    index: Int32Array,
    out: TypedArray,
  ): void;
  /** Backward of `indexSelect`: `out[o, index[j], i] += gradOut[o, j, i]`. */
  indexAdd(
    gradOut: TypedArray,
    outer: number,
    size: number,
    inner: number,
    index: Int32Array,
    out: TypedArray,
  ): void;
}
