// Normalisation layers with PyTorch's parameters, buffers, state-dict keys, init and reprs.
import { batchNorm, groupNorm, layerNorm } from "../ops/norm.js";
import { add_ } from "../ops/inplace.js";
import { noGrad } from "../autograd/grad-mode.js";
import { empty, ones, zeros } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ones_, zeros_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyBool, pyFloat, pyTuple } from "./repr.js";

/** Options of the batch-norm layers (PyTorch's keyword arguments). */
export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true). */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): `weight`, `bias` and the
 * buffers `running_mean`, `running_var`, `num_batches_tracked`, in that state-dict order.
 * Example: `net.apply((m) => { if (m instanceof nn.BatchNormBase) m.momentum = 0.01; })`.
 */
export abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1)
      throw new RangeError(
        `${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`,
      );
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? "float32";
    this.weight = this.affine ? new Parameter(empty([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(empty([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("runningMean", zeros([numFeatures], { dtype }));
      this.registerBuffer("runningVar", ones([numFeatures], { dtype }));
      this.registerBuffer("numBatchesTracked", zeros([], { dtype: "int32" }));
    } else {
      this.registerBuffer("runningMean", null);
      this.registerBuffer("runningVar", null);
      this.registerBuffer("numBatchesTracked", null);
    }
    this.resetParameters();
  }

  /** Zeroes the running mean and count, sets the running variance to one. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.runningMean!.zero_();
      this.runningVar!.fill_(1);
      this.numBatchesTracked!.zero_();
    });
  }

  /** Running statistics reset; weight ones and bias zeros (PyTorch's init). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  /** Throws unless the input has the dims this layer expects. */
  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      noGrad(() => add_(this.numBatchesTracked!, 1));
      // momentum null: a cumulative moving average, 1/n for the n-th batch.
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    // Without running statistics, eval mode normalises with the batch's own statistics.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const useBuffers = !this.training || this.trackRunningStats;
    return batchNorm(
      input,
      useBuffers ? this.runningMean : null,
      useBuffers ? this.runningVar : null,
      this.weight,
      this.bias,
      useBatchStats,
      factor,
      this.eps,
    );
  }

  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` (after a Linear or Conv1d).
 * Example: `new nn.BatchNorm1d(120)`.
 */
export class BatchNorm1d extends BatchNormBase {
  protected override checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new Error(
        `BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input of shape ${fmtShape(input.shape)})`,
      );
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` (after a Conv2d), per channel.
 * Example: `new nn.BatchNorm2d(6)` prints `BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`.
 */
export class BatchNorm2d extends BatchNormBase {
  protected override checkInputDim(input: Tensor): void {
    if (input.ndim !== 4)
      throw new Error(
        `BatchNorm2d: expected 4D input (got ${input.ndim}D input of shape ${fmtShape(input.shape)})`,
      );
  }
}

/** Options of `nn.LayerNorm`. */
export interface LayerNormOptions {
  eps?: number;
  /** Learn a per-element scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift too (default true). */
  bias?: boolean;
  dtype?: DType;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims. Example: `new nn.LayerNorm(512)`
 * prints `LayerNorm((512,), eps=1e-05, elementwise_affine=True)`.
 */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape =
      typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = options.dtype ?? "float32";
    this.weight = this.elementwiseAffine
      ? new Parameter(ones(this.normalizedShape, { dtype }))
      : null;
    this.bias =
      this.elementwiseAffine && options.bias !== false
        ? new Parameter(zeros(this.normalizedShape, { dtype }))
        : null;
  }

  /** Weight ones, bias zeros. */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Options of `nn.GroupNorm`. */
export interface GroupNormOptions {
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  dtype?: DType;
}

/**
 * Group normalisation: `numChannels` split into `numGroups`, each normalised per sample.
 * Example: `new nn.GroupNorm(2, 4)` prints `GroupNorm(2, 4, eps=1e-05, affine=True)`.
 */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0)
      throw new Error(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    const dtype = options.dtype ?? "float32";
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  /** Weight ones, bias zeros. */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  override forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
