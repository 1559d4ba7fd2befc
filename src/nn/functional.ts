// nn.functional (exported as `F`): the functional twin of every layer that has one. Activations
// are the ops of src/ops under their PyTorch names; losses come from loss-functions.ts.
import {
  add,
  clamp,
  div,
  elu,
  gelu as geluExact,
  gt,
  leakyRelu,
  mul,
  relu,
  sigmoid,
  silu,
  softplus as softplusOp,
  tanh,
  where,
} from "../ops/elementwise.js";
import { logSigmoid } from "../ops/loss.js";
import { linearAddmm, matmul } from "../ops/matmul.js";
import { norm } from "../ops/reduce.js";
import { reshape, transpose } from "../ops/shape.js";
import { checkOptions } from "../ops/options.js";
import { dropout } from "../ops/dropout.js";
import { logSoftmax, softmax } from "../ops/softmax.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export { elu, leakyRelu, relu, sigmoid, silu, tanh, softmax, logSoftmax, dropout };
export { oneHot } from "../ops/indexing.js";
// Convolution, pooling, normalisation, interpolate, unfold/fold and F.pad with its modes.
export * from "./functional-conv.js";
export * from "./loss-functions.js";

/**
 * `input @ weight^T + bias`, with `weight` laid out `[out, in]` as nn.Linear's.
 * Example: `F.linear(x, w, b)`.
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inFeatures = weight.ndim === 2 ? weight.shape[1] : weight.shape[0];
  if (input.shape[input.ndim - 1] !== inFeatures)
    throw new Error(
      `linear: input of shape ${fmtShape(input.shape)} has ${input.shape[input.ndim - 1]} features but the weight ${fmtShape(weight.shape)} expects ${inFeatures}`,
    );
  const b = bias ?? null;
  // One fused node (addmm) for the usual case: a 2-D weight, a bias of the weight's shape and
  // one dtype throughout; leading dims of the input fold into the rows of one product.
  if (
    weight.ndim === 2 &&
    input.ndim >= 1 &&
    input.dtype === weight.dtype &&
    (b === null || (b.ndim === 1 && b.dtype === weight.dtype && b.shape[0] === weight.shape[0]))
  ) {
    const lead = input.shape.slice(0, -1);
    const rows = input.ndim === 2 ? input : reshape(input, [-1, inFeatures]);
    const out = linearAddmm(rows, weight, b);
    return input.ndim === 2 ? out : reshape(out, [...lead, weight.shape[0]]);
  }
  const out = matmul(input, weight.ndim === 2 ? transpose(weight, 0, 1) : weight);
  return b === null ? out : add(out, b);
}

/**
 * GELU, exact (`x Phi(x)`) or with PyTorch's tanh approximation, given positionally or as an
 * option. Example: `F.gelu(x, { approximate: "tanh" })`, `F.gelu(x, "tanh")`.
 */
export function gelu(
  input: Tensor,
  options: { approximate?: "none" | "tanh" } | "none" | "tanh" = {},
): Tensor {
  const approximate =
    typeof options === "string"
      ? options
      : (checkOptions("gelu", options, ["approximate"]).approximate ?? "none");
  if (approximate === "none") return geluExact(input);
  if (approximate !== "tanh")
    throw new Error(`gelu: approximate must be "none" or "tanh", got "${String(approximate)}"`);
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  const inner = mul(
    add(input, mul(mul(mul(input, input), input), 0.044715)),
    Math.sqrt(2 / Math.PI),
  );
  return mul(mul(input, 0.5), add(tanh(inner), 1));
}

/**
 * `log(1 + exp(beta x)) / beta`, and `x` where `beta x > threshold` (PyTorch's defaults 1 and 20).
 * Example: `F.softplus(x)`.
 */
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  if (threshold === 20) return softplusOp(input, beta);
  return where(gt(mul(input, beta), threshold), input, div(softplusOp(mul(input, beta), 1), beta));
}

/** log(sigmoid(x)), finite for any x. Example: `F.logsigmoid(x)`. */
export const logsigmoid = (input: Tensor): Tensor => logSigmoid(input);

/** min(max(x, 0), 6). Example: `F.relu6(x)`. */
export const relu6 = (input: Tensor): Tensor => clamp(input, 0, 6);

/** Clamps to [minVal, maxVal] (default [-1, 1]). Example: `F.hardtanh(x)`. */
export const hardtanh = (input: Tensor, minVal = -1, maxVal = 1): Tensor =>
  clamp(input, minVal, maxVal);

/**
 * Divides by the p-norm along `dim`, floored at `eps`. Example: `F.normalize(x, 2, 1)`.
 */
export function normalize(input: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  return div(input, clamp(norm(input, p, dim, true), eps));
}
