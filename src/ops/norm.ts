// Normalisation layers' functional forms. Batch norm is a primitive over the backend's batch-norm
// kernels (training and eval); layer and group norm normalise rows with the same kernels (a
// [rows, D] array is a batch-norm input with N = 1 and one "channel" per row) and add the affine
// part with broadcasting ops. Backward rules use the fused kernel unless a graph of the backward is
// being built, when they are written with differentiable ops.
import { apply, definePrimitive } from "../autograd/function.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { getBackend } from "../backend/index.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { add, clamp, div, mul, rsqrt, sub } from "./elementwise.js";
import { add_, mul_ } from "./inplace.js";
import { mean, sum } from "./reduce.js";
import { reshape } from "./shape.js";
import { dense, uninitialized } from "./util.js";

type TypedOrNull = Tensor["storage"]["data"] | null;

/** Statistics a training-mode batch norm hands back to its caller (for the running averages). */
interface BatchStats {
  mean?: Tensor;
  invStd?: Tensor;
}

interface BnAttrs {
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  /** Filled by the forward: an out-parameter, since a primitive returns one tensor. */
  stats: BatchStats;
}

// [N, C, HW] sizes of an [N, C, *] input.
function nchw(x: Tensor): [number, number, number] {
  const HW = x.shape.slice(2).reduce((a, b) => a * b, 1);
  return [x.shape[0], x.shape[1], HW];
}

// The reduced dims of batch norm (all but the channel dim) and a [1, C, 1, ...] shape.
function channelDims(x: Tensor): [number[], number[]] {
  const dims = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const shape = x.shape.map((s, i) => (i === 1 ? s : 1));
  return [dims, shape];
}

function pick(inputs: readonly Tensor[], a: BnAttrs): [Tensor, Tensor | null, Tensor | null] {
  const w = a.hasWeight ? inputs[1] : null;
  const b = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
  return [inputs[0], w, b];
}

// Places gradients for (x, weight?, bias?) in the order the inputs were given.
function gradList(a: BnAttrs, gx: Tensor | null, gw: Tensor | null, gb: Tensor | null) {
  const out = [gx];
  if (a.hasWeight) out.push(gw);
  if (a.hasBias) out.push(gb);
  return out;
}

const BatchNormTrain = definePrimitive<BnAttrs>({
  name: "NativeBatchNorm",
  forward(ctx, inputs, attrs) {
    const [x, w, b] = pick(inputs, attrs);
    const [N, C, HW] = nchw(x);
    const xd = dense(x);
    const out = uninitialized(x.shape, x.dtype);
    const saveMean = uninitialized([C], x.dtype);
    const saveInvStd = uninitialized([C], x.dtype);
    getBackend().batchNormForwardTrain(
      xd.storage.data,
      w === null ? null : dense(w).storage.data,
      b === null ? null : dense(b).storage.data,
      out.storage.data,
      saveMean.storage.data,
      saveInvStd.storage.data,
      N,
      C,
      HW,
      attrs.eps,
    );
    attrs.stats.mean = saveMean;
    attrs.stats.invStd = saveInvStd;
    ctx.extra.mean = saveMean;
    ctx.extra.invStd = saveInvStd;
    ctx.save(xd, ...(w === null ? [] : [w]));
    return out;
  },
  // xhat = (x - mean) invStd, M = N*HW:
  // db = sum(g), dw = sum(g xhat), dx = w invStd (g - db/M - xhat dw/M).
  backward: (g, ctx, attrs, needs) => {
    const [x, w = null] = ctx.saved("native_batch_norm");
    if (!isGradEnabled()) {
      const [N, C, HW] = nchw(x);
      const alloc = (need: boolean, shape: number[]) =>
        need ? uninitialized(shape, x.dtype) : null;
      const gx = alloc(needs[0], x.shape.slice());
      const gw = alloc(attrs.hasWeight && needs[1], [C]);
      const gb = alloc(attrs.hasBias && needs[attrs.hasWeight ? 2 : 1], [C]);
      const data = (t: Tensor | null): TypedOrNull => (t === null ? null : t.storage.data);
      getBackend().batchNormBackward(
        dense(g).storage.data,
        x.storage.data,
        data(w === null ? null : dense(w)),
        (ctx.extra.mean as Tensor).storage.data,
        (ctx.extra.invStd as Tensor).storage.data,
        data(gx),
        data(gw),
        data(gb),
        N,
        C,
        HW,
      );
      return gradList(attrs, gx, gw, gb);
    }
    const [dims, cshape] = channelDims(x);
    const count = dims.reduce((p, d) => p * x.shape[d], 1);
    const centred = sub(x, mean(x, dims, true));
    const invStd = rsqrt(add(mean(mul(centred, centred), dims, true), attrs.eps));
    const xhat = mul(centred, invStd);
    const gb = sum(g, dims, true);
    const gw = sum(mul(g, xhat), dims, true);
    const scale = w === null ? invStd : mul(reshape(w, cshape), invStd);
    const gx = mul(scale, sub(sub(g, div(gb, count)), mul(xhat, div(gw, count))));
    return gradList(attrs, gx, reshape(gw, [-1]), reshape(gb, [-1]));
  },
});

interface BnEvalAttrs {
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  runningMean: Tensor;
  runningVar: Tensor;
}

const BatchNormEval = definePrimitive<BnEvalAttrs>({
  name: "NativeBatchNormEval",
  forward(ctx, inputs, attrs) {
    const [x, w, b] = pick(inputs, { ...attrs, stats: {} });
    const [N, C, HW] = nchw(x);
    const out = uninitialized(x.shape, x.dtype);
    getBackend().batchNormForwardEval(
      dense(x).storage.data,
      w === null ? null : dense(w).storage.data,
      b === null ? null : dense(b).storage.data,
      dense(attrs.runningMean).storage.data,
      dense(attrs.runningVar).storage.data,
      out.storage.data,
      N,
      C,
      HW,
      attrs.eps,
    );
    ctx.save(x, ...(w === null ? [] : [w]));
    return out;
  },
  // An affine map per channel: dx = g w / sqrt(var + eps), dw = sum(g xhat), db = sum(g).
  backward: (g, ctx, attrs, needs) => {
    const [x, w = null] = ctx.saved("native_batch_norm_eval");
    const [dims, cshape] = channelDims(x);
    const invStd = reshape(rsqrt(add(attrs.runningVar, attrs.eps)), cshape);
    const bn = { ...attrs, stats: {} };
    const gx = needs[0] ? mul(g, w === null ? invStd : mul(reshape(w, cshape), invStd)) : null;
    const gw =
      attrs.hasWeight && needs[1]
        ? sum(mul(g, mul(sub(x, reshape(attrs.runningMean, cshape)), invStd)), dims)
        : null;
    const gb = attrs.hasBias && needs[attrs.hasWeight ? 2 : 1] ? sum(g, dims) : null;
    return gradList(bn, gx, gw, gb);
  },
});

function checkChannelParam(
  op: string,
  name: string,
  t: Tensor | null | undefined,
  C: number,
  x: Tensor,
) {
  if (t == null) return;
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor or null`);
  if (t.numel() !== C) {
    throw new Error(
      `${op}: ${name} of shape ${fmtShape(t.shape)} must have ${C} elements for input ${fmtShape(x.shape)}`,
    );
  }
}

function sameDType(t: Tensor | null | undefined, x: Tensor): Tensor | null {
  if (t == null) return null;
  return t.dtype === x.dtype ? reshape(t, [-1]) : reshape(cast(t, x.dtype), [-1]);
}

/**
 * Batch normalisation of `x[N, C, *]` per channel, as `F.batch_norm`. In training it normalises
 * with the batch's biased variance and, when running statistics are given, updates them in place:
 * `running = (1 - momentum) running + momentum batch` (with the unbiased variance). In eval mode it
 * uses the running statistics. Example: `nb.batchNorm(x, rm, rv, w, b, true, 0.1, 1e-5)`.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("batchNorm: input must be a Tensor");
  if (x.ndim < 2)
    throw new Error(
      `batchNorm: expected an input of at least 2 dims [N, C, *], got ${fmtShape(x.shape)}`,
    );
  if (!isFloating(x.dtype))
    throw new TypeError(`batchNorm: expected a floating-point input, got ${x.dtype}`);
  const [N, C, HW] = nchw(x);
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
    ["runningMean", runningMean],
    ["runningVar", runningVar],
  ] as const)
    checkChannelParam("batchNorm", name, t, C, x);
  const w = sameDType(weight, x);
  const b = sameDType(bias, x);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  if (!training) {
    if (runningMean == null || runningVar == null) {
      throw new Error("batchNorm: runningMean and runningVar must be given in evaluation mode");
    }
    return apply(BatchNormEval, inputs, {
      eps,
      hasWeight: w !== null,
      hasBias: b !== null,
      runningMean: sameDType(runningMean, x)!,
      runningVar: sameDType(runningVar, x)!,
    });
  }
  const count = N * HW;
  if (count <= 1) {
    throw new Error(
      `batchNorm: expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`,
    );
  }
  const stats: BatchStats = {};
  const out = apply(BatchNormTrain, inputs, {
    eps,
    hasWeight: w !== null,
    hasBias: b !== null,
    stats,
  });
  noGrad(() => {
    if (runningMean != null) {
      mul_(runningMean, 1 - momentum);
      add_(runningMean, reshape(stats.mean!, runningMean.shape), momentum);
    }
    if (runningVar != null) {
      // The kernel keeps 1/sqrt(var + eps); the error of recovering var is relative to var + eps.
      const invStd = stats.invStd!;
      const biased = clamp(sub(div(1, mul(invStd, invStd)), eps), 0);
      mul_(runningVar, 1 - momentum);
      add_(runningVar, reshape(mul(biased, count / (count - 1)), runningVar.shape), momentum);
    }
  });
  return out;
}

// ---------------------------------------------------------------- row normalisation

const NormalizeRows = definePrimitive<{ eps: number }>({
  name: "NativeLayerNorm",
  forward(ctx, [x], { eps }) {
    const [R, D] = x.shape;
    const xd = dense(x);
    const out = uninitialized(x.shape, x.dtype);
    const m = uninitialized([R], x.dtype);
    const invStd = uninitialized([R], x.dtype);
    getBackend().batchNormForwardTrain(
      xd.storage.data,
      null,
      null,
      out.storage.data,
      m.storage.data,
      invStd.storage.data,
      1,
      R,
      D,
      eps,
    );
    ctx.extra.mean = m;
    ctx.extra.invStd = invStd;
    ctx.save(xd);
    return out;
  },
  // The batch-norm rule along rows: dx = invStd (g - mean(g) - xhat mean(g xhat)).
  backward: (g, ctx, { eps }) => {
    const [x] = ctx.saved("native_layer_norm");
    const [R, D] = x.shape;
    if (!isGradEnabled()) {
      const gx = uninitialized(x.shape, x.dtype);
      getBackend().batchNormBackward(
        dense(g).storage.data,
        x.storage.data,
        null,
        (ctx.extra.mean as Tensor).storage.data,
        (ctx.extra.invStd as Tensor).storage.data,
        gx.storage.data,
        null,
        null,
        1,
        R,
        D,
      );
      return [gx];
    }
    const centred = sub(x, mean(x, 1, true));
    const invStd = rsqrt(add(mean(mul(centred, centred), 1, true), eps));
    const xhat = mul(centred, invStd);
    return [mul(invStd, sub(sub(g, mean(g, 1, true)), mul(xhat, mean(mul(g, xhat), 1, true))))];
  },
});

function normalizeRows(x: Tensor, rows: number, eps: number): Tensor {
  return apply(NormalizeRows, [reshape(x, [rows, -1])], { eps });
}

function affine(
  y: Tensor,
  weight: Tensor | null | undefined,
  bias: Tensor | null | undefined,
): Tensor {
  let out = y;
  if (weight != null) out = mul(out, weight.dtype === y.dtype ? weight : cast(weight, y.dtype));
  if (bias != null) out = add(out, bias.dtype === y.dtype ? bias : cast(bias, y.dtype));
  return out;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims (biased variance), then
 * `* weight + bias`. Example: `nb.layerNorm(x, [512], w, b)`.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("layerNorm: input must be a Tensor");
  if (!isFloating(x.dtype))
    throw new TypeError(`layerNorm: expected a floating-point input, got ${x.dtype}`);
  const norm = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.ndim - norm.length);
  if (norm.length > x.ndim || norm.some((s, i) => s !== tail[i])) {
    throw new Error(
      `layerNorm: input ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(norm)}`,
    );
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t != null && (t.ndim !== norm.length || t.shape.some((s, i) => s !== norm[i]))) {
      throw new Error(
        `layerNorm: ${name} of shape ${fmtShape(t.shape)} must have shape ${fmtShape(norm)}`,
      );
    }
  }
  const D = norm.reduce((a, b) => a * b, 1);
  const rows = x.numel() / Math.max(D, 1);
  return affine(reshape(normalizeRows(x, rows, eps), x.shape), weight, bias);
}

/**
 * Group normalisation of `x[N, C, *]`: channels split into `numGroups` groups, each normalised over
 * its channels and positions, then a per-channel `* weight + bias`. Example: `nb.groupNorm(x, 2, w, b)`.
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("groupNorm: input must be a Tensor");
  if (!isFloating(x.dtype))
    throw new TypeError(`groupNorm: expected a floating-point input, got ${x.dtype}`);
  if (x.ndim < 2)
    throw new Error(
      `groupNorm: expected an input of at least 2 dims [N, C, *], got ${fmtShape(x.shape)}`,
    );
  const C = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new Error(
      `groupNorm: ${C} channels (input ${fmtShape(x.shape)}) are not divisible into ${numGroups} groups`,
    );
  }
  checkChannelParam("groupNorm", "weight", weight, C, x);
  checkChannelParam("groupNorm", "bias", bias, C, x);
  const y = reshape(normalizeRows(x, x.shape[0] * numGroups, eps), x.shape);
  const cshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  return affine(
    y,
    weight == null ? null : reshape(weight, cshape),
    bias == null ? null : reshape(bias, cshape),
  );
}
