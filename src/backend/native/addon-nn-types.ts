/** Types of the native addon's convolution, pooling, normalisation, loss and optimiser kernels. */

// Same as addon-types' FloatArray (restated: the two files must not import each other).
type FloatArray = Float32Array | Float64Array;

/** The addon's neural-network kernels (part of `NativeAddon`). */
export interface NativeNnKernels {
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
