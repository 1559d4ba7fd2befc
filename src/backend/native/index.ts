/**
 * The native CPU backend: the kernels of the C++ addon behind the `Backend` interface, each
 * falling back to the js reference kernel for the dtypes, ops or parameters the addon lacks.
 * Arrays are shared with the js backend (zero copy).
 */
import { ARRAY_TYPES, type DType, type TypedArray } from "../../tensor/dtype.js";
import { checkAllocation } from "../../tensor/memory.js";
import { broadcastStrides } from "../../tensor/shape.js";
import type { Backend, BinaryOp, UnaryGradOp, UnaryOp, View } from "../backend.js";
import { settings } from "../config.js";
import { jsBackend } from "../js/index.js";
import { floatsAlike, isFloat } from "./arrays.js";
import { nativeNnKernels } from "./nn-kernels.js";
import {
  type FloatArray,
  loadNativeAddon,
  type NativeAddon,
  type NativeBinaryOp,
  type NativeUnaryGradOp,
  type NativeUnaryOp,
} from "./addon.js";
import { noteAllocation } from "./gc-ballast.js";

export { loadNativeAddon, nativeAddonPath } from "./addon.js";
export type { NativeAddon } from "./addon.js";

const NATIVE_UNARY = new Set<UnaryOp>([
  "neg",
  "exp",
  "log",
  "log1p",
  "expm1",
  "sqrt",
  "rsqrt",
  "abs",
  "sign",
  "sin",
  "cos",
  "tanh",
  "sigmoid",
  "relu",
  "reciprocal",
  "gelu",
  "silu",
  "softplus",
  "square",
  "floor",
  "ceil",
  "round",
  "erf",
  "leakyRelu",
  "elu",
  "clampMin",
  "clampMax",
  "powScalar",
  "mulScalar",
  "addScalar",
  "divScalar",
]);
const NATIVE_UNARY_GRAD = new Set<UnaryGradOp>([
  "tanh",
  "sigmoid",
  "relu",
  "leakyRelu",
  "elu",
  "gelu",
  "silu",
  "softplus",
]);
const NATIVE_BINARY = new Set<BinaryOp>(["add", "sub", "mul", "div", "pow", "maximum", "minimum"]);

const sameKind = (a: TypedArray, b: TypedArray) => a.constructor === b.constructor;

function isDense(v: View): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== expected) return false;
    expected *= v.shape[i]!;
  }
  return true;
}

// Shapes and strides travel to the addon as int32 views of one scratch array. Why: a fresh small
// Int32Array lives on V8's heap, and handing it to native code makes V8 move it out to a backing
// store of its own (about 1 us each, and external memory that brings the next scavenge closer);
// three of them made a 64-element add cost 4 us instead of 0.6. Addon calls are synchronous, so
// each call reuses the scratch; a call's lists take the slots 0, 1 and 2.
const MAX_DIMS = 64;
const INTS = new Int32Array(3 * MAX_DIMS); // 768 bytes: off V8's heap from the start

/** `values` as an int32 view in scratch slot `slot` (0-2). */
function intsAt(slot: number, values: readonly number[]): Int32Array {
  if (values.length > MAX_DIMS) return Int32Array.from(values);
  const at = slot * MAX_DIMS;
  for (let i = 0; i < values.length; i++) INTS[at + i] = values[i]!;
  return INTS.subarray(at, at + values.length);
}

// Strides and offsets travel as int32 to the addon; views beyond that range use the js kernels.
const fitsInt32 = (v: View) => v.data.length <= 0x7fffffff;

// Below these many output elements a call into the addon (0.2-0.6 us of argument checks and
// typed-array lookups) costs more than the arithmetic, so the js kernel runs instead: it keeps the
// per-op overhead of tiny ops at the js backend's level. Crossovers measured with monomorphic js
// loops (their best case): exp 64 elements, strided copy 64, relu 256, add 256-512, row sums 512.
const SMALL = { unary: 128, copy: 64, binary: 512, reduce: 512, other: 2048 };

// Arrays of at least this many bytes come from the addon's memory pool (native/memory.cc): reused
// blocks cost no page faults, outputs that kernels overwrite need no zero fill, and a pooled
// ArrayBuffer is cheaper to create than V8's own (about 2 us against 3-5 us from 1 KiB up).
// NABLA_POOL=0 turns the pool off (every array from V8's allocator), to measure what it saves.
const POOLED_BYTES = settings.pool ? 1024 : Number.POSITIVE_INFINITY;

/** Builds the backend over a loaded addon. */
export function createNativeBackend(m: NativeAddon): Backend {
  const js = jsBackend;
  const pooled = (dtype: DType, size: number, zero: boolean): TypedArray => {
    checkAllocation(null, null, dtype, size);
    const Ctor = ARRAY_TYPES[dtype];
    const bytes = size * Ctor.BYTES_PER_ELEMENT;
    noteAllocation(bytes);
    return bytes < POOLED_BYTES ? new Ctor(size) : new Ctor(m.allocBuffer(bytes, zero));
  };
  return {
    ...js,
    ...nativeNnKernels(m),
    name: "native",

    alloc: (dtype: DType, size: number) => pooled(dtype, size, true),
    allocEmpty: (dtype: DType, size: number) => pooled(dtype, size, false),
    cachedBytes: () => m.memoryPoolStats().cachedBytes,
    release(array: TypedArray): void {
      // Only whole pooled buffers: a smaller array may live on V8's heap, where detaching would
      // first copy it out.
      const buffer = array.buffer;
      if (
        array.byteLength >= POOLED_BYTES &&
        array.byteOffset === 0 &&
        array.byteLength === buffer.byteLength
      )
        m.releaseBuffer(buffer as ArrayBuffer);
    },

    copy(src: View, out: TypedArray): void {
      if (out.length < SMALL.copy || !sameKind(src.data, out) || !fitsInt32(src))
        return js.copy(src, out);
      m.copyStrided(src.data, src.offset, intsAt(0, src.shape), intsAt(1, src.strides), out, 0);
    },

    indexSelect(x, outer, size, inner, index, out): void {
      if (out.length < SMALL.other || !sameKind(x, out))
        return js.indexSelect(x, outer, size, inner, index, out);
      m.indexSelect(x, outer, size, inner, index, out);
    },

    unary(op: UnaryOp, x: View, out: TypedArray, p?: number): void {
      if (
        out.length < SMALL.unary ||
        !NATIVE_UNARY.has(op) ||
        !isFloat(out) ||
        !sameKind(x.data, out)
      )
        return js.unary(op, x, out, p);
      if (isDense(x)) {
        m.unary(op as NativeUnaryOp, x.data as FloatArray, x.offset, out, out.length, p);
      } else {
        // Gather the view first, then apply the op in place.
        m.copyStrided(x.data, x.offset, intsAt(0, x.shape), intsAt(1, x.strides), out, 0);
        m.unary(op as NativeUnaryOp, out, 0, out, out.length, p);
      }
    },

    unaryBackward(
      op: UnaryGradOp,
      x: TypedArray,
      out: TypedArray,
      gradOut: TypedArray,
      gradIn: TypedArray,
      p?: number,
    ): void {
      if (
        gradIn.length < SMALL.unary ||
        !NATIVE_UNARY_GRAD.has(op) ||
        !floatsAlike(x, out, gradOut, gradIn)
      )
        return js.unaryBackward(op, x, out, gradOut, gradIn, p);
      m.unaryBackward(
        op as NativeUnaryGradOp,
        x as FloatArray,
        out as FloatArray,
        gradOut as FloatArray,
        gradIn as FloatArray,
        gradIn.length,
        p,
      );
    },

    binary(op: BinaryOp, a: View, b: View, out: TypedArray, shape: readonly number[]): void {
      const typeOk =
        sameKind(a.data, out) &&
        sameKind(b.data, out) &&
        (isFloat(out) || (out instanceof Int32Array && op !== "div"));
      if (
        out.length < SMALL.binary ||
        !NATIVE_BINARY.has(op) ||
        !typeOk ||
        !fitsInt32(a) ||
        !fitsInt32(b)
      )
        return js.binary(op, a, b, out, shape);
      m.binary(
        op as NativeBinaryOp,
        a.data as FloatArray,
        a.offset,
        b.data as FloatArray,
        b.offset,
        out as FloatArray,
        intsAt(0, shape),
        intsAt(1, broadcastStrides(a.shape, a.strides, shape)),
        intsAt(2, broadcastStrides(b.shape, b.strides, shape)),
      );
    },

    reduce(op, x, outer, size, inner, out): void {
      // Empty max/min: the js kernel defines the result (the addon rejects it).
      if (x.length < SMALL.reduce || !isFloat(x) || !sameKind(x, out) || size === 0)
        return js.reduce(op, x, outer, size, inner, out);
      m.reduce(op, x, outer, size, inner, out as FloatArray);
    },

    argReduce(op, x, outer, size, inner, out): void {
      if (!isFloat(x) || size === 0) return js.argReduce(op, x, outer, size, inner, out);
      m.argReduce(op, x, outer, size, inner, out);
    },

    matmul(
      a,
      aOffset,
      aBatchStride,
      transA,
      b,
      bOffset,
      bBatchStride,
      transB,
      out,
      batch,
      M,
      N,
      K,
    ): void {
      const lda = transA ? M : K,
        ldb = transB ? K : N;
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
        m.sgemmBatched(
          batch,
          transA,
          transB,
          M,
          N,
          K,
          1,
          a,
          aOffset,
          aBatchStride,
          lda,
          b,
          bOffset,
          bBatchStride,
          ldb,
          0,
          out,
          0,
          M * N,
          N,
        );
      } else if (
        a instanceof Float64Array &&
        b instanceof Float64Array &&
        out instanceof Float64Array
      ) {
        m.dgemmBatched(
          batch,
          transA,
          transB,
          M,
          N,
          K,
          1,
          a,
          aOffset,
          aBatchStride,
          lda,
          b,
          bOffset,
          bBatchStride,
          ldb,
          0,
          out,
          0,
          M * N,
          N,
        );
      } else {
        js.matmul(
          a,
          aOffset,
          aBatchStride,
          transA,
          b,
          bOffset,
          bBatchStride,
          transB,
          out,
          batch,
          M,
          N,
          K,
        );
      }
    },

    softmax(x, outer, size, inner, out, log): void {
      if (!isFloat(x) || !sameKind(x, out)) return js.softmax(x, outer, size, inner, out, log);
      (log ? m.logSoftmaxForward : m.softmaxForward)(x, out as FloatArray, outer, size, inner);
    },

    softmaxBackward(out, gradOut, outer, size, inner, gradIn, log): void {
      if (!isFloat(out) || !sameKind(out, gradOut) || !sameKind(out, gradIn))
        return js.softmaxBackward(out, gradOut, outer, size, inner, gradIn, log);
      (log ? m.logSoftmaxBackward : m.softmaxBackward)(
        out,
        gradOut as FloatArray,
        gradIn as FloatArray,
        outer,
        size,
        inner,
      );
    },
  };
}

let cached: Backend | null | undefined;

/**
 * The native backend, or `null` when the addon is unavailable (see `loadNativeAddon` for the
 * NABLA_BACKEND rules and the one-time warning).
 */
export function nativeBackend(): Backend | null {
  if (cached === undefined) {
    const m = loadNativeAddon();
    cached = m ? createNativeBackend(m) : null;
  }
  return cached;
}
