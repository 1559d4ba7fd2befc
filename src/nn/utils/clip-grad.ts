import { noGrad } from "../../autograd/grad-mode.js";
import { stack } from "../../ops/shape.js";
import { tensor } from "../../tensor/creation.js";
import { Tensor } from "../../tensor/tensor.js";

type Params = Tensor | Iterable<Tensor>;

function gradsOf(parameters: Params): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/**
 * Scales the gradients so that their joint `normType`-norm is at most `maxNorm` (by
 * `maxNorm / (total + 1e-6)` when larger), in place, and returns the total norm before clipping.
 * Example: `nn.utils.clipGradNorm_(net.parameters(), 1)`.
 */
export function clipGradNorm_(
  parameters: Params,
  maxNorm: number,
  normType = 2,
  errorIfNonfinite = false,
): Tensor {
  const grads = gradsOf(parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const norms = grads.map((g) => g.norm(normType).to(grads[0].dtype));
    const total =
      normType === Number.POSITIVE_INFINITY ? stack(norms).amax() : stack(norms).norm(normType);
    const value = total.item();
    if (errorIfNonfinite && !Number.isFinite(value))
      throw new Error(
        `clipGradNorm_: the total norm of order ${normType} for gradients from parameters is ${value}, so it cannot be clipped (errorIfNonfinite is set)`,
      );
    // As PyTorch, the scale is applied even when it is 1, and a NaN norm propagates to the grads.
    const coef = Math.min(maxNorm / (value + 1e-6), 1);
    for (const g of grads) g.mul_(Number.isNaN(value) ? value : coef);
    return total;
  });
}

/**
 * Clamps every gradient to [-clipValue, clipValue], in place.
 * Example: `nn.utils.clipGradValue_(net.parameters(), 0.5)`.
 */
export function clipGradValue_(parameters: Params, clipValue: number): void {
  const v = Math.abs(clipValue);
  noGrad(() => {
    for (const g of gradsOf(parameters)) g.clamp_(-v, v);
  });
}
