// Pooling (NCHW). Max and average pooling are primitives over backend kernels; their backward
// passes are primitives too, whose own backward rules (a gather, an average pool) make pooling
// differentiable twice. Adaptive pooling (adaptive-pool.ts) is composed from them or from matmuls.
import { apply, definePrimitive, type Primitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { pair, type Size2 } from "./conv.js";
import { gather } from "./indexing.js";
import { reshape, squeeze, unsqueeze } from "./shape.js";
import { type TrailingArgs, trailingOptions } from "./options.js";
import { dense, uninitialized } from "./util.js";

/** Window geometry shared by the pooling primitives (kernel, stride, padding, dilation, output). */
interface PoolGeom {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  out: [number, number];
}

/**
 * Output length of a pooling window, as PyTorch: with `ceilMode` the last window may start past
 * the input's end, but never in the right padding alone. Example: `poolOutSize(4, 3, 2, 0, 1, true)` is 2.
 */
export function poolOutSize(
  input: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceilMode: boolean,
): number {
  const span = input + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
  let out = Math.floor(span / s) + 1;
  if (ceilMode && (out - 1) * s >= input + p) out--;
  return out;
}

// ---------------------------------------------------------------- max pool

type MaxAttrs = PoolGeom;
type MaxBackwardAttrs = { indices: Tensor; inputShape: readonly number[] };

const MaxPool2d = definePrimitive<MaxAttrs>({
  name: "MaxPool2DWithIndices",
  forward(ctx, [x], g) {
    const [N, C, H, W] = x.shape;
    const out = uninitialized([N, C, g.out[0], g.out[1]], x.dtype);
    const indices = uninitialized(out.shape, "int32");
    getBackend().maxPool2dForward(
      dense(x).storage.data,
      out.storage.data,
      indices.storage.data as Int32Array,
      N,
      C,
      H,
      W,
      g.kernel[0],
      g.kernel[1],
      g.stride[0],
      g.stride[1],
      g.padding[0],
      g.padding[1],
      g.dilation[0],
      g.dilation[1],
      g.out[0],
      g.out[1],
    );
    ctx.extra.indices = indices;
    ctx.extra.inputShape = x.shape;
    return out;
  },
  backward: (g, ctx) => [
    maxPoolBackward(g, ctx.extra.indices as Tensor, ctx.extra.inputShape as number[]),
  ],
});

const MaxPool2dBackward = definePrimitive<MaxBackwardAttrs>({
  name: "MaxPool2DWithIndicesBackward",
  forward(_ctx, [g], { indices, inputShape }) {
    const [N, C, H, W] = inputShape;
    const gradX = uninitialized(inputShape, g.dtype);
    getBackend().maxPool2dBackward(
      dense(g).storage.data,
      indices.storage.data as Int32Array,
      gradX.storage.data,
      N,
      C,
      H,
      W,
      g.shape[2],
      g.shape[3],
    );
    return gradX;
  },
  // The backward scatters g to the argmax positions; its adjoint gathers from them.
  backward: (gg, _ctx, { indices }) => {
    const [N, C, OH, OW] = indices.shape;
    const flat = reshape(gg, [N, C, -1]);
    return [reshape(gather(flat, 2, reshape(indices, [N, C, OH * OW])), indices.shape)];
  },
});

function maxPoolBackward(g: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
  return apply(MaxPool2dBackward, [g], { indices, inputShape });
}

// ---------------------------------------------------------------- average pool

type AvgAttrs = PoolGeom & { countIncludePad: boolean };

function avgDims(x: readonly number[], g: AvgAttrs) {
  const [N, C, H, W] = x;
  return [
    N,
    C,
    H,
    W,
    g.kernel[0],
    g.kernel[1],
    g.stride[0],
    g.stride[1],
    g.padding[0],
    g.padding[1],
    g.out[0],
    g.out[1],
    g.countIncludePad,
  ] as const;
}

const AvgPool2d: Primitive<AvgAttrs> = definePrimitive<AvgAttrs>({
  name: "AvgPool2D",
  forward(ctx, [x], g) {
    const [N, C] = x.shape;
    const out = uninitialized([N, C, g.out[0], g.out[1]], x.dtype);
    getBackend().avgPool2dForward(dense(x).storage.data, out.storage.data, ...avgDims(x.shape, g));
    ctx.extra.inputShape = x.shape;
    return out;
  },
  backward: (g, ctx, attrs) => [
    apply(AvgPool2dBackward, [g], { ...attrs, inputShape: ctx.extra.inputShape as number[] }),
  ],
});

const AvgPool2dBackward: Primitive<AvgAttrs & { inputShape: readonly number[] }> = definePrimitive<
  AvgAttrs & { inputShape: readonly number[] }
>({
  name: "AvgPool2DBackward",
  forward(_ctx, [g], attrs) {
    const gradX = uninitialized(attrs.inputShape, g.dtype);
    getBackend().avgPool2dBackward(
      dense(g).storage.data,
      gradX.storage.data,
      ...avgDims(attrs.inputShape, attrs),
    );
    return gradX;
  },
  // Average pooling is linear, so the adjoint of its backward is the pooling itself.
  backward: (gg, _ctx, attrs) => [apply(AvgPool2d, [gg], attrs)],
});

// ---------------------------------------------------------------- public ops

/** Options of `maxPool2d` and `avgPool2d` (PyTorch's keyword arguments). */
export interface Pool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Size2 | null;
  padding?: Size2;
  /** Max pooling only. */
  dilation?: Size2;
  ceilMode?: boolean;
  /** Average pooling only: whether zero padding counts in the divisor (default true). */
  countIncludePad?: boolean;
}

/** The input as `[N, C, H, W]`, and whether it was unbatched `[C, H, W]`. */
export function poolInput(op: string, x: Tensor): [Tensor, boolean] {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (!isFloating(x.dtype)) {
    throw new TypeError(`${op}: expected a floating-point input, got ${x.dtype}`);
  }
  if (x.ndim === 3) return [unsqueeze(x, 0), true];
  if (x.ndim !== 4) {
    throw new Error(
      `${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`,
    );
  }
  return [x, false];
}

function poolGeom(op: string, x: Tensor, kernelSize: Size2, opts: Pool2dOptions): PoolGeom {
  const kernel = pair(op, "kernelSize", kernelSize);
  const stride = pair(op, "stride", opts.stride ?? kernel);
  const padding = pair(op, "padding", opts.padding ?? 0);
  const dilation = pair(op, "dilation", opts.dilation ?? 1);
  const ceilMode = opts.ceilMode ?? false;
  if ([...kernel, ...stride, ...dilation].some((v) => v < 1)) {
    throw new Error(
      `${op}: kernel [${kernel}], stride [${stride}] and dilation [${dilation}] must be positive`,
    );
  }
  if (
    padding[0] < 0 ||
    padding[1] < 0 ||
    2 * padding[0] > kernel[0] ||
    2 * padding[1] > kernel[1]
  ) {
    throw new Error(
      `${op}: padding [${padding}] should be non-negative and at most half of the kernel size [${kernel}]`,
    );
  }
  const [, , H, W] = x.shape;
  const out: [number, number] = [
    poolOutSize(H, kernel[0], stride[0], padding[0], dilation[0], ceilMode),
    poolOutSize(W, kernel[1], stride[1], padding[1], dilation[1], ceilMode),
  ];
  if (out[0] < 1 || out[1] < 1) {
    throw new Error(
      `${op}: input ${fmtShape(x.shape)} is too small for kernel [${kernel}] with padding [${padding}] and dilation [${dilation}] (output ${out[0]}x${out[1]})`,
    );
  }
  return { kernel, stride, padding, dilation, out };
}

// PyTorch's positional order after the kernel size, for F.max_pool2d and F.avg_pool2d.
const MAX_POOL_ARGS = ["stride", "padding", "dilation", "ceilMode", "returnIndices"] as const;
const AVG_POOL_ARGS = [
  "stride",
  "padding",
  "ceilMode",
  "countIncludePad",
  "divisorOverride",
] as const;

/** Options of `maxPool2d` (PyTorch's keyword arguments). */
export interface MaxPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Size2 | null;
  padding?: Size2;
  dilation?: Size2;
  ceilMode?: boolean;
  /** PyTorch's `return_indices`: only false is supported. */
  returnIndices?: boolean;
}

/** Options of `avgPool2d` (PyTorch's keyword arguments). */
export interface AvgPool2dOptions {
  /** Defaults to the kernel size. */
  stride?: Size2 | null;
  padding?: Size2;
  ceilMode?: boolean;
  /** Whether zero padding counts in the divisor (default true). */
  countIncludePad?: boolean;
  /** PyTorch's `divisor_override`: only null is supported. */
  divisorOverride?: number | null;
}

function maxPoolOptions(op: string, args: readonly unknown[]): MaxPool2dOptions {
  const opts = trailingOptions<MaxPool2dOptions>(op, MAX_POOL_ARGS, args);
  if (opts.returnIndices)
    throw new Error(`${op}: returnIndices is not supported (nabla has no maxUnpool to use them)`);
  return opts;
}

function avgPoolOptions(op: string, args: readonly unknown[]): AvgPool2dOptions {
  const opts = trailingOptions<AvgPool2dOptions>(op, AVG_POOL_ARGS, args);
  if (opts.divisorOverride != null)
    throw new Error(`${op}: divisorOverride is not supported, got ${opts.divisorOverride}`);
  return opts;
}

function maxPool2dWith(op: string, x: Tensor, kernelSize: Size2, opts: MaxPool2dOptions): Tensor {
  const [input, unbatched] = poolInput(op, x);
  const out = apply(MaxPool2d, [input], poolGeom(op, input, kernelSize, opts));
  return unbatched ? squeeze(out, 0) : out;
}

function avgPool2dWith(op: string, x: Tensor, kernelSize: Size2, opts: AvgPool2dOptions): Tensor {
  const [input, unbatched] = poolInput(op, x);
  const geom = poolGeom(op, input, kernelSize, { ...opts, dilation: 1 });
  const out = apply(AvgPool2d, [input], { ...geom, countIncludePad: opts.countIncludePad ?? true });
  return unbatched ? squeeze(out, 0) : out;
}

/**
 * 2-D max pooling over `[N, C, H, W]` (or `[C, H, W]`); `stride` defaults to the kernel size.
 * The arguments after the kernel size are PyTorch's, positional or as options.
 * Example: `nb.maxPool2d(x, 3, { stride: 2, padding: 1 })`, `F.maxPool2d(x, 3, 2, 1)`.
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: Size2,
  ...args: TrailingArgs<
    [
      stride: Size2 | null | undefined,
      padding: Size2 | undefined,
      dilation: Size2 | undefined,
      ceilMode: boolean | undefined,
      returnIndices: boolean | undefined,
    ],
    MaxPool2dOptions
  >
): Tensor {
  return maxPool2dWith("maxPool2d", x, kernelSize, maxPoolOptions("maxPool2d", args));
}

/**
 * 2-D average pooling; `countIncludePad` (default true) counts zero padding in the divisor.
 * The arguments after the kernel size are PyTorch's, positional or as options.
 * Example: `nb.avgPool2d(x, 2)`, `F.avgPool2d(x, 3, 1, 1)`.
 */
export function avgPool2d(
  x: Tensor,
  kernelSize: Size2,
  ...args: TrailingArgs<
    [
      stride: Size2 | null | undefined,
      padding: Size2 | undefined,
      ceilMode: boolean | undefined,
      countIncludePad: boolean | undefined,
      divisorOverride: number | null | undefined,
    ],
    AvgPool2dOptions
  >
): Tensor {
  return avgPool2dWith("avgPool2d", x, kernelSize, avgPoolOptions("avgPool2d", args));
}

/** Options of `maxPool1d`. */
export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/** Options of `avgPool1d`. */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** The options of either 1-D pool. */
export type Pool1dOptions = MaxPool1dOptions & AvgPool1dOptions;

function pool1dInput(op: string, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new Error(
      `${op}: expected a 2-D [C, L] or 3-D [N, C, L] input, got ${fmtShape(x.shape)}`,
    );
  return unsqueeze(x, -2);
}

/** 1-D max pooling over `[N, C, L]`. Example: `nb.maxPool1d(x, 2)`, `F.maxPool1d(x, 3, 2)`. */
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  ...args: TrailingArgs<
    [
      stride: number | null | undefined,
      padding: number | undefined,
      dilation: number | undefined,
      ceilMode: boolean | undefined,
      returnIndices: boolean | undefined,
    ],
    MaxPool1dOptions
  >
): Tensor {
  const opts = maxPoolOptions("maxPool1d", args) as MaxPool1dOptions;
  const out = maxPool2dWith("maxPool1d", pool1dInput("maxPool1d", x), [1, kernelSize], {
    stride: [1, opts.stride ?? kernelSize],
    padding: [0, opts.padding ?? 0],
    dilation: [1, opts.dilation ?? 1],
    ceilMode: opts.ceilMode,
  });
  return squeeze(out, -2);
}

/** 1-D average pooling over `[N, C, L]`. Example: `nb.avgPool1d(x, 3, { stride: 1, padding: 1 })`. */
export function avgPool1d(
  x: Tensor,
  kernelSize: number,
  ...args: TrailingArgs<
    [
      stride: number | null | undefined,
      padding: number | undefined,
      ceilMode: boolean | undefined,
      countIncludePad: boolean | undefined,
    ],
    AvgPool1dOptions
  >
): Tensor {
  const opts = trailingOptions<AvgPool1dOptions>(
    "avgPool1d",
    ["stride", "padding", "ceilMode", "countIncludePad"],
    args,
  );
  const out = avgPool2dWith("avgPool1d", pool1dInput("avgPool1d", x), [1, kernelSize], {
    stride: [1, opts.stride ?? kernelSize],
    padding: [0, opts.padding ?? 0],
    ceilMode: opts.ceilMode,
    countIncludePad: opts.countIncludePad,
  });
  return squeeze(out, -2);
}
