// torchvision's ColorJitter on float images [..., C, H, W] with C = 1 or 3 (a 2-D image is one
// channel). Saturation and hue leave 1-channel images unchanged, exactly as torchvision does.
import type { Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { permutation } from "./dataset.js";
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from "./image-kernels.js";
import {
  allocUninitialized,
  checkFloat,
  denseData,
  pickGenerator,
  planesOf,
  type Transform,
  type TransformSpec,
  uniform,
} from "./transform-utils.js";

/**
 * ColorJitter's ranges: a number v means [max(0, 1 - v), 1 + v] ([-v, v] for hue), a pair is
 * the range itself. Example: `{ brightness: 0.5, hue: [-0.1, 0.1] }`.
 */
export interface ColorJitterOptions {
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  hue?: number | readonly [number, number];
  generator?: Generator;
}

type Range = readonly [number, number] | null;

/** torchvision's `_check_input`: the factor range, or null when the transform is the identity. */
function checkRange(
  name: string,
  value: number | readonly [number, number] | undefined,
  center: number,
  bound: [number, number],
  clipFirstOnZero: boolean,
): Range {
  if (value === undefined) return null;
  let range: [number, number];
  if (typeof value === "number") {
    if (!(value >= 0))
      throw new RangeError(
        `ColorJitter: if ${name} is a single number, it must be non negative, got ${value}`,
      );
    range = [center - value, center + value];
    if (clipFirstOnZero) range[0] = Math.max(range[0], 0);
  } else if (Array.isArray(value) && value.length === 2) {
    range = [value[0], value[1]];
  } else {
    throw new TypeError(
      `ColorJitter: ${name} should be a single number or a [min, max] pair, got ${JSON.stringify(value)}`,
    );
  }
  if (!(bound[0] <= range[0] && range[0] <= range[1] && range[1] <= bound[1]))
    throw new RangeError(
      `ColorJitter: ${name} values should be between [${bound.join(", ")}], got [${range.join(", ")}]`,
    );
  return range[0] === center && range[1] === center ? null : range;
}

/**
 * Randomly changes brightness, contrast, saturation and hue, in a random order, as torchvision
 * does. Example: `new ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.1 })`.
 */
export class ColorJitter implements Transform {
  readonly brightness: Range;
  readonly contrast: Range;
  readonly saturation: Range;
  readonly hue: Range;

  constructor(readonly options: ColorJitterOptions = {}) {
    this.brightness = checkRange("brightness", options.brightness, 1, [0, Infinity], true);
    this.contrast = checkRange("contrast", options.contrast, 1, [0, Infinity], true);
    this.saturation = checkRange("saturation", options.saturation, 1, [0, Infinity], true);
    this.hue = checkRange("hue", options.hue, 0, [-0.5, 0.5], false);
  }

  /**
   * torchvision's `get_params`: the order of the four adjustments and each factor (null = skipped).
   * Example: `const { order, factors } = jitter.getParams(new nb.Generator(0))`.
   */
  getParams(gen: Generator): { order: Int32Array; factors: (number | null)[] } {
    const order = permutation(4, gen);
    const factors = [this.brightness, this.contrast, this.saturation, this.hue].map((r) =>
      r === null ? null : uniform(gen, r[0], r[1]),
    );
    return { order, factors };
  }

  forward(x: Tensor, generator?: Generator): Tensor {
    checkFloat("ColorJitter", x);
    const [planes, H, W] = planesOf("ColorJitter", x);
    const C = x.ndim >= 3 ? x.shape[x.ndim - 3] : 1;
    if (C !== 1 && C !== 3)
      throw new Error(
        `ColorJitter: expected 1 or 3 channels in [..., C, H, W], got ${fmtShape(x.shape)}`,
      );
    const { order, factors } = this.getParams(pickGenerator(this.options.generator, generator));
    const data = allocUninitialized(x.dtype, x.numel()) as Float32Array | Float64Array;
    data.set(denseData(x));
    const images = planes / C;
    const HW = H * W;
    for (const fn of order) {
      const f = factors[fn];
      if (f === null) continue;
      if (fn === 0) adjustBrightness(data, f);
      else if (fn === 1) adjustContrast(data, images, C, HW, f);
      else if (fn === 2) adjustSaturation(data, images, C, HW, f);
      else adjustHue(data, images, C, HW, f);
    }
    return Tensor.fromArray(data, x.shape.slice());
  }

  toSpec(): TransformSpec {
    const { generator: _, ...options } = this.options;
    return { name: "ColorJitter", args: [options] };
  }
}
