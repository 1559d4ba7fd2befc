// Convolution layers: configuration and parameters; `forward` calls the functional op. Weights
// follow PyTorch's layouts and default initialisation, so state dicts and reprs match.
import { conv1d, conv2d, convTranspose2d } from "../ops/conv.js";
import { padNd } from "../ops/image.js";
import { isOptionsObject, type TrailingArgs, trailingOptions } from "../ops/options.js";
import { empty } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { isUninitialized, Parameter, UninitializedParameter } from "./parameter.js";
import { pyTuple } from "./repr.js";

/** Options of the convolution layers (PyTorch's keyword arguments, camelCased). */
export interface ConvOptions {
  stride?: number | readonly number[];
  /** Symmetric zero padding, or `'same'`/`'valid'` (not for transposed convolutions). */
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
  /** How the border is padded: `'zeros'` (default), `'reflect'`, `'replicate'` or `'circular'`. */
  paddingMode?: PaddingMode;
  dtype?: DType;
}

/** The padding modes of the convolution layers. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** Options of `nn.ConvTranspose2d`. */
export interface ConvTransposeOptions extends Omit<ConvOptions, "padding"> {
  padding?: number | readonly number[];
  outputPadding?: number | readonly number[];
}

type Size = number | readonly number[];

/** The arguments after the kernel size: PyTorch's, positionally (`new nn.Conv2d(1, 6, 5, 1, 2)`), or options. */
export type ConvArgs = TrailingArgs<
  [
    stride: Size | undefined,
    padding: Size | "same" | "valid" | undefined,
    dilation: Size | undefined,
    groups: number | undefined,
    bias: boolean | undefined,
    paddingMode: PaddingMode | undefined,
  ],
  ConvOptions
>;

/** The arguments after the kernel size of `nn.ConvTranspose2d`, in PyTorch's order, or options. */
export type ConvTransposeArgs = TrailingArgs<
  [
    stride: Size | undefined,
    padding: Size | undefined,
    outputPadding: Size | undefined,
    groups: number | undefined,
    bias: boolean | undefined,
    dilation: Size | undefined,
    paddingMode: PaddingMode | undefined,
  ],
  ConvTransposeOptions
>;

const CONV_ARGS = ["stride", "padding", "dilation", "groups", "bias", "paddingMode"] as const;
const CONV_TRANSPOSE_ARGS = [
  "stride",
  "padding",
  "outputPadding",
  "groups",
  "bias",
  "dilation",
  "paddingMode",
] as const;

// PyTorch's positional arguments, then an options object (which may also hold the dtype).
function convOptions<T extends { dtype?: DType }>(
  op: string,
  positional: readonly string[],
  args: readonly unknown[],
): T {
  const last = args[args.length - 1];
  if (args.length > 0 && isOptionsObject(last) && "dtype" in last) {
    const { dtype, ...rest } = last;
    const opts = trailingOptions<T>(op, positional as (keyof T & string)[], [
      ...args.slice(0, -1),
      rest,
    ]);
    return { ...opts, dtype: dtype as DType };
  }
  return trailingOptions<T>(op, positional as (keyof T & string)[], args);
}

function tuple(op: string, name: string, v: number | readonly number[], n: number): number[] {
  const t =
    typeof v === "number"
      ? new Array<number>(n).fill(v)
      : v.length === 1
        ? new Array<number>(n).fill(v[0])
        : [...v];
  if (t.length !== n || t.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(
      `${op}: ${name} must be a non-negative int or ${n} of them, got ${JSON.stringify(v)}`,
    );
  }
  return t;
}

/**
 * What Conv1d, Conv2d and ConvTranspose2d share (PyTorch's `_ConvNd`): sizes as tuples, the
 * weight `[out, in/groups, *kernel]` (`[in, out/groups, *kernel]` when transposed), the optional
 * bias, PyTorch's init and repr. Example: `net.modules().filter((m) => m instanceof nn.ConvNd)`.
 */
export abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly transposed: boolean;
  readonly paddingMode: PaddingMode;

  constructor(
    op: string,
    dims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvOptions & { outputPadding?: number | readonly number[] },
    transposed: boolean,
  ) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
    for (const [name, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
      if (v % groups !== 0)
        throw new Error(`${op}: ${name} (${v}) must be divisible by groups (${groups})`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = tuple(op, "kernelSize", kernelSize, dims);
    this.stride = tuple(op, "stride", options.stride ?? 1, dims);
    const p = options.padding ?? 0;
    if (p === "same" && this.stride.some((s) => s !== 1)) {
      throw new Error(`${op}: padding='same' is not supported for strided convolutions`);
    }
    this.padding = typeof p === "string" ? p : tuple(op, "padding", p, dims);
    this.dilation = tuple(op, "dilation", options.dilation ?? 1, dims);
    this.outputPadding = tuple(op, "outputPadding", options.outputPadding ?? 0, dims);
    this.groups = groups;
    this.transposed = transposed;
    this.paddingMode = options.paddingMode ?? "zeros";
    if (!["zeros", "reflect", "replicate", "circular"].includes(this.paddingMode))
      throw new Error(
        `${op}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got '${this.paddingMode}'`,
      );
    if (transposed && this.paddingMode !== "zeros")
      throw new Error(`${op}: only 'zeros' padding mode is supported`);
    const dtype = options.dtype ?? "float32";
    this.weight = new Parameter(empty(this.weightShape(inChannels), { dtype }));
    this.bias = options.bias === false ? null : new Parameter(empty([outChannels], { dtype }));
    this.resetParameters();
  }

  /** `[out, in/groups, *kernel]`, or `[in, out/groups, *kernel]` for a transposed convolution. */
  protected weightShape(inChannels: number): number[] {
    return this.transposed
      ? [inChannels, this.outChannels / this.groups, ...this.kernelSize]
      : [this.outChannels, inChannels / this.groups, ...this.kernelSize];
  }

  /** PyTorch's init: kaiming-uniform with a = sqrt(5) (U(±1/sqrt(fanIn))), bias U(±1/sqrt(fanIn)). */
  resetParameters(): void {
    if (isUninitialized(this.weight)) return;
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null && !isUninitialized(this.bias)) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /**
   * For padding modes other than zeros, the input padded as F.pad does it (pairs from the last dim
   * backwards) and the convolution then runs unpadded, as PyTorch's layers do.
   */
  protected padInput(input: Tensor): [Tensor, number[] | "same" | "valid"] {
    if (this.paddingMode === "zeros" || this.padding === "valid") return [input, this.padding];
    const pads: number[] = [];
    for (let i = this.kernelSize.length - 1; i >= 0; i--) {
      if (this.padding === "same") {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        pads.push(Math.floor(total / 2), total - Math.floor(total / 2));
      } else pads.push(this.padding[i], this.padding[i]);
    }
    const mode = this.paddingMode as Exclude<PaddingMode, "zeros">;
    return [padNd(input, pads, mode), this.kernelSize.map(() => 0)];
  }

  override extraRepr(): string {
    const allEq = (v: readonly number[], x: number) => v.every((e) => e === x);
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (!allEq(this.padding, 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (!allEq(this.dilation, 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (!allEq(this.outputPadding, 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 1-D convolution over `[N, C, L]`. Example: `new nn.Conv1d(16, 33, 3, { stride: 2 })`.
 */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    ...args: ConvArgs
  ) {
    const options = convOptions<ConvOptions>("Conv1d", CONV_ARGS, args);
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options, false);
  }
  override forward(input: Tensor): Tensor {
    const [x, padding] = this.padInput(input);
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride[0],
      padding: typeof padding === "string" ? padding : padding[0],
      dilation: this.dilation[0],
      groups: this.groups,
    });
  }
}

/**
 * 2-D convolution over `[N, C, H, W]`, weight `[out, in/groups, kH, kW]`.
 * Example: `new nn.Conv2d(1, 6, 5, { padding: 2 })` prints `Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))`.
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    ...args: ConvArgs
  ) {
    const options = convOptions<ConvOptions>("Conv2d", CONV_ARGS, args);
    super("Conv2d", 2, inChannels, outChannels, kernelSize, options, false);
  }
  override forward(input: Tensor): Tensor {
    const [x, padding] = this.padInput(input);
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * Transposed 2-D convolution (a "deconvolution"), weight `[in, out/groups, kH, kW]`.
 * Example: `new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1 })` doubles H and W.
 */
export class ConvTranspose2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    ...args: ConvTransposeArgs
  ) {
    const options = convOptions<ConvTransposeOptions>("ConvTranspose2d", CONV_TRANSPOSE_ARGS, args);
    super("ConvTranspose2d", 2, inChannels, outChannels, kernelSize, options, true);
  }
  override forward(input: Tensor): Tensor {
    return convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding as number[],
      outputPadding: this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * A `Conv2d` whose input channels are found by its first `forward` (PyTorch's `LazyConv2d`,
 * Gluon's deferred initialisation). Afterwards it is a plain `Conv2d`, the same object.
 * Example: `new nn.Sequential(new nn.LazyConv2d(6, 5, { padding: 2 }), new nn.Sigmoid())`.
 */
export class LazyConv2d extends Conv2d {
  constructor(outChannels: number, kernelSize: number | readonly number[], ...args: ConvArgs) {
    const options = convOptions<ConvOptions>("LazyConv2d", CONV_ARGS, args);
    super(0, outChannels, kernelSize, { ...options, groups: 1 });
    const groups = options.groups ?? 1;
    if (groups !== 1) {
      if (!Number.isInteger(groups) || groups < 1 || outChannels % groups !== 0)
        throw new Error(
          `LazyConv2d: outChannels (${outChannels}) must be divisible by groups (${groups})`,
        );
      // groups must also divide the unknown in_channels: checked when they are known.
      (this as { groups: number }).groups = groups;
    }
    const dtype = options.dtype ?? "float32";
    this.weight = new UninitializedParameter(true, dtype);
    this.bias = options.bias === false ? null : new UninitializedParameter(true, dtype);
  }

  /** Whether the shapes are still unknown. */
  hasUninitializedParams(): boolean {
    return isUninitialized(this.weight) || isUninitialized(this.bias);
  }

  override forward(input: Tensor): Tensor {
    // A hook may call this after the prototype became Conv2d's, so only free functions here.
    if (isUninitialized(this.weight) || isUninitialized(this.bias)) {
      if (input.ndim !== 4 && input.ndim !== 3)
        throw new Error(`LazyConv2d: expected a 3-D or 4-D input, got ${fmtShape(input.shape)}`);
      LazyConv2d.prototype.initializeParameters.call(this, input.shape[input.ndim - 3]);
    }
    return super.forward(input);
  }

  /** Fixes the input channels, materialises and initialises the parameters. */
  initializeParameters(inChannels: number): void {
    if (inChannels % this.groups !== 0)
      throw new Error(
        `LazyConv2d: in_channels (${inChannels}) must be divisible by groups (${this.groups})`,
      );
    this.inChannels = inChannels;
    if (isUninitialized(this.weight)) this.weight.materialize(this.weightShape(inChannels));
    if (isUninitialized(this.bias)) this.bias.materialize([this.outChannels]);
    this.resetParameters();
    Object.setPrototypeOf(this, Conv2d.prototype);
  }

  protected override afterLoadStateDict(): void {
    if (!isUninitialized(this.weight)) {
      this.inChannels = this.weight.shape[1] * this.groups;
      Object.setPrototypeOf(this, Conv2d.prototype);
    }
  }
}
