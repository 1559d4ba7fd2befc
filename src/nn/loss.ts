// Loss modules: each holds its options (and class weights as a buffer, as PyTorch's
// _WeightedLoss) and calls the functional loss in forward.
import { checkOptions } from "../ops/options.js";
import type { Tensor } from "../tensor/tensor.js";
import * as L from "./loss-functions.js";
import { Module } from "./module.js";

/** Options every loss module takes. */
export interface LossOptions {
  reduction?: L.Reduction;
}

abstract class Loss extends Module {
  /** The options a loss class takes (PyTorch's keyword arguments); others are refused. */
  static readonly optionNames: readonly string[] = ["reduction"];
  readonly reduction: L.Reduction;
  constructor(options: LossOptions = {}) {
    super();
    // The subclass's own list, so a misspelt option (or a tensor passed for the options) is an error.
    checkOptions(new.target.name, options, (new.target as unknown as typeof Loss).optionNames);
    this.reduction = options.reduction ?? "mean";
    if (!["none", "mean", "sum"].includes(this.reduction))
      throw new Error(
        `${this.constructor.name}: reduction must be "none", "mean" or "sum", got "${this.reduction}"`,
      );
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Mean squared error. Example: `const loss = new nn.MSELoss(); loss.forward(yHat, y)`. */
export class MSELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. Example: `new nn.L1Loss()`. */
export class L1Loss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Huber loss with threshold `delta`. Example: `new nn.HuberLoss({ delta: 0.5 })`. */
export class HuberLoss extends Loss {
  static override readonly optionNames = ["reduction", "delta"];
  readonly delta: number;
  constructor(options: LossOptions & { delta?: number } = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** Smooth L1 loss with threshold `beta`. Example: `new nn.SmoothL1Loss({ beta: 1 })`. */
export class SmoothL1Loss extends Loss {
  static override readonly optionNames = ["reduction", "beta"];
  readonly beta: number;
  constructor(options: LossOptions & { beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  constructor(options: LossOptions & { weight?: Tensor | null } = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
  }
}

/**
 * Cross-entropy of logits with int32 class indices or class probabilities.
 * Example: `new nn.CrossEntropyLoss({ labelSmoothing: 0.1 })`, `new nn.CrossEntropyLoss({ reduction: "none" })`.
 */
export class CrossEntropyLoss extends WeightedLoss {
  static override readonly optionNames = ["weight", "ignoreIndex", "reduction", "labelSmoothing"];
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: L.CrossEntropyOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/** Negative log-likelihood of log-probabilities. Example: `new nn.NLLLoss()`. */
export class NLLLoss extends WeightedLoss {
  static override readonly optionNames = ["weight", "ignoreIndex", "reduction"];
  readonly ignoreIndex: number;
  constructor(options: L.NLLOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}

/** Binary cross-entropy of probabilities. Example: `new nn.BCELoss()`. */
export class BCELoss extends WeightedLoss {
  static override readonly optionNames = ["weight", "reduction"];
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy of logits (stable for any logit), with an optional weight of positives.
 * Example: `new nn.BCEWithLogitsLoss({ posWeight: nb.tensor([3]) })`.
 */
export class BCEWithLogitsLoss extends WeightedLoss {
  static override readonly optionNames = ["weight", "posWeight", "reduction"];
  declare posWeight: Tensor | null;
  constructor(options: L.BCEOptions & { posWeight?: Tensor | null } = {}) {
    super(options);
    this.registerBuffer("posWeight", options.posWeight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
}

/**
 * KL divergence with log-probability inputs. Example: `new nn.KLDivLoss({ reduction: "batchmean" })`.
 */
export class KLDivLoss extends Module {
  readonly reduction: L.Reduction | "batchmean";
  readonly logTarget: boolean;
  constructor(options: L.KLDivOptions = {}) {
    super();
    checkOptions("KLDivLoss", options, ["reduction", "logTarget"]);
    this.reduction = options.reduction ?? "mean";
    this.logTarget = options.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
