// Dropout (d2l 5.6): the keep-mask is drawn from the default generator, so `nb.manualSeed` makes
// it reproducible, and is built from differentiable ops, so the gradient needs no rule of its own.
import { rand } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { div, lt, mul } from "./elementwise.js";

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1-p) when `training`;
 * the identity otherwise. Example: `nb.dropout(x, 0.5, true)`.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keep = cast(lt(rand(x.shape.slice(), { dtype: x.dtype }), 1 - p), x.dtype);
  return div(mul(x, keep), 1 - p);
}
