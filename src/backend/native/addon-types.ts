/** Types of the native addon's exports (see addon.ts for the loader). */
import type { NativeNnKernels } from "./addon-nn-types.js";

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
  | "powScalar"
  | "mulScalar"
  | "addScalar"
  | "divScalar";

/** Activations with a fused backward kernel (`unaryBackward`). */
export type NativeUnaryGradOp =
  "tanh" | "sigmoid" | "relu" | "leakyRelu" | "elu" | "gelu" | "silu" | "softplus";

/** Broadcasting binary ops of the native addon (int32 supports all but `div`). */
export type NativeBinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

/** Counters of the addon's memory pool (see native/memory.cc). */
export interface MemoryPoolStats {
  /** Bytes of collected buffers kept for reuse. */
  cachedBytes: number;
  /** Bytes of pooled buffers still referenced from JS (or not yet collected). */
  liveBytes: number;
  /** Cached bytes beyond this are freed (NABLA_POOL_LIMIT_MB, default 1024). */
  limitBytes: number;
  /** Allocations served from cached blocks / from the system. */
  hits: number;
  misses: number;
}

/**
 * Every export of the addon. Arrays are used in place (zero copy); shapes and offsets are in
 * elements; every array is bounds-checked against the dims given, and a mismatch throws a
 * RangeError naming the kernel. Outputs are overwritten, never accumulated into.
 */
export interface NativeAddon extends NativeNnKernels {
  /** Resizes the thread pool (n <= 0: back to NABLA_NUM_THREADS or the core count). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** "avx512", "avx2" or "scalar": the GEMM micro-kernel of the variant that runs. */
  simdLevel(): string;
  /**
   * The instruction-set variant of the kernels that runs: "avx512", "avx2" or "baseline" in the
   * multi-variant x86-64 build (the best the CPU supports, or NABLA_ISA), "native" in a build
   * compiled for one machine.
   */
  readonly isa: string;
  /** The variants this build holds that the CPU supports, best first, comma-separated. */
  readonly supportedIsas: string;

  /**
   * An ArrayBuffer of `bytes` from the addon's memory pool (blocks of collected buffers are
   * reused, not returned to the OS); zero-filled when `zero`, else unspecified contents.
   */
  allocBuffer(bytes: number, zero: boolean): ArrayBuffer;
  /**
   * Detaches `buffer` so that its block goes back to the pool now rather than at the next GC;
   * the buffer and its views become empty. False if it cannot be detached.
   */
  releaseBuffer(buffer: ArrayBuffer): boolean;
  /** The pool's counters, in bytes and calls. */
  memoryPoolStats(): MemoryPoolStats;
  /** Frees every cached block (blocks in use are unaffected). */
  emptyMemoryPool(): void;

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

  /**
   * out[0..n) = op(x[xOff..xOff+n)). `p` is leakyRelu's slope, elu's alpha, the clamp bound,
   * powScalar's exponent, mulScalar's factor, addScalar's term, divScalar's divisor or softplus's
   * beta (default 1 for softplus, 0 otherwise).
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

  /** Gathers a strided view into contiguous `out` (same element size; any strides). */
  copyStrided(
    src: AnyTypedArray,
    srcOff: number,
    shape: Int32Array,
    strides: Int32Array,
    out: AnyTypedArray,
    outOff: number,
  ): void;

  /** Selects rows of [outer, size, inner] `src`: out[o, j, :] = src[o, index[j], :] (bytes copied). */
  indexSelect(
    src: AnyTypedArray,
    outer: number,
    size: number,
    inner: number,
    index: Int32Array,
    out: AnyTypedArray,
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
}
