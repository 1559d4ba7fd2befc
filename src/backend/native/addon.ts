/**
 * Loader for the native CPU addon (`build/Release/nabla_native.node`, built from `native/` by
 * node-gyp at install). `loadNativeAddon()` returns `null` when `NABLA_BACKEND=js` or when the
 * addon is missing or fails to load (after one warning); with `NABLA_BACKEND=native` a failure
 * throws instead. `NABLA_NATIVE_PATH` points at another build (the AddressSanitizer one).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

type F32 = Float32Array;
type F64 = Float64Array;
/** The floating arrays the dtype-generic kernels accept (both operands of one call alike). */
export type FloatArray = Float32Array | Float64Array;
/** Any typed array whose elements `copyStrided` can move (it works on the element size). */
export type AnyTypedArray =
  FloatArray | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array;

/** Elementwise unary ops of the native addon. */
export type NativeUnaryOp =
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
  | "gelu"
  | "silu"
  | "softplus"
  | "square"
  | "floor"
  | "ceil"
  | "round"
  | "erf"
  | "leakyRelu"
  | "elu"
  | "clampMin"
  | "clampMax"
  | "powScalar";

/** Activations with a fused backward kernel (`unaryBackward`). */
export type NativeUnaryGradOp =
  "tanh" | "sigmoid" | "relu" | "leakyRelu" | "elu" | "gelu" | "silu" | "softplus";

/** Broadcasting binary ops of the native addon (int32 supports all but `div`). */
export type NativeBinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

/**
 * Every export of the addon. Arrays are used in place (zero copy); shapes and offsets are in
 * elements; every array is bounds-checked against the dims given, and a mismatch throws a
 * RangeError naming the kernel. Outputs are overwritten, never accumulated into.
 */
export interface NativeAddon {
  /** Resizes the thread pool (n <= 0: back to NABLA_NUM_THREADS or the core count). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** "avx512", "avx2" or "scalar": the GEMM micro-kernel compiled in. */
  simdLevel(): string;

  /** Row-major C = alpha * op(A) @ op(B) + beta * C (beta 0: C is not read). */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    aOff: number,
    lda: number,
    B: F32,
    bOff: number,
    ldb: number,
    beta: number,
    C: F32,
    cOff: number,
    ldc: number,
  ): void;
  /** `batch` GEMMs whose operands are stride* elements apart (strideA/B = 0 broadcasts). */
  sgemmBatched(
    batch: number,
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    aOff: number,
    strideA: number,
    lda: number,
    B: F32,
    bOff: number,
    strideB: number,
    ldb: number,
    beta: number,
    C: F32,
    cOff: number,
    strideC: number,
    ldc: number,
  ): void;
  dgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F64,
    aOff: number,
    lda: number,
    B: F64,
    bOff: number,
    ldb: number,
    beta: number,
    C: F64,
    cOff: number,
    ldc: number,
  ): void;
  dgemmBatched(
    batch: number,
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F64,
    aOff: number,
    strideA: number,
    lda: number,
    B: F64,
    bOff: number,
    strideB: number,
    ldb: number,
    beta: number,
    C: F64,
    cOff: number,
    strideC: number,
    ldc: number,
  ): void;

  /** NCHW conv2d; weight [OC, C/groups, KH, KW]; OH/OW must match the other dims. */
  conv2dForward<T extends FloatArray>(
    x: T,
    w: T,
    bias: T | null,
    out: T,
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
  ): void;
  conv2dBackwardData<T extends FloatArray>(
    gradOut: T,
    w: T,
    gradX: T,
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
  ): void;
  /** gradW (and gradBias when given) are overwritten. */
  conv2dBackwardWeight<T extends FloatArray>(
    gradOut: T,
    x: T,
    gradW: T,
    gradBias: T | null,
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
  ): void;

  /** indices: flat position of each max within its H*W plane (as PyTorch). */
  maxPool2dForward<T extends FloatArray>(
    x: T,
    out: T,
    indices: Int32Array,
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
  ): void;
  maxPool2dBackward<T extends FloatArray>(
    gradOut: T,
    indices: Int32Array,
    gradX: T,
    N: number,
    C: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
  ): void;
  avgPool2dForward<T extends FloatArray>(
    x: T,
    out: T,
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
  ): void;
  avgPool2dBackward<T extends FloatArray>(
    gradOut: T,
    gradX: T,
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
  ): void;

  /** Batch statistics over [N, C, HW] (biased variance); saves mean and 1/sqrt(var + eps). */
  batchNormForwardTrain<T extends FloatArray>(
    x: T,
    weight: T | null,
    bias: T | null,
    out: T,
    saveMean: T,
    saveInvStd: T,
    N: number,
    C: number,
    HW: number,
    eps: number,
  ): void;
  batchNormForwardEval<T extends FloatArray>(
    x: T,
    weight: T | null,
    bias: T | null,
    runningMean: T,
    runningVar: T,
    out: T,
    N: number,
    C: number,
    HW: number,
    eps: number,
  ): void;
  /** Training-mode backward; any of gradX/gradWeight/gradBias may be null to skip it. */
  batchNormBackward<T extends FloatArray>(
    gradOut: T,
    x: T,
    weight: T | null,
    saveMean: T,
    saveInvStd: T,
    gradX: T | null,
    gradWeight: T | null,
    gradBias: T | null,
    N: number,
    C: number,
    HW: number,
  ): void;

  /**
   * out[0..n) = op(x[xOff..xOff+n)). `p` is leakyRelu's slope, elu's alpha, the clamp bound,
   * powScalar's exponent or softplus's beta (default 1 for softplus, 0 otherwise).
   */
  unary<T extends FloatArray>(
    op: NativeUnaryOp,
    x: T,
    xOff: number,
    out: T,
    n: number,
    p?: number,
  ): void;
  /** gradIn = f'(x, out) * gradOut over n elements (p as in `unary`). */
  unaryBackward<T extends FloatArray>(
    op: NativeUnaryGradOp,
    x: T,
    out: T,
    gradOut: T,
    gradIn: T,
    n: number,
    p?: number,
  ): void;
  /** out (contiguous, `shape`) = op(a, b), a/b read through element strides (0 = broadcast). */
  binary<T extends FloatArray | Int32Array>(
    op: NativeBinaryOp,
    a: T,
    aOff: number,
    b: T,
    bOff: number,
    out: T,
    shape: Int32Array,
    aStrides: Int32Array,
    bStrides: Int32Array,
  ): void;
  /** gradIn = gradOut * out * (1 - out). */
  sigmoidBackward<T extends FloatArray>(out: T, gradOut: T, gradIn: T, n: number): void;
  /** gradIn = x > 0 ? gradOut : 0. */
  reluBackward<T extends FloatArray>(x: T, gradOut: T, gradIn: T, n: number): void;
  /** gradIn = gradOut * (1 - out^2). */
  tanhBackward<T extends FloatArray>(out: T, gradOut: T, gradIn: T, n: number): void;

  /** Gathers a strided view into contiguous `out` (same element size; any strides). */
  copyStrided(
    src: AnyTypedArray,
    srcOff: number,
    shape: Int32Array,
    strides: Int32Array,
    out: AnyTypedArray,
    outOff: number,
  ): void;

  /** Reduces axis 1 of contiguous [outer, size, inner] into out [outer, inner]. */
  reduce<T extends FloatArray>(
    op: "sum" | "max" | "min" | "prod",
    x: T,
    outer: number,
    size: number,
    inner: number,
    out: T,
  ): void;
  argReduce(
    op: "argmax" | "argmin",
    x: FloatArray,
    outer: number,
    size: number,
    inner: number,
    outIndices: Int32Array,
  ): void;

  softmaxForward<T extends FloatArray>(
    x: T,
    out: T,
    outer: number,
    size: number,
    inner: number,
  ): void;
  logSoftmaxForward<T extends FloatArray>(
    x: T,
    out: T,
    outer: number,
    size: number,
    inner: number,
  ): void;
  softmaxBackward<T extends FloatArray>(
    out: T,
    gradOut: T,
    gradIn: T,
    outer: number,
    size: number,
    inner: number,
  ): void;
  logSoftmaxBackward<T extends FloatArray>(
    out: T,
    gradOut: T,
    gradIn: T,
    outer: number,
    size: number,
    inner: number,
  ): void;
  /** Per-sample NLL of log_softmax(logits); targets must lie in [0, C). */
  crossEntropyForward<T extends FloatArray>(
    logits: T,
    targets: Int32Array,
    N: number,
    C: number,
    lossPerSample: T,
    logSoftmaxOut: T,
  ): void;
  crossEntropyBackward<T extends FloatArray>(
    logSoftmaxOut: T,
    targets: Int32Array,
    gradLossPerSample: T,
    gradLogits: T,
    N: number,
    C: number,
  ): void;

  /** cols[N, C*KH*KW, OH*OW] from x[N, C, H, W] (zero padding), as conv's im2col. */
  im2col<T extends FloatArray>(
    x: T,
    cols: T,
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
  ): void;
  /** The adjoint of im2col: x is overwritten with the sum of the overlapping windows. */
  col2im<T extends FloatArray>(
    cols: T,
    x: T,
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
  ): void;

  /** torch.optim.SGD's update on every parameter (momentum buffers updated in place). */
  sgdStep(
    params: FloatArray[],
    grads: FloatArray[],
    momentumBufs: (FloatArray | null)[] | null,
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
    params: FloatArray[],
    grads: FloatArray[],
    expAvg: FloatArray[],
    expAvgSq: FloatArray[],
    maxExpAvgSq: (FloatArray | null)[] | null,
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
  /** torch.optim.RMSprop; gradAvgs only when centered, momentumBufs only with momentum > 0. */
  rmspropStep(
    params: FloatArray[],
    grads: FloatArray[],
    squareAvgs: FloatArray[],
    gradAvgs: FloatArray[] | null,
    momentumBufs: FloatArray[] | null,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: boolean,
    maximize: boolean,
  ): void;
  /** torch.optim.Adagrad with the decayed rate lr / (1 + (step - 1) * lrDecay). */
  adagradStep(
    params: FloatArray[],
    grads: FloatArray[],
    stateSums: FloatArray[],
    lr: number,
    lrDecay: number,
    weightDecay: number,
    eps: number,
    maximize: boolean,
    step: number,
  ): void;
  /** torch.optim.Adadelta. */
  adadeltaStep(
    params: FloatArray[],
    grads: FloatArray[],
    squareAvgs: FloatArray[],
    accDeltas: FloatArray[],
    lr: number,
    rho: number,
    eps: number,
    weightDecay: number,
    maximize: boolean,
  ): void;
}

const ADDON_FILE = join("build", "Release", "nabla_native.node");

/** The package root: the nearest ancestor of this file holding `package.json` (src/ or dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "native"))) return dir;
    dir = resolve(dir, "..");
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

let cached: NativeAddon | null | undefined;
let warned = false;

/** Where the addon is looked for (NABLA_NATIVE_PATH overrides). */
export function nativeAddonPath(): string {
  const override = process.env.NABLA_NATIVE_PATH;
  return override ? resolve(override) : join(packageRoot(), ADDON_FILE);
}

/**
 * The native addon, or `null` when the js backend must be used. Loads once; later calls return
 * the same object.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (cached !== undefined) return cached;
  const choice = (process.env.NABLA_BACKEND ?? "").trim().toLowerCase();
  if (choice === "js") {
    cached = null;
    return cached;
  }
  const path = nativeAddonPath();
  let reason: string;
  if (!existsSync(path)) {
    reason = `${path} not found; run \`npm run install\` to build it`;
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as NativeAddon;
      if (typeof addon.sgemm !== "function") throw new Error("the file does not export sgemm");
      cached = addon;
      return cached;
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    }
  }
  if (choice === "native") {
    throw new Error(
      `nabla: NABLA_BACKEND=native but the native addon cannot be loaded (${reason})`,
    );
  }
  if (!warned) {
    warned = true;
    console.warn(`nabla: native backend unavailable (${reason}); using the js backend`);
  }
  cached = null;
  return cached;
}
