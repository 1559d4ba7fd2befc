// nn.functional's convolution, pooling, normalisation and image functions (re-exported by
// functional.ts). The ops live in src/ops; `pad` adds F.pad's modes to the constant pad.
import { pad as constantPad } from "../ops/shape.js";
import { type PadMode, padNd } from "../ops/image.js";
import type { Tensor } from "../tensor/tensor.js";

export { conv1d, conv2d, convTranspose2d } from "../ops/conv.js";
export { fold, interpolate, unfold } from "../ops/image.js";
export { batchNorm, groupNorm, layerNorm } from "../ops/norm.js";
export {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
} from "../ops/adaptive-pool.js";
export { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from "../ops/pool.js";
export { dropout2d } from "./dropout2d.js";

/**
 * Pads `input`; `pad` lists (before, after) pairs from the last dim backwards, and `mode` is
 * `'constant'` (with `value`), `'reflect'`, `'replicate'` or `'circular'`, as `F.pad`.
 * Example: `F.pad(x, [1, 1, 2, 0])`, `F.pad(x, [2, 2], "reflect")`.
 */
export function pad(
  input: Tensor,
  pad: readonly number[],
  mode: PadMode = "constant",
  value = 0,
): Tensor {
  return mode === "constant" ? constantPad(input, pad, value) : padNd(input, pad, mode);
}
