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
  | "powScalar"
  | "mulScalar"
  | "addScalar"
  | "divScalar";

/** The unary ops with a fused backward kernel: gradIn = f'(x, y) * gradOut. */
export type UnaryGradOp =
  "tanh" | "sigmoid" | "relu" | "leakyRelu" | "elu" | "gelu" | "silu" | "softplus";

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
  /** An array whose contents are unspecified, for outputs a kernel overwrites whole (no zero fill). */
  allocEmpty(dtype: DType, size: number): TypedArray;
  /**
   * Optional: frees the memory of an array from `alloc`/`allocEmpty` that nothing references any
   * more, now instead of at the next garbage collection, so the next array of its size reuses it
   * while it is still in cache. The array becomes empty. Backends without a pool leave it out.
   */
  release?(array: TypedArray): void;
  /** Optional: bytes the backend keeps for reuse (a pool's free blocks), which count as available. */
  cachedBytes?(): number;
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
  /**
   * The write of an advanced-index assignment: `out[rowOffsets[j] + colOffsets[i]] = src[j * m + i]`
   * for `m = colOffsets.length`, rows in order (a repeated row: the last write wins).
   */
  indexPut(
    out: TypedArray,
    rowOffsets: Float64Array,
    colOffsets: Float64Array,
    src: TypedArray,
  ): void;

  // ---- convolution, pooling and batch norm (NCHW, contiguous; outputs are overwritten) ----
  // Float arrays of one call share a dtype. The argument order is the native addon's, so its
  // kernels slot in unchanged.

  /** 2-D convolution: `out[N, OC, OH, OW]` from `x[N, C, H, W]` and `w[OC, C/groups, KH, KW]`. */
  conv2dForward(
    x: TypedArray,
    w: TypedArray,
    bias: TypedArray | null,
    out: TypedArray,
    ...dims: ConvDims
  ): void;
  /** Gradient of `conv2dForward` with respect to `x`: writes `gradX[N, C, H, W]`. */
  conv2dBackwardData(
    gradOut: TypedArray,
    w: TypedArray,
    gradX: TypedArray,
    ...dims: ConvDims
  ): void;
  /** Gradient with respect to the weight (and bias when `gradBias` is given), summed over N. */
  conv2dBackwardWeight(
    gradOut: TypedArray,
    x: TypedArray,
    gradW: TypedArray,
    gradBias: TypedArray | null,
    ...dims: ConvDims
  ): void;
  /** Max pooling; `indices` gets each max's flat position within its H*W plane, as PyTorch. */
  maxPool2dForward(x: TypedArray, out: TypedArray, indices: Int32Array, ...dims: PoolDims): void;
  /** Scatters `gradOut` to the positions in `indices` (zeroing `gradX` first). */
  maxPool2dBackward(
    gradOut: TypedArray,
    indices: Int32Array,
    gradX: TypedArray,
    N: number,
    C: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
  ): void;
  /** Average pooling with PyTorch's divisor (the padded window when `countIncludePad`). */
  avgPool2dForward(x: TypedArray, out: TypedArray, ...dims: AvgPoolDims): void;
  /** Backward of `avgPool2dForward`. */
  avgPool2dBackward(gradOut: TypedArray, gradX: TypedArray, ...dims: AvgPoolDims): void;
  /** Batch norm over `[N, C, HW]` with batch statistics (biased variance); saves mean and 1/std. */
  batchNormForwardTrain(
    x: TypedArray,
    weight: TypedArray | null,
    bias: TypedArray | null,
    out: TypedArray,
    saveMean: TypedArray,
    saveInvStd: TypedArray,
    N: number,
    C: number,
    HW: number,
    eps: number,
  ): void;
  /** Batch norm over `[N, C, HW]` with the running statistics. */
  batchNormForwardEval(
    x: TypedArray,
    weight: TypedArray | null,
    bias: TypedArray | null,
    runningMean: TypedArray,
    runningVar: TypedArray,
    out: TypedArray,
    N: number,
    C: number,
    HW: number,
    eps: number,
  ): void;
  /** Training-mode batch-norm backward; a null gradient output is skipped. */
  batchNormBackward(
    gradOut: TypedArray,
    x: TypedArray,
    weight: TypedArray | null,
    saveMean: TypedArray,
    saveInvStd: TypedArray,
    gradX: TypedArray | null,
    gradWeight: TypedArray | null,
    gradBias: TypedArray | null,
    N: number,
    C: number,
    HW: number,
  ): void;
  /** im2col: `cols[N, C*KH*KW, OH*OW]` from `x[N, C, H, W]` (zero padding). */
  im2col(x: TypedArray, cols: TypedArray, ...dims: WindowDims): void;
  /** col2im, the adjoint of `im2col`: overlapping windows add up in `x`. */
  col2im(cols: TypedArray, x: TypedArray, ...dims: WindowDims): void;

  // ---- fused cross-entropy and optimiser steps (the native addon's argument order) ----

  /**
   * Cross-entropy of contiguous `logits[N, C]` with class `targets[N]` (each in [0, C)): writes
   * `logSoftmaxOut[N, C]` and `lossPerSample[i] = -logSoftmaxOut[i, targets[i]]`.
   */
  crossEntropy(
    logits: TypedArray,
    targets: Int32Array,
    N: number,
    C: number,
    lossPerSample: TypedArray,
    logSoftmaxOut: TypedArray,
  ): void;
  /** `gradLogits[i, j] = gradLossPerSample[i] * (exp(logSoftmaxOut[i, j]) - [j == targets[i]])`. */
  crossEntropyBackward(
    logSoftmaxOut: TypedArray,
    targets: Int32Array,
    gradLossPerSample: TypedArray,
    gradLogits: TypedArray,
    N: number,
    C: number,
  ): void;
  /**
   * torch.optim.SGD's update of every parameter in place. With momentum, `firstStep` copies the
   * (decayed) gradient into the buffers; later steps do `buf = momentum * buf + (1 - dampening) * d`.
   */
  sgdStep(
    params: TypedArray[],
    grads: TypedArray[],
    momentumBufs: (TypedArray | null)[] | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
    firstStep: boolean,
  ): void;
  /** torch.optim.Adam (decoupled = false) or AdamW (decoupled = true); `step` counts from 1. */
  adamStep(
    params: TypedArray[],
    grads: TypedArray[],
    expAvg: TypedArray[],
    expAvgSq: TypedArray[],
    maxExpAvgSq: (TypedArray | null)[] | null,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    amsgrad: boolean,
    maximize: boolean,
    step: number,
    decoupled: boolean,
  ): void;
  /** torch.optim.RMSprop; `gradAvgs` only when centered, `momentumBufs` only with momentum. */
  rmspropStep(
    params: TypedArray[],
    grads: TypedArray[],
    squareAvgs: TypedArray[],
    gradAvgs: TypedArray[] | null,
    momentumBufs: TypedArray[] | null,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: boolean,
    maximize: boolean,
  ): void;
  /** torch.optim.Adagrad; `step` (from 1) sets the decayed rate `lr / (1 + (step - 1) * lrDecay)`. */
  adagradStep(
    params: TypedArray[],
    grads: TypedArray[],
    stateSums: TypedArray[],
    lr: number,
    lrDecay: number,
    weightDecay: number,
    eps: number,
    maximize: boolean,
    step: number,
  ): void;
  /** torch.optim.Adadelta. */
  adadeltaStep(
    params: TypedArray[],
    grads: TypedArray[],
    squareAvgs: TypedArray[],
    accDeltas: TypedArray[],
    lr: number,
    rho: number,
    eps: number,
    weightDecay: number,
    maximize: boolean,
  ): void;
}

/** `N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups, OH, OW` of a 2-D convolution. */
export type ConvDims = [
  N: number,
  C: number,
  H: number,
  W: number,
  OC: number,
  KH: number,
  KW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  dH: number,
  dW: number,
  groups: number,
  OH: number,
  OW: number,
];

/** `N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW` of a sliding window (max pool, im2col). */
export type WindowDims = [
  N: number,
  C: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  dH: number,
  dW: number,
  OH: number,
  OW: number,
];

/** Max pooling has the full window description. */
export type PoolDims = WindowDims;

/** `N, C, H, W, KH, KW, sH, sW, pH, pW, OH, OW, countIncludePad` of an average pool. */
export type AvgPoolDims = [
  N: number,
  C: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sH: number,
  sW: number,
  pH: number,
  pW: number,
  OH: number,
  OW: number,
  countIncludePad: boolean,
];
