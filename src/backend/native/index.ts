/**
 * The native CPU backend: the kernels of the C++ addon behind the `Backend` interface, each
 * falling back to the js reference kernel for the dtypes, ops or parameters the addon lacks.
 * Arrays are shared with the js backend (zero copy).
 */
import type { TypedArray } from "../../tensor/dtype.js";
import type { Backend, BinaryOp, UnaryGradOp, UnaryOp, View } from "../backend.js";
import { jsBackend } from "../js/index.js";
import {
  type FloatArray,
  loadNativeAddon,
  type NativeAddon,
  type NativeBinaryOp,
  type NativeUnaryGradOp,
  type NativeUnaryOp,
} from "./addon.js";

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

/** True when every non-null array is a Float32Array, or every one a Float64Array. */
function floatsAlike(...arrays: (TypedArray | null)[]): boolean {
  let kind: unknown = null;
  for (const a of arrays) {
    if (a === null) continue;
    if (!(a instanceof Float32Array || a instanceof Float64Array)) return false;
    if (kind === null) kind = a.constructor;
    else if (a.constructor !== kind) return false;
  }
  return kind !== null;
}

const isFloat = (a: TypedArray): a is FloatArray =>
  a instanceof Float32Array || a instanceof Float64Array;
const sameKind = (a: TypedArray, b: TypedArray) => a.constructor === b.constructor;

function isDense(v: View): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== expected) return false;
    expected *= v.shape[i]!;
  }
  return true;
}

/** Strides of `v` once broadcast to `shape` (right-aligned; size-1 dims read with stride 0). */
function broadcastStrides(v: View, shape: readonly number[]): Int32Array {
  const out = new Int32Array(shape.length);
  const off = shape.length - v.shape.length;
  for (let d = off; d < shape.length; d++)
    out[d] = v.shape[d - off] === 1 ? 0 : v.strides[d - off]!;
  return out;
}

// Strides and offsets travel as int32 to the addon; views beyond that range use the js kernels.
const fitsInt32 = (v: View) => v.data.length <= 0x7fffffff;

/** Builds the backend over a loaded addon. */
export function createNativeBackend(m: NativeAddon): Backend {
  const js = jsBackend;
  return {
    ...js,
    name: "native",

    copy(src: View, out: TypedArray): void {
      if (!sameKind(src.data, out) || !fitsInt32(src)) return js.copy(src, out);
      m.copyStrided(
        src.data,
        src.offset,
        Int32Array.from(src.shape),
        Int32Array.from(src.strides),
        out,
        0,
      );
    },

    unary(op: UnaryOp, x: View, out: TypedArray, p?: number): void {
      if (!NATIVE_UNARY.has(op) || !isFloat(out) || !sameKind(x.data, out))
        return js.unary(op, x, out, p);
      if (isDense(x)) {
        m.unary(op as NativeUnaryOp, x.data as FloatArray, x.offset, out, out.length, p);
      } else {
        // Gather the view first, then apply the op in place.
        m.copyStrided(
          x.data,
          x.offset,
          Int32Array.from(x.shape),
          Int32Array.from(x.strides),
          out,
          0,
        );
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
      if (!NATIVE_UNARY_GRAD.has(op) || !floatsAlike(x, out, gradOut, gradIn))
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
      if (!NATIVE_BINARY.has(op) || !typeOk || !fitsInt32(a) || !fitsInt32(b))
        return js.binary(op, a, b, out, shape);
      m.binary(
        op as NativeBinaryOp,
        a.data as FloatArray,
        a.offset,
        b.data as FloatArray,
        b.offset,
        out as FloatArray,
        Int32Array.from(shape),
        broadcastStrides(a, shape),
        broadcastStrides(b, shape),
      );
    },

    reduce(op, x, outer, size, inner, out): void {
      // Empty max/min: the js kernel defines the result (the addon rejects it).
      if (!isFloat(x) || !sameKind(x, out) || size === 0)
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

    conv2dForward(x, w, bias, out, ...dims): void {
      if (!floatsAlike(x, w, bias, out)) return js.conv2dForward(x, w, bias, out, ...dims);
      m.conv2dForward(
        x as FloatArray,
        w as FloatArray,
        bias as FloatArray | null,
        out as FloatArray,
        ...dims,
      );
    },

    conv2dBackwardData(gradOut, w, gradX, ...dims): void {
      if (!floatsAlike(gradOut, w, gradX)) return js.conv2dBackwardData(gradOut, w, gradX, ...dims);
      m.conv2dBackwardData(gradOut as FloatArray, w as FloatArray, gradX as FloatArray, ...dims);
    },

    conv2dBackwardWeight(gradOut, x, gradW, gradBias, ...dims): void {
      if (!floatsAlike(gradOut, x, gradW, gradBias))
        return js.conv2dBackwardWeight(gradOut, x, gradW, gradBias, ...dims);
      m.conv2dBackwardWeight(
        gradOut as FloatArray,
        x as FloatArray,
        gradW as FloatArray,
        gradBias as FloatArray | null,
        ...dims,
      );
    },

    maxPool2dForward(x, out, indices, ...dims): void {
      if (!floatsAlike(x, out)) return js.maxPool2dForward(x, out, indices, ...dims);
      m.maxPool2dForward(x as FloatArray, out as FloatArray, indices, ...dims);
    },

    maxPool2dBackward(gradOut, indices, gradX, N, C, H, W, OH, OW): void {
      if (!floatsAlike(gradOut, gradX))
        return js.maxPool2dBackward(gradOut, indices, gradX, N, C, H, W, OH, OW);
      m.maxPool2dBackward(gradOut as FloatArray, indices, gradX as FloatArray, N, C, H, W, OH, OW);
    },

    avgPool2dForward(x, out, ...dims): void {
      if (!floatsAlike(x, out)) return js.avgPool2dForward(x, out, ...dims);
      m.avgPool2dForward(x as FloatArray, out as FloatArray, ...dims);
    },

    avgPool2dBackward(gradOut, gradX, ...dims): void {
      if (!floatsAlike(gradOut, gradX)) return js.avgPool2dBackward(gradOut, gradX, ...dims);
      m.avgPool2dBackward(gradOut as FloatArray, gradX as FloatArray, ...dims);
    },

    batchNormForwardTrain(x, weight, bias, out, saveMean, saveInvStd, N, C, HW, eps): void {
      if (!floatsAlike(x, weight, bias, out, saveMean, saveInvStd))
        return js.batchNormForwardTrain(x, weight, bias, out, saveMean, saveInvStd, N, C, HW, eps);
      const f = (a: TypedArray | null) => a as FloatArray | null;
      m.batchNormForwardTrain(
        x as FloatArray,
        f(weight),
        f(bias),
        out as FloatArray,
        saveMean as FloatArray,
        saveInvStd as FloatArray,
        N,
        C,
        HW,
        eps,
      );
    },

    batchNormForwardEval(x, weight, bias, runningMean, runningVar, out, N, C, HW, eps): void {
      if (!floatsAlike(x, weight, bias, runningMean, runningVar, out))
        return js.batchNormForwardEval(
          x,
          weight,
          bias,
          runningMean,
          runningVar,
          out,
          N,
          C,
          HW,
          eps,
        );
      const f = (a: TypedArray | null) => a as FloatArray | null;
      m.batchNormForwardEval(
        x as FloatArray,
        f(weight),
        f(bias),
        runningMean as FloatArray,
        runningVar as FloatArray,
        out as FloatArray,
        N,
        C,
        HW,
        eps,
      );
    },

    batchNormBackward(
      gradOut,
      x,
      weight,
      saveMean,
      saveInvStd,
      gradX,
      gradWeight,
      gradBias,
      N,
      C,
      HW,
    ): void {
      if (!floatsAlike(gradOut, x, weight, saveMean, saveInvStd, gradX, gradWeight, gradBias))
        return js.batchNormBackward(
          gradOut,
          x,
          weight,
          saveMean,
          saveInvStd,
          gradX,
          gradWeight,
          gradBias,
          N,
          C,
          HW,
        );
      const f = (a: TypedArray | null) => a as FloatArray | null;
      m.batchNormBackward(
        gradOut as FloatArray,
        x as FloatArray,
        f(weight),
        saveMean as FloatArray,
        saveInvStd as FloatArray,
        f(gradX),
        f(gradWeight),
        f(gradBias),
        N,
        C,
        HW,
      );
    },

    im2col(x, cols, ...dims): void {
      if (!floatsAlike(x, cols)) return js.im2col(x, cols, ...dims);
      m.im2col(x as FloatArray, cols as FloatArray, ...dims);
    },

    col2im(cols, x, ...dims): void {
      if (!floatsAlike(cols, x)) return js.col2im(cols, x, ...dims);
      m.col2im(cols as FloatArray, x as FloatArray, ...dims);
    },

    rmspropStep(
      params,
      grads,
      squareAvgs,
      gradAvgs,
      momentumBufs,
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
      centered,
      maximize,
    ): void {
      if (!params.every((p) => isFloat(p)))
        return js.rmspropStep(
          params,
          grads,
          squareAvgs,
          gradAvgs,
          momentumBufs,
          lr,
          alpha,
          eps,
          weightDecay,
          momentum,
          centered,
          maximize,
        );
      m.rmspropStep(
        params as FloatArray[],
        grads as FloatArray[],
        squareAvgs as FloatArray[],
        gradAvgs as FloatArray[] | null,
        momentumBufs as FloatArray[] | null,
        lr,
        alpha,
        eps,
        weightDecay,
        momentum,
        centered,
        maximize,
      );
    },

    adagradStep(params, grads, stateSums, lr, lrDecay, weightDecay, eps, maximize, step): void {
      if (!params.every((p) => isFloat(p)))
        return js.adagradStep(
          params,
          grads,
          stateSums,
          lr,
          lrDecay,
          weightDecay,
          eps,
          maximize,
          step,
        );
      m.adagradStep(
        params as FloatArray[],
        grads as FloatArray[],
        stateSums as FloatArray[],
        lr,
        lrDecay,
        weightDecay,
        eps,
        maximize,
        step,
      );
    },

    adadeltaStep(params, grads, squareAvgs, accDeltas, lr, rho, eps, weightDecay, maximize): void {
      if (!params.every((p) => isFloat(p)))
        return js.adadeltaStep(
          params,
          grads,
          squareAvgs,
          accDeltas,
          lr,
          rho,
          eps,
          weightDecay,
          maximize,
        );
      m.adadeltaStep(
        params as FloatArray[],
        grads as FloatArray[],
        squareAvgs as FloatArray[],
        accDeltas as FloatArray[],
        lr,
        rho,
        eps,
        weightDecay,
        maximize,
      );
    },

    crossEntropy(logits, targets, N, C, lossPerSample, logSoftmaxOut): void {
      if (!floatsAlike(logits, lossPerSample, logSoftmaxOut))
        return js.crossEntropy(logits, targets, N, C, lossPerSample, logSoftmaxOut);
      m.crossEntropyForward(
        logits as FloatArray,
        targets,
        N,
        C,
        lossPerSample as FloatArray,
        logSoftmaxOut as FloatArray,
      );
    },

    crossEntropyBackward(logSoftmaxOut, targets, gradLossPerSample, gradLogits, N, C): void {
      if (!floatsAlike(logSoftmaxOut, gradLossPerSample, gradLogits))
        return js.crossEntropyBackward(logSoftmaxOut, targets, gradLossPerSample, gradLogits, N, C);
      m.crossEntropyBackward(
        logSoftmaxOut as FloatArray,
        targets,
        gradLossPerSample as FloatArray,
        gradLogits as FloatArray,
        N,
        C,
      );
    },

    sgdStep(
      params,
      grads,
      momentumBufs,
      lr,
      momentum,
      dampening,
      weightDecay,
      nesterov,
      maximize,
      firstStep,
    ): void {
      // The addon checks per parameter that its buffers match it; here only float storage is required.
      if (!params.every((p) => isFloat(p)))
        return js.sgdStep(
          params,
          grads,
          momentumBufs,
          lr,
          momentum,
          dampening,
          weightDecay,
          nesterov,
          maximize,
          firstStep,
        );
      m.sgdStep(
        params as FloatArray[],
        grads as FloatArray[],
        momentumBufs as (FloatArray | null)[] | null,
        lr,
        momentum,
        dampening,
        weightDecay,
        nesterov,
        maximize,
        firstStep,
      );
    },

    adamStep(
      params,
      grads,
      expAvg,
      expAvgSq,
      maxExpAvgSq,
      lr,
      beta1,
      beta2,
      eps,
      weightDecay,
      amsgrad,
      maximize,
      step,
      decoupled,
    ): void {
      if (!params.every((p) => isFloat(p)))
        return js.adamStep(
          params,
          grads,
          expAvg,
          expAvgSq,
          maxExpAvgSq,
          lr,
          beta1,
          beta2,
          eps,
          weightDecay,
          amsgrad,
          maximize,
          step,
          decoupled,
        );
      m.adamStep(
        params as FloatArray[],
        grads as FloatArray[],
        expAvg as FloatArray[],
        expAvgSq as FloatArray[],
        maxExpAvgSq as (FloatArray | null)[] | null,
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        amsgrad,
        maximize,
        step,
        decoupled,
      );
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
