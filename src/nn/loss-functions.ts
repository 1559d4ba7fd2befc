// The functional losses (nn.functional's), with PyTorch's formulas and reductions. Cross-entropy
// with int32 class indices on [N, C] logits runs as one fused kernel; every other case is composed
// from differentiable ops (log-softmax, gather), so all of them are stable and differentiable.
import { cast } from "../ops/cast.js";
import { abs, add, div, eq, exp, log, lt, mul, ne, neg, sub, where } from "../ops/elementwise.js";
import { gather, indexSelect } from "../ops/indexing.js";
import { binaryCrossEntropyElementwise, crossEntropyPerSample, logSigmoid } from "../ops/loss.js";
import { mean, sum } from "../ops/reduce.js";
import { checkOptions } from "../ops/options.js";
import { reshape, squeeze, unsqueeze } from "../ops/shape.js";
import { logSoftmax } from "../ops/softmax.js";
import { isFloating } from "../tensor/dtype.js";
import { broadcastShapes, fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** How a loss reduces its elementwise values: not at all, by their mean, or by their sum. */
export type Reduction = "none" | "mean" | "sum";

function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return loss;
  if (reduction === "mean") return mean(loss);
  if (reduction === "sum") return sum(loss);
  throw new Error(`${op}: reduction must be "none", "mean" or "sum", got "${String(reduction)}"`);
}

// PyTorch warns when the target broadcasts the input to a larger shape (usually an [N] vs [N, 1]
// mistake that silently averages an N x N matrix); nabla makes it an error.
function checkPair(op: string, input: Tensor, target: Tensor): void {
  const shape = broadcastShapes(op, input.shape, target.shape);
  if (shape.length !== input.ndim || shape.some((s, i) => s !== input.shape[i]))
    throw new Error(
      `${op}: target shape ${fmtShape(target.shape)} and input shape ${fmtShape(input.shape)} broadcast to ${fmtShape(shape)}; give the target the input's shape`,
    );
}

/** Options of the regression losses. */
export interface ReductionOptions {
  reduction?: Reduction;
}

/** Mean squared error `(input - target)^2`. Example: `F.mseLoss(yHat, y)`. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  options = checkOptions("mseLoss", options, ["reduction"]);
  checkPair("mseLoss", input, target);
  const d = sub(input, target);
  return reduce("mseLoss", mul(d, d), options.reduction ?? "mean");
}

/** Mean absolute error `|input - target|`. Example: `F.l1Loss(yHat, y)`. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  options = checkOptions("l1Loss", options, ["reduction"]);
  checkPair("l1Loss", input, target);
  return reduce("l1Loss", abs(sub(input, target)), options.reduction ?? "mean");
}

/**
 * Huber loss: `0.5 d^2` where `|d| < delta`, else `delta (|d| - 0.5 delta)`.
 * Example: `F.huberLoss(yHat, y, { delta: 2 })`.
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { delta?: number } = {},
): Tensor {
  options = checkOptions("huberLoss", options, ["reduction", "delta"]);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  checkPair("huberLoss", input, target);
  const d = sub(input, target);
  const z = abs(d);
  const loss = where(lt(z, delta), mul(mul(d, d), 0.5), mul(sub(z, 0.5 * delta), delta));
  return reduce("huberLoss", loss, options.reduction ?? "mean");
}

/**
 * Smooth L1: `0.5 d^2 / beta` where `|d| < beta`, else `|d| - 0.5 beta` (L1 when beta is 0).
 * Example: `F.smoothL1Loss(yHat, y)`.
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions & { beta?: number } = {},
): Tensor {
  options = checkOptions("smoothL1Loss", options, ["reduction", "beta"]);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  checkPair("smoothL1Loss", input, target);
  const d = sub(input, target);
  const z = abs(d);
  const loss =
    beta === 0 ? z : where(lt(z, beta), div(mul(mul(d, d), 0.5), beta), sub(z, 0.5 * beta));
  return reduce("smoothL1Loss", loss, options.reduction ?? "mean");
}

/** Options of `nllLoss` and `crossEntropy`. */
export interface NLLOptions {
  /** A rescaling weight per class, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (and are not counted by the mean). Default -100. */
  ignoreIndex?: number;
  reduction?: Reduction;
}

interface NLLParts {
  /** -w[t] * input[t] per element (0 where ignored), the target's shape. */
  loss: Tensor;
  /** The weight of each element (0 where ignored), or null when all weigh 1. */
  weights: Tensor | null;
  /** True where the target is not ignored, or null when none is. */
  keep: Tensor | null;
}

function checkIndexTarget(op: string, input: Tensor, target: Tensor, classDim: number): void {
  if (target.dtype !== "int32")
    throw new TypeError(
      `${op}: class-index targets must be int32, got ${target.dtype} (cast with .int(); probability targets must have the input's shape ${fmtShape(input.shape)})`,
    );
  const expected = input.shape.filter((_, i) => i !== classDim);
  if (target.ndim !== expected.length || target.shape.some((s, i) => s !== expected[i]))
    throw new Error(
      `${op}: target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)} (expected ${fmtShape(expected)})`,
    );
}

// Checks the class indices and reports whether any equals ignoreIndex.
function scanTargets(op: string, target: Tensor, C: number, ignoreIndex: number): boolean {
  const t = target.data();
  let ignored = false;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === ignoreIndex) ignored = true;
    else if (t[i] < 0 || t[i] >= C)
      throw new RangeError(`${op}: target ${t[i]} is out of bounds for ${C} classes`);
  }
  return ignored;
}

function classWeight(op: string, weight: Tensor | null | undefined, C: number, like: Tensor) {
  if (weight === null || weight === undefined) return null;
  if (weight.ndim !== 1 || weight.shape[0] !== C)
    throw new Error(
      `${op}: weight must have shape [${C}] (one per class), got ${fmtShape(weight.shape)}`,
    );
  return weight.dtype === like.dtype ? weight : cast(weight, like.dtype);
}

function nllParts(op: string, input: Tensor, target: Tensor, options: NLLOptions): NLLParts {
  if (input.ndim < 1) throw new Error(`${op}: input must have at least 1 dim, got a scalar`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  checkIndexTarget(op, input, target, classDim);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const weight = classWeight(op, options.weight, C, input);
  const anyIgnored = scanTargets(op, target, C, ignoreIndex);
  const keep = anyIgnored ? ne(target, ignoreIndex) : null;
  const safe = keep ? where(keep, target, 0) : target;
  const picked = squeeze(gather(input, classDim, unsqueeze(safe, classDim)), classDim);
  let weights = weight ? reshape(indexSelect(weight, 0, reshape(safe, [-1])), target.shape) : null;
  if (keep) weights = weights ? where(keep, weights, 0) : cast(keep, input.dtype);
  const loss = weights ? neg(mul(picked, weights)) : neg(picked);
  return { loss, weights, keep };
}

function reduceWeighted(op: string, parts: NLLParts, reduction: Reduction): Tensor {
  if (reduction === "mean" && parts.weights !== null)
    return div(sum(parts.loss), sum(parts.weights));
  return reduce(op, parts.loss, reduction);
}

/**
 * Negative log-likelihood of log-probabilities `input` ([N, C], [N, C, d1, ...] or [C]) at int32
 * class indices; the weighted mean divides by the sum of the targets' weights, as PyTorch.
 * Example: `F.nllLoss(F.logSoftmax(logits, 1), labels)`.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLOptions = {}): Tensor {
  options = checkOptions("nllLoss", options, ["weight", "ignoreIndex", "reduction"]);
  const parts = nllParts("nllLoss", input, target, options);
  return reduceWeighted("nllLoss", parts, options.reduction ?? "mean");
}

/** Options of `crossEntropy`: those of `nllLoss` plus label smoothing. */
export interface CrossEntropyOptions extends NLLOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. Default 0. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits `input` ([N, C], [N, C, d1, ...] or [C]) with int32 class indices or
 * class probabilities (same shape as the input), computed through log-softmax, so it stays finite
 * for logits of any size. Example: `F.crossEntropy(logits, labels)`,
 * `F.crossEntropy(logits, labels, { labelSmoothing: 0.1, ignoreIndex: 0 })`.
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  options = checkOptions("crossEntropy", options, [
    "weight",
    "ignoreIndex",
    "reduction",
    "labelSmoothing",
  ]);
  const reduction = options.reduction ?? "mean";
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1))
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}`);
  if (input.ndim < 1) throw new Error("crossEntropy: input must have at least 1 dim, got a scalar");
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  if (isFloating(target.dtype)) return probabilityCrossEntropy(input, target, options);
  checkIndexTarget("crossEntropy", input, target, classDim);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const fused =
    input.ndim === 2 && (options.weight ?? null) === null && smoothing === 0 && input.shape[0] > 0;
  if (fused && !scanTargets("crossEntropy", target, C, ignoreIndex))
    return reduce("crossEntropy", crossEntropyPerSample(input, target), reduction);
  const logp = logSoftmax(input, classDim);
  const parts = nllParts("crossEntropy", logp, target, options);
  const nll = reduceWeighted("crossEntropy", parts, reduction);
  if (smoothing === 0) return nll;
  // The uniform part: -sum_c w_c logp_c per element, normalised like the nll part (PyTorch's
  // cross_entropy_loss_label_smoothing).
  const weight = classWeight("crossEntropy", options.weight, C, logp);
  const perClass = weight
    ? mul(
        logp,
        reshape(
          weight,
          input.shape.map((s, i) => (i === classDim ? s : 1)),
        ),
      )
    : logp;
  let smooth = neg(sum(perClass, classDim));
  if (parts.keep) smooth = where(parts.keep, smooth, 0);
  let smoothReduced: Tensor;
  if (reduction === "mean") {
    const denom = parts.weights
      ? sum(parts.weights)
      : parts.keep
        ? sum(cast(parts.keep, logp.dtype))
        : smooth.numel();
    smoothReduced = div(sum(smooth), denom);
  } else {
    smoothReduced = reduce("crossEntropy", smooth, reduction);
  }
  return add(mul(nll, 1 - smoothing), mul(smoothReduced, smoothing / C));
}

function probabilityCrossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions) {
  if (target.ndim !== input.ndim || target.shape.some((s, i) => s !== input.shape[i]))
    throw new Error(
      `crossEntropy: probability targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)} (class-index targets must be int32)`,
    );
  if ((options.ignoreIndex ?? -100) !== -100)
    throw new Error("crossEntropy: ignoreIndex is only supported with class-index targets");
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  const smoothing = options.labelSmoothing ?? 0;
  const logp = logSoftmax(input, classDim);
  const t = smoothing > 0 ? add(mul(target, 1 - smoothing), smoothing / C) : target;
  const weight = classWeight("crossEntropy", options.weight, C, logp);
  let terms = mul(logp, t);
  if (weight)
    terms = mul(
      terms,
      reshape(
        weight,
        input.shape.map((s, i) => (i === classDim ? s : 1)),
      ),
    );
  const reduction = options.reduction ?? "mean";
  if (reduction === "none") return neg(sum(terms, classDim));
  if (reduction === "sum") return neg(sum(terms));
  if (reduction === "mean") return div(neg(sum(terms)), input.numel() / C);
  return reduce("crossEntropy", terms, reduction);
}

/** Options of the binary cross-entropies. */
export interface BCEOptions extends ReductionOptions {
  /** A rescaling weight, broadcast against the input. */
  weight?: Tensor | null;
}

/**
 * Binary cross-entropy of probabilities, with the logs clamped at -100 as PyTorch.
 * Example: `F.binaryCrossEntropy(nb.sigmoid(z), y)`.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: BCEOptions = {},
): Tensor {
  options = checkOptions("binaryCrossEntropy", options, ["weight", "reduction"]);
  let loss = binaryCrossEntropyElementwise(input, target);
  if (options.weight) {
    checkPair("binaryCrossEntropy", loss, options.weight);
    loss = mul(loss, options.weight);
  }
  return reduce("binaryCrossEntropy", loss, options.reduction ?? "mean");
}

/**
 * Binary cross-entropy of logits, computed through log-sigmoid (finite for any logit):
 * `(1 - y) x - (1 + (posWeight - 1) y) log sigmoid(x)`. Example:
 * `F.binaryCrossEntropyWithLogits(z, y, { posWeight: nb.tensor([3]) })`.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BCEOptions & { posWeight?: Tensor | null } = {},
): Tensor {
  options = checkOptions("binaryCrossEntropyWithLogits", options, [
    "weight",
    "posWeight",
    "reduction",
  ]);
  if (target.ndim !== input.ndim || target.shape.some((s, i) => s !== input.shape[i]))
    throw new Error(
      `binaryCrossEntropyWithLogits: target shape ${fmtShape(target.shape)} must equal input shape ${fmtShape(input.shape)}`,
    );
  let logSig = logSigmoid(input);
  if (options.posWeight) logSig = mul(logSig, add(mul(sub(options.posWeight, 1), target), 1));
  let loss = sub(mul(sub(1, target), input), logSig);
  if (options.weight) {
    checkPair("binaryCrossEntropyWithLogits", loss, options.weight);
    loss = mul(loss, options.weight);
  }
  return reduce("binaryCrossEntropyWithLogits", loss, options.reduction ?? "mean");
}

/** Options of `klDiv`. */
export interface KLDivOptions {
  /** "batchmean" (sum / batch size) is the true KL divergence; "mean" averages every element. */
  reduction?: Reduction | "batchmean";
  /** Whether `target` holds log-probabilities. */
  logTarget?: boolean;
}

/**
 * KL divergence with log-probabilities `input`: `target (log target - input)` pointwise (0 where
 * target is 0). Example: `F.klDiv(F.logSoftmax(z, 1), p, { reduction: "batchmean" })`.
 */
export function klDiv(input: Tensor, target: Tensor, options: KLDivOptions = {}): Tensor {
  options = checkOptions("klDiv", options, ["reduction", "logTarget"]);
  checkPair("klDiv", input, target);
  const loss = options.logTarget
    ? mul(exp(target), sub(target, input))
    : sub(mul(target, log(where(eq(target, 0), 1, target))), mul(target, input));
  const reduction = options.reduction ?? "mean";
  if (reduction === "batchmean")
    return input.ndim === 0 ? sum(loss) : div(sum(loss), input.shape[0]);
  return reduce("klDiv", loss, reduction);
}
