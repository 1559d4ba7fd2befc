/**
 * The native Backend's convolution, pooling, batch-norm, loss and optimiser kernels; each falls
 * back to the js kernel when its arrays are not all float32 or all float64.
 */
import type { TypedArray } from "../../tensor/dtype.js";
import type { Backend } from "../backend.js";
import { jsBackend } from "../js/index.js";
import type { FloatArray, NativeAddon } from "./addon.js";
import { floatsAlike, isFloat } from "./arrays.js";

type NnKernels = Pick<
  Backend,
  | "conv2dForward"
  | "conv2dBackwardData"
  | "conv2dBackwardWeight"
  | "maxPool2dForward"
  | "maxPool2dBackward"
  | "avgPool2dForward"
  | "avgPool2dBackward"
  | "batchNormForwardTrain"
  | "batchNormForwardEval"
  | "batchNormBackward"
  | "im2col"
  | "col2im"
  | "rmspropStep"
  | "adagradStep"
  | "adadeltaStep"
  | "crossEntropy"
  | "crossEntropyBackward"
  | "sgdStep"
  | "adamStep"
>;

/** The nn kernels over a loaded addon. */
export function nativeNnKernels(m: NativeAddon): NnKernels {
  const js = jsBackend;
  return {
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
  };
}
