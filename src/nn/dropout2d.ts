// Channel dropout: whole feature maps are zeroed together, since neighbouring activations of
// a convolution are strongly correlated and element dropout barely regularises them.
import { cast } from "../ops/cast.js";
import { div, lt, mul } from "../ops/elementwise.js";
import { rand } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { pyFloat } from "./repr.js";

/**
 * Zeroes each channel of `[N, C, H, W]` (or `[C, H, W]`) with probability `p` when training,
 * scaling the kept ones by 1/(1-p); the identity otherwise. Example: `F.dropout2d(x, 0.5, true)`.
 */
export function dropout2d(input: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new RangeError(`dropout2d: probability has to be between 0 and 1, but got ${p}`);
  if (input.ndim !== 3 && input.ndim !== 4)
    throw new Error(`dropout2d: expected a 3-D or 4-D input, got ${fmtShape(input.shape)}`);
  if (!training || p === 0) return input;
  if (p === 1) return mul(input, 0);
  // One draw per (sample, channel), broadcast over the spatial dims.
  const maskShape = input.shape.map((s, i) => (i < input.ndim - 2 ? s : 1));
  const keep = cast(lt(rand(maskShape, { dtype: input.dtype }), 1 - p), input.dtype);
  return div(mul(input, keep), 1 - p);
}

/** Channel-wise dropout for convolutional features. Example: `new nn.Dropout2d(0.2)`. */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`Dropout2d: probability has to be between 0 and 1, but got ${p}`);
  }
  override forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
