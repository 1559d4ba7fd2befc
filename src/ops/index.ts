// Loads every op family, installs the Tensor methods and hands the engine its arithmetic.
import { setEngineOps } from "../autograd/engine.js";
import { noGrad } from "../autograd/grad-mode.js";
import "../autograd/tensor-methods.js";
import { onesLike } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { add } from "./elementwise.js";
import "./methods.js";
import { sum } from "./reduce.js";
import { clone, reshape } from "./shape.js";

/** Sums `t` over the dims that broadcasting added or stretched, giving `shape`. Example: `sumTo(g, [3, 1])`. */
export function sumTo(t: Tensor, shape: readonly number[]): Tensor {
  const lead = t.ndim - shape.length;
  if (lead < 0)
    throw new Error(`sumTo: cannot sum shape [${t.shape}] to the larger shape [${shape}]`);
  const dims: number[] = [];
  for (let i = 0; i < t.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && t.shape[i] !== 1)) dims.push(i);
  }
  return reshape(dims.length > 0 ? sum(t, dims, true) : t, shape);
}

setEngineOps({
  add: (a, b) => add(a, b),
  sumTo,
  onesLike: (t) => onesLike(t),
  detach: (t) => t.detach(),
  copy: (t) => noGrad(() => clone(t)),
});

export * from "./cast.js";
export {
  conv1d,
  conv2d,
  convTranspose2d,
  type Conv1dOptions,
  type Conv2dOptions,
  type ConvPadding,
  type ConvTranspose2dOptions,
  type Size2,
} from "./conv.js";
export {
  fold,
  interpolate,
  padNd,
  unfold,
  type InterpolateMode,
  type InterpolateOptions,
  type PadMode,
  type WindowOptions,
} from "./image.js";
export { batchNorm, groupNorm, layerNorm } from "./norm.js";
export {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  type AdaptiveSize,
} from "./adaptive-pool.js";
export {
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  type Pool1dOptions,
  type Pool2dOptions,
} from "./pool.js";
export * from "./dropout.js";
export * from "./elementwise.js";
export * from "./indexing.js";
export * from "./inplace.js";
// linearAddmm is nn.functional.linear's kernel, reached through F.linear.
export { bmm, dot, matmul, mm, mv, outer } from "./matmul.js";
export * from "./reduce.js";
// `var` is a reserved word in declarations but fine as an export name: `nb.var(x)`.
export { variance as var } from "./reduce.js";
export * from "./shape.js";
export * from "./slicing.js";
export * from "./softmax.js";
export * from "./triangular.js";
export type { TensorLike } from "./util.js";
