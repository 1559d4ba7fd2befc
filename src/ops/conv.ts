// Convolutions (NCHW). Three primitives carry everything: the forward convolution, its input
// gradient (which is also the transposed convolution) and its weight gradient. Each one's backward
// is written with the three, so convolutions differentiate twice.
import { apply, definePrimitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import type { ConvDims } from "../backend/backend.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { add } from "./elementwise.js";
import { sum } from "./reduce.js";
import { pad as constantPad, reshape, squeeze, unsqueeze } from "./shape.js";
import { isOptionsObject, type TrailingArgs, trailingOptions } from "./options.js";
import { dense, uninitialized } from "./util.js";

/** An int for both spatial dims, or a `[h, w]` pair. */
export type Size2 = number | readonly [number, number] | readonly number[];

/** Conv padding: symmetric amounts, or PyTorch's `'same'` and `'valid'`. */
export type ConvPadding = Size2 | "same" | "valid";

/** Geometry of one 2-D convolution: what the three primitives share. */
interface ConvGeom {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** A pair from an int or a 1- or 2-element list. Example: `pair("conv2d", "stride", 2)` is `[2, 2]`. */
export function pair(op: string, name: string, v: Size2): [number, number] {
  const p: number[] = typeof v === "number" ? [v, v] : v.length === 1 ? [v[0], v[0]] : [...v];
  if (p.length !== 2 || p.some((x) => !Number.isInteger(x))) {
    throw new Error(`${op}: ${name} must be an int or a pair of ints, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** Output length of a sliding window: `floor((in + 2p - d(k-1) - 1) / s) + 1`. Example: `convOutSize(28, 5, 1, 2, 1)` is 28. */
export function convOutSize(input: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((input + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function dimsOf(x: readonly number[], w: readonly number[], g: ConvGeom, out: readonly number[]) {
  const [N, C, H, W] = x;
  const [OC, , KH, KW] = w;
  const dims: ConvDims = [
    N,
    C,
    H,
    W,
    OC,
    KH,
    KW,
    g.stride[0],
    g.stride[1],
    g.padding[0],
    g.padding[1],
    g.dilation[0],
    g.dilation[1],
    g.groups,
    out[2],
    out[3],
  ];
  return dims;
}

const Conv2d = definePrimitive<ConvGeom>({
  name: "Convolution",
  forward(ctx, [x, w, bias], geom) {
    const [N, , H, W] = x.shape;
    const [OC, , KH, KW] = w.shape;
    const OH = convOutSize(H, KH, geom.stride[0], geom.padding[0], geom.dilation[0]);
    const OW = convOutSize(W, KW, geom.stride[1], geom.padding[1], geom.dilation[1]);
    const out = uninitialized([N, OC, OH, OW], x.dtype);
    const xd = dense(x);
    const wd = dense(w);
    getBackend().conv2dForward(
      xd.storage.data,
      wd.storage.data,
      bias === undefined ? null : dense(bias).storage.data,
      out.storage.data,
      ...dimsOf(x.shape, w.shape, geom, out.shape),
    );
    ctx.save(x, w);
    return out;
  },
  // y = conv(x, w) + b is bilinear in (x, w): dx = conv^T(g, w), dw = gradW(x, g), db = sum(g).
  backward: (g, ctx, geom, needs) => {
    const [x, w] = ctx.saved("convolution");
    const grads = [
      needs[0] ? convBackwardData(g, w, x.shape, geom) : null,
      needs[1] ? convBackwardWeight(x, g, w.shape, geom) : null,
    ];
    if (needs.length > 2) grads.push(needs[2] ? sum(g, [0, 2, 3]) : null);
    return grads;
  },
});

type DataAttrs = ConvGeom & { inputShape: readonly number[] };

const ConvBackwardData = definePrimitive<DataAttrs>({
  name: "ConvolutionBackwardData",
  forward(ctx, [g, w], attrs) {
    const gradX = uninitialized(attrs.inputShape, g.dtype);
    getBackend().conv2dBackwardData(
      dense(g).storage.data,
      dense(w).storage.data,
      gradX.storage.data,
      ...dimsOf(attrs.inputShape, w.shape, attrs, g.shape),
    );
    ctx.save(g, w);
    return gradX;
  },
  // <gg, conv^T(g, w)> = <conv(gg, w), g>: so dg = conv(gg, w) and dw = gradW(gg, g).
  backward: (gg, ctx, attrs, needs) => {
    const [g, w] = ctx.saved("convolution_backward_data");
    return [
      needs[0] ? conv2dRaw(gg, w, undefined, attrs) : null,
      needs[1] ? convBackwardWeight(gg, g, w.shape, attrs) : null,
    ];
  },
});

type WeightAttrs = ConvGeom & { weightShape: readonly number[] };

const ConvBackwardWeight = definePrimitive<WeightAttrs>({
  name: "ConvolutionBackwardWeight",
  forward(ctx, [x, g], attrs) {
    const gradW = uninitialized(attrs.weightShape, x.dtype);
    getBackend().conv2dBackwardWeight(
      dense(g).storage.data,
      dense(x).storage.data,
      gradW.storage.data,
      null,
      ...dimsOf(x.shape, attrs.weightShape, attrs, g.shape),
    );
    ctx.save(x, g);
    return gradW;
  },
  // <gw, gradW(x, g)> = <conv(x, gw), g>: so dx = conv^T(g, gw) and dg = conv(x, gw).
  backward: (gw, ctx, attrs, needs) => {
    const [x, g] = ctx.saved("convolution_backward_weight");
    return [
      needs[0] ? convBackwardData(g, gw, x.shape, attrs) : null,
      needs[1] ? conv2dRaw(x, gw, undefined, attrs) : null,
    ];
  },
});

function conv2dRaw(x: Tensor, w: Tensor, bias: Tensor | undefined, geom: ConvGeom): Tensor {
  return apply(Conv2d, bias === undefined ? [x, w] : [x, w, bias], geom);
}

function convBackwardData(
  g: Tensor,
  w: Tensor,
  inputShape: readonly number[],
  geom: ConvGeom,
): Tensor {
  return apply(ConvBackwardData, [g, w], { ...geom, inputShape: inputShape.slice() });
}

function convBackwardWeight(
  x: Tensor,
  g: Tensor,
  weightShape: readonly number[],
  geom: ConvGeom,
): Tensor {
  return apply(ConvBackwardWeight, [x, g], { ...geom, weightShape: weightShape.slice() });
}

// ---------------------------------------------------------------- validation

function checkTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor`);
}

/** Brings x, weight and bias to one floating dtype, as the kernels require. */
function floatOperands(
  op: string,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null | undefined,
): [Tensor, Tensor, Tensor | undefined] {
  checkTensor(op, "input", x);
  checkTensor(op, "weight", w);
  if (bias != null) checkTensor(op, "bias", bias);
  const dtype = isFloating(x.dtype) ? x.dtype : "float32";
  if (isFloating(w.dtype) && w.dtype !== dtype) {
    throw new TypeError(
      `${op}: input (${x.dtype}) and weight (${w.dtype}) must have the same dtype`,
    );
  }
  const to = (t: Tensor) => (t.dtype === dtype ? t : cast(t, dtype));
  return [to(x), to(w), bias == null ? undefined : to(bias)];
}

function checkConv(
  op: string,
  x: Tensor,
  w: Tensor,
  bias: Tensor | undefined,
  geom: ConvGeom,
  transposed: boolean,
): void {
  const { groups } = geom;
  if (x.ndim !== 4)
    throw new Error(`${op}: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (w.ndim !== 4) throw new Error(`${op}: expected a 4-D weight, got ${fmtShape(w.shape)}`);
  if (!Number.isInteger(groups) || groups < 1)
    throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  for (const [name, v, min] of [
    ["stride", geom.stride, 1],
    ["dilation", geom.dilation, 1],
    ["padding", geom.padding, 0],
  ] as const) {
    if (v[0] < min || v[1] < min) throw new Error(`${op}: ${name} must be >= ${min}, got [${v}]`);
  }
  const C = x.shape[1];
  // conv: weight [OC, C/groups, KH, KW]; transposed: weight [C, OC/groups, KH, KW].
  const inPerGroup = transposed ? w.shape[0] : w.shape[1] * groups;
  const outChannels = transposed ? w.shape[1] * groups : w.shape[0];
  if (C !== inPerGroup) {
    throw new Error(
      `${op}: input ${fmtShape(x.shape)} has ${C} channels but weight ${fmtShape(w.shape)} with groups=${groups} expects ${inPerGroup}`,
    );
  }
  if (C % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${op}: channels (in ${C}, out ${outChannels}) must be divisible by groups=${groups}`,
    );
  }
  if (bias !== undefined && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(
      `${op}: bias ${fmtShape(bias.shape)} must have shape [${outChannels}] for weight ${fmtShape(w.shape)}`,
    );
  }
}

// ---------------------------------------------------------------- public ops

/** Options of `conv2d` (PyTorch's keyword arguments). */
export interface Conv2dOptions {
  stride?: Size2;
  padding?: ConvPadding;
  dilation?: Size2;
  groups?: number;
}

// F.conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1): the arguments
// after the weight, positional or as options (which may also take the bias's place).
function convArgs<T extends object>(
  op: string,
  names: readonly (keyof T & string)[],
  args: readonly unknown[],
): [Tensor | null | undefined, T] {
  const [bias, ...rest] = args;
  if (isOptionsObject(bias)) return [undefined, trailingOptions<T>(op, names, args)];
  if (bias != null && !(bias instanceof Tensor))
    throw new TypeError(`${op}: bias must be a Tensor or null, got ${typeof bias}`);
  return [bias as Tensor | null | undefined, trailingOptions<T>(op, names, rest)];
}

const CONV_ARGS = ["stride", "padding", "dilation", "groups"] as const;

/**
 * 2-D convolution (cross-correlation, as PyTorch) of `x[N, C, H, W]` with `weight[OC, C/groups, KH, KW]`.
 * `padding: 'same'` pads so the output size equals the input's (stride 1 only; an odd total goes
 * on the right/bottom, as PyTorch does). The arguments after the bias are PyTorch's, positional
 * or as options. Example: `nb.conv2d(x, w, b, { padding: 1 })`, `F.conv2d(x, w, b, 1, 1)`.
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  ...args:
    | [options: Conv2dOptions]
    | TrailingArgs<
        [
          bias: Tensor | null | undefined,
          stride: Size2 | undefined,
          padding: ConvPadding | undefined,
          dilation: Size2 | undefined,
          groups: number | undefined,
        ],
        Conv2dOptions
      >
): Tensor {
  const [bias, opts] = convArgs<Conv2dOptions>("conv2d", CONV_ARGS, args);
  return conv2dWith(x, weight, bias, opts);
}

function conv2dWith(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: Conv2dOptions,
): Tensor {
  const [xf, wf, bf] = floatOperands("conv2d", x, weight, bias);
  const stride = pair("conv2d", "stride", opts.stride ?? 1);
  const dilation = pair("conv2d", "dilation", opts.dilation ?? 1);
  const groups = opts.groups ?? 1;
  let input = xf;
  let padding: [number, number];
  const p = opts.padding ?? 0;
  if (p === "valid") padding = [0, 0];
  else if (p === "same") {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new Error(
        `conv2d: padding='same' is not supported for strided convolutions (stride [${stride}])`,
      );
    }
    if (wf.ndim !== 4) throw new Error(`conv2d: expected a 4-D weight, got ${fmtShape(wf.shape)}`);
    // The total padding d(k-1) per dim; an odd total puts the extra cell after, as PyTorch.
    const totalH = dilation[0] * (wf.shape[2] - 1);
    const totalW = dilation[1] * (wf.shape[3] - 1);
    padding = [Math.floor(totalH / 2), Math.floor(totalW / 2)];
    if (totalH % 2 !== 0 || totalW % 2 !== 0) {
      if (xf.ndim !== 4)
        throw new Error(`conv2d: expected a 4-D input [N, C, H, W], got ${fmtShape(xf.shape)}`);
      input = constantPad(xf, [0, totalW % 2, 0, totalH % 2]);
    }
  } else padding = pair("conv2d", "padding", p);
  const geom: ConvGeom = { stride, padding, dilation, groups };
  checkConv("conv2d", input, wf, bf, geom, false);
  const [, , H, W] = input.shape;
  const [, , KH, KW] = wf.shape;
  const effH = H + 2 * padding[0];
  const effW = W + 2 * padding[1];
  if (effH < dilation[0] * (KH - 1) + 1 || effW < dilation[1] * (KW - 1) + 1) {
    throw new Error(
      `conv2d: the padded input ${effH}x${effW} (input ${fmtShape(input.shape)}) is smaller than the dilated kernel ${dilation[0] * (KH - 1) + 1}x${dilation[1] * (KW - 1) + 1} (weight ${fmtShape(wf.shape)})`,
    );
  }
  return conv2dRaw(input, wf, bf, geom);
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
  groups?: number;
}

/**
 * 1-D convolution of `x[N, C, L]` with `weight[OC, C/groups, K]`, computed as a 2-D one of height 1.
 * The arguments after the bias are PyTorch's, positional or as options.
 * Example: `nb.conv1d(x, w, null, { padding: "same" })`, `F.conv1d(x, w, null, 2)`.
 */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  ...args:
    | [options: Conv1dOptions]
    | TrailingArgs<
        [
          bias: Tensor | null | undefined,
          stride: number | undefined,
          padding: number | "same" | "valid" | undefined,
          dilation: number | undefined,
          groups: number | undefined,
        ],
        Conv1dOptions
      >
): Tensor {
  const [bias, opts] = convArgs<Conv1dOptions>("conv1d", CONV_ARGS, args);
  checkTensor("conv1d", "input", x);
  checkTensor("conv1d", "weight", weight);
  if (x.ndim !== 3)
    throw new Error(`conv1d: expected a 3-D input [N, C, L], got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 3)
    throw new Error(
      `conv1d: expected a 3-D weight [OC, C/groups, K], got ${fmtShape(weight.shape)}`,
    );
  const p = opts.padding ?? 0;
  const out = conv2dWith(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {
    stride: [1, opts.stride ?? 1],
    padding: typeof p === "number" ? [0, p] : p,
    dilation: [1, opts.dilation ?? 1],
    groups: opts.groups ?? 1,
  });
  return squeeze(out, 2);
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: Size2;
  padding?: Size2;
  outputPadding?: Size2;
  groups?: number;
  dilation?: Size2;
}

/**
 * Transposed 2-D convolution (the gradient of `conv2d` with respect to its input) of `x[N, C, H, W]`
 * with `weight[C, OC/groups, KH, KW]`. Output size: `(H-1)s - 2p + d(k-1) + outputPadding + 1`.
 * The arguments after the bias are PyTorch's (stride, padding, outputPadding, groups, dilation),
 * positional or as options. Example: `nb.convTranspose2d(x, w, null, { stride: 2, padding: 1 })`.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  ...args:
    | [options: ConvTranspose2dOptions]
    | TrailingArgs<
        [
          bias: Tensor | null | undefined,
          stride: Size2 | undefined,
          padding: Size2 | undefined,
          outputPadding: Size2 | undefined,
          groups: number | undefined,
          dilation: Size2 | undefined,
        ],
        ConvTranspose2dOptions
      >
): Tensor {
  const [bias, opts] = convArgs<ConvTranspose2dOptions>(
    "convTranspose2d",
    ["stride", "padding", "outputPadding", "groups", "dilation"],
    args,
  );
  const [xf, wf, bf] = floatOperands("convTranspose2d", x, weight, bias);
  const stride = pair("convTranspose2d", "stride", opts.stride ?? 1);
  const padding = pair("convTranspose2d", "padding", opts.padding ?? 0);
  const dilation = pair("convTranspose2d", "dilation", opts.dilation ?? 1);
  const outputPadding = pair("convTranspose2d", "outputPadding", opts.outputPadding ?? 0);
  const groups = opts.groups ?? 1;
  const geom: ConvGeom = { stride, padding, dilation, groups };
  checkConv("convTranspose2d", xf, wf, bf, geom, true);
  for (let i = 0; i < 2; i++) {
    if (
      outputPadding[i] < 0 ||
      (outputPadding[i] >= stride[i] && outputPadding[i] >= dilation[i])
    ) {
      throw new Error(
        `convTranspose2d: outputPadding [${outputPadding}] must be smaller than either stride [${stride}] or dilation [${dilation}]`,
      );
    }
  }
  const [N, , H, W] = xf.shape;
  const [, OCg, KH, KW] = wf.shape;
  const OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (KH - 1) + outputPadding[0] + 1;
  const OW = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (KW - 1) + outputPadding[1] + 1;
  if (OH <= 0 || OW <= 0) {
    throw new Error(
      `convTranspose2d: the output size ${OH}x${OW} is not positive for input ${fmtShape(xf.shape)} and weight ${fmtShape(wf.shape)}`,
    );
  }
  // The input plays the role of a convolution's output gradient; the output is the conv's input.
  const out = convBackwardData(xf, wf, [N, OCg * groups, OH, OW], geom);
  return bf === undefined ? out : add(out, reshape(bf, [1, -1, 1, 1]));
}
