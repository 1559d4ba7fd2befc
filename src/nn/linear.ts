import type { DType } from "../tensor/dtype.js";
import { empty } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { linear } from "./functional.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import { isUninitialized, Parameter, UninitializedParameter } from "./parameter.js";
import { pyBool } from "./repr.js";

/** Options of `nn.Linear` and `nn.LazyLinear`. */
export interface LinearOptions {
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
  dtype?: DType;
}

/** Passes its input through unchanged. Example: `new nn.Identity().forward(x) === x`. */
export class Identity extends Module {
  override forward<T>(input: T): T {
    return input;
  }
}

/**
 * `y = x W^T + b` with `W` of shape `[out, in]`, initialised as PyTorch's: kaiming-uniform with
 * a = sqrt(5) (so U(-1/sqrt(in), 1/sqrt(in))), and the bias U(-1/sqrt(in), 1/sqrt(in)).
 * Example: `new nn.Linear(20, 256)`, `new nn.Linear(8, 1, { bias: false })`.
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? "float32";
    this.weight = new Parameter(empty([outFeatures, inFeatures], { dtype }));
    this.bias = options.bias === false ? null : new Parameter(empty([outFeatures], { dtype }));
    this.resetParameters();
  }

  /** Re-draws the weight and bias from PyTorch's default distributions. */
  resetParameters(): void {
    if (isUninitialized(this.weight)) return;
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * A `Linear` whose input size is found by its first `forward` (Gluon's deferred initialisation,
 * PyTorch's `LazyLinear`). Until then the weight has no shape; afterwards the module is a plain
 * `Linear` (the same object, so optimizers created earlier keep working).
 * Example: `const net = new nn.Sequential(new nn.LazyLinear(256), new nn.ReLU(), new nn.LazyLinear(10));`
 */
export class LazyLinear extends Linear {
  constructor(outFeatures: number, options: LinearOptions = {}) {
    super(0, outFeatures, options);
    const dtype = options.dtype ?? "float32";
    this.weight = new UninitializedParameter(true, dtype);
    this.bias = options.bias === false ? null : new UninitializedParameter(true, dtype);
  }

  /** Whether the shapes are still unknown. */
  hasUninitializedParams(): boolean {
    return isUninitialized(this.weight) || isUninitialized(this.bias);
  }

  override forward(input: Tensor): Tensor {
    // Only free functions and super here: a hook may call this after the prototype became Linear's.
    if (isUninitialized(this.weight) || isUninitialized(this.bias))
      LazyLinear.prototype.initializeParameters.call(this, input.shape[input.ndim - 1]);
    return super.forward(input);
  }

  /** Fixes the input size, materialises and initialises the parameters. */
  initializeParameters(inFeatures: number): void {
    this.inFeatures = inFeatures;
    if (isUninitialized(this.weight)) this.weight.materialize([this.outFeatures, inFeatures]);
    if (isUninitialized(this.bias)) this.bias.materialize([this.outFeatures]);
    this.resetParameters();
    // As PyTorch's cls_to_become: from now on it is a Linear (printed as one, too).
    Object.setPrototypeOf(this, Linear.prototype);
  }

  protected override afterLoadStateDict(): void {
    if (!isUninitialized(this.weight)) {
      this.inFeatures = this.weight.shape[1];
      Object.setPrototypeOf(this, Linear.prototype);
    }
  }
}
