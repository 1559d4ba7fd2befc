// Pooling layers: configuration only (no parameters); `forward` calls the functional op. Reprs
// print sizes the way PyTorch stores them (the max pools and AvgPool2d keep what they were given,
// AvgPool1d stores 1-tuples).
import { adaptiveAvgPool2d, adaptiveMaxPool2d, type AdaptiveSize } from "../ops/adaptive-pool.js";
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from "../ops/pool.js";
import { type TrailingArgs, trailingOptions } from "../ops/options.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { pyBool, pyTuple } from "./repr.js";

type Size = number | readonly number[];

/** Options of the max pools (PyTorch's keyword arguments). */
export interface MaxPoolOptions {
  /** Defaults to the kernel size. */
  stride?: Size | null;
  padding?: Size;
  dilation?: Size;
  /** PyTorch's `return_indices`: only false is supported. */
  returnIndices?: boolean;
  ceilMode?: boolean;
}

/** Options of the average pools. */
export interface AvgPoolOptions {
  /** Defaults to the kernel size. */
  stride?: Size | null;
  padding?: Size;
  ceilMode?: boolean;
  /** Whether zero padding counts in the divisor (default true). */
  countIncludePad?: boolean;
  /** PyTorch's `divisor_override`: only null is supported. */
  divisorOverride?: number | null;
}

/** The arguments after the kernel size: PyTorch's, positionally (`new nn.MaxPool2d(3, 2)`), or options. */
export type MaxPoolArgs = TrailingArgs<
  [
    stride: Size | null | undefined,
    padding: Size | undefined,
    dilation: Size | undefined,
    returnIndices: boolean | undefined,
    ceilMode: boolean | undefined,
  ],
  MaxPoolOptions
>;

/** The arguments after the kernel size: PyTorch's, positionally (`new nn.AvgPool2d(3, 1, 1)`), or options. */
export type AvgPoolArgs = TrailingArgs<
  [
    stride: Size | null | undefined,
    padding: Size | undefined,
    ceilMode: boolean | undefined,
    countIncludePad: boolean | undefined,
    divisorOverride: number | null | undefined,
  ],
  AvgPoolOptions
>;

// nn.MaxPool2d's positional order (return_indices before ceil_mode, unlike F.max_pool2d's).
function maxPoolOptions(op: string, args: readonly unknown[]): MaxPoolOptions {
  const opts = trailingOptions<MaxPoolOptions>(
    op,
    ["stride", "padding", "dilation", "returnIndices", "ceilMode"],
    args,
  );
  if (opts.returnIndices)
    throw new Error(`${op}: returnIndices is not supported (nabla has no MaxUnpool to use them)`);
  return opts;
}

function avgPoolOptions(op: string, args: readonly unknown[], divisor = true): AvgPoolOptions {
  const names: (keyof AvgPoolOptions)[] = ["stride", "padding", "ceilMode", "countIncludePad"];
  const opts = trailingOptions<AvgPoolOptions>(
    op,
    divisor ? [...names, "divisorOverride"] : names,
    args,
  );
  if (opts.divisorOverride != null)
    throw new Error(`${op}: divisorOverride is not supported, got ${opts.divisorOverride}`);
  return opts;
}

/** An int as Python prints it, a list as a tuple. */
function show(v: Size): string {
  return typeof v === "number" ? String(v) : pyTuple(v);
}

function scalar(op: string, name: string, v: Size): number {
  if (typeof v === "number") return v;
  if (v.length !== 1) throw new Error(`${op}: ${name} must be an int, got ${JSON.stringify(v)}`);
  return v[0];
}

/**
 * 2-D max pooling. Example: `new nn.MaxPool2d(3, { stride: 2 })` prints
 * `MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)`.
 */
export class MaxPool2d extends Module {
  readonly kernelSize: Size;
  readonly stride: Size;
  readonly padding: Size;
  readonly dilation: Size;
  readonly ceilMode: boolean;
  constructor(kernelSize: Size, ...args: MaxPoolArgs) {
    super();
    const options = maxPoolOptions(new.target.name, args);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
  }
  override forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** 1-D max pooling over `[N, C, L]`. Example: `new nn.MaxPool1d(2)`. */
export class MaxPool1d extends MaxPool2d {
  override forward(input: Tensor): Tensor {
    const s = (name: string, v: Size) => scalar("MaxPool1d", name, v);
    return maxPool1d(input, s("kernelSize", this.kernelSize), {
      stride: s("stride", this.stride),
      padding: s("padding", this.padding),
      dilation: s("dilation", this.dilation),
      ceilMode: this.ceilMode,
    });
  }
}

/**
 * 2-D average pooling. Example: `new nn.AvgPool2d(2, { stride: 2 })` prints
 * `AvgPool2d(kernel_size=2, stride=2, padding=0)`.
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Size;
  readonly stride: Size;
  readonly padding: Size;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(kernelSize: Size, ...args: AvgPoolArgs) {
    super();
    const options = avgPoolOptions("AvgPool2d", args);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }
  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

/** 1-D average pooling over `[N, C, L]`. Example: `new nn.AvgPool1d(3, { stride: 2 })`. */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(kernelSize: Size, ...args: AvgPoolArgs) {
    super();
    const options = avgPoolOptions("AvgPool1d", args, false);
    this.kernelSize = scalar("AvgPool1d", "kernelSize", kernelSize);
    this.stride = scalar("AvgPool1d", "stride", options.stride ?? kernelSize);
    this.padding = scalar("AvgPool1d", "padding", options.padding ?? 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }
  override forward(input: Tensor): Tensor {
    return avgPool1d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple([this.kernelSize])}, stride=${pyTuple([this.stride])}, padding=${pyTuple([this.padding])}`;
  }
}

function showOutputSize(v: AdaptiveSize): string {
  if (typeof v === "number") return String(v);
  return `(${v.map((e) => (e === null ? "None" : String(e))).join(", ")}${v.length === 1 ? "," : ""})`;
}

/**
 * Average pooling to a fixed output size (null keeps the input's).
 * Example: `new nn.AdaptiveAvgPool2d([1, 1])` (global average pooling).
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${showOutputSize(this.outputSize)}`;
  }
}

/** Max pooling to a fixed output size. Example: `new nn.AdaptiveMaxPool2d(7)`. */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return adaptiveMaxPool2d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${showOutputSize(this.outputSize)}`;
  }
}
