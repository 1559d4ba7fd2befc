// Image transforms of d2l's image-augmentation chapter, with torchvision's semantics, on float
// image tensors shaped [..., C, H, W] (a leading batch dim gets the same random parameters, as in
// torchvision). Random transforms draw from the generator passed to `forward`, else their own,
// else nabla's default one, so an augmentation pipeline is reproducible from a seed.
//
// Every built-in transform can describe itself as JSON (`toSpec`) and be rebuilt from it
// (`transformFromSpec`): that is how the DataLoader ships a pipeline to its worker threads.
import { isFloating } from "../tensor/dtype.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { ColorJitter } from "./color-jitter.js";
import { cropPad, flipPlanes, type PaddingMode, resizeBilinear } from "./image-kernels.js";
import {
  allocUninitialized,
  checkFloat,
  denseData,
  type ImageInput,
  pair,
  pickGenerator,
  planesOf,
  roundHalfEven,
  type Transform,
  type TransformFn,
  type TransformSpec,
  uniform,
  withHW,
} from "./transform-utils.js";

// ---------------------------------------------------------------- functional forms

/**
 * Bilinear resize of the last two dims to [outH, outW] (`F.interpolate(x, size, mode="bilinear",
 * align_corners=False)`, no antialias). Works on a whole batch [N, C, H, W] at once.
 * Example: `nb.data.transforms.resizeBatch(images, [224, 224])`.
 */
export function resizeBatch(x: Tensor, size: number | readonly number[]): Tensor {
  checkFloat("resize", x);
  const [planes, H, W] = planesOf("resize", x);
  const [outH, outW] = pair("resize", size);
  if (H === 0 || W === 0)
    throw new Error(`resize: cannot resize an empty image ${fmtShape(x.shape)}`);
  if (outH === H && outW === W) return Tensor.fromArray(x.data(), x.shape.slice());
  const out = allocUninitialized(x.dtype, planes * outH * outW) as Float32Array | Float64Array;
  resizeBilinear(denseData(x), planes, H, W, 0, 0, H, W, outH, outW, out);
  return withHW(x, outH, outW, out);
}

/**
 * Crops the window (top, left, height, width), padding outside the image (`F.crop`).
 * Example: `nb.data.transforms.crop(img, 2, 2, 24, 24)`.
 */
export function crop(
  x: Tensor,
  top: number,
  left: number,
  height: number,
  width: number,
  fill = 0,
  mode: PaddingMode = "constant",
): Tensor {
  const [planes, H, W] = planesOf("crop", x);
  const out = allocUninitialized(x.dtype, planes * height * width);
  cropPad(denseData(x), planes, H, W, top, left, height, width, out, fill, mode);
  return withHW(x, height, width, out);
}

// ---------------------------------------------------------------- composition and conversion

/**
 * Chains transforms, passing the generator through. Example:
 * `new Compose([new ToTensor(), new Normalize([0.5], [0.5])]).forward(image)`.
 */
export class Compose implements Transform<ImageInput> {
  constructor(readonly transforms: readonly (Transform<any> | TransformFn<any>)[]) {}
  forward(x: ImageInput, generator?: Generator): Tensor {
    let y: ImageInput = x;
    for (const t of this.transforms)
      y = typeof t === "function" ? t(y, generator) : t.forward(y, generator);
    if (!(y instanceof Tensor))
      throw new TypeError("Compose: the pipeline did not produce a Tensor (add ToTensor)");
    return y;
  }
  toSpec(): TransformSpec {
    return {
      name: "Compose",
      args: [
        this.transforms.map((t, i) => {
          if (typeof t === "function" || !t.toSpec)
            throw new Error(
              `Compose: transform ${i} (${typeof t === "function" ? t.name || "function" : t.constructor.name}) has no toSpec() and cannot be sent to a worker thread`,
            );
          return t.toSpec();
        }),
      ],
    };
  }
}

/**
 * Converts 8-bit images (HW or HWC int tensors, or `ImageLike` bytes) to float32 CHW in [0, 1];
 * float tensors are only reshaped (HW becomes 1HW). Example: `new ToTensor().forward(imageData)`.
 */
export class ToTensor implements Transform<ImageInput> {
  forward(x: ImageInput): Tensor {
    if (x instanceof Tensor) {
      if (isFloating(x.dtype)) {
        if (x.ndim === 2) return Tensor.fromArray(x.data(), [1, ...x.shape]);
        if (x.ndim === 3) return x;
        throw new Error(`ToTensor: expected a HW or CHW float image, got ${fmtShape(x.shape)}`);
      }
      if (x.ndim !== 2 && x.ndim !== 3)
        throw new Error(`ToTensor: expected an HW or HWC image, got ${fmtShape(x.shape)}`);
      const [H, W, C] = [x.shape[0], x.shape[1], x.ndim === 3 ? x.shape[2] : 1];
      return hwcToChw(denseData(x), H, W, C);
    }
    const { data, width: W, height: H } = x;
    const C = x.channels ?? data.length / (W * H);
    if (!Number.isInteger(C) || C <= 0 || data.length !== H * W * C)
      throw new Error(
        `ToTensor: ${data.length} bytes do not make a ${H}x${W} image of ${x.channels ?? "whole"} channels`,
      );
    return hwcToChw(data, H, W, C);
  }
  toSpec(): TransformSpec {
    return { name: "ToTensor", args: [] };
  }
}

function hwcToChw(src: ArrayLike<number>, H: number, W: number, C: number): Tensor {
  const out = new Float32Array(C * H * W);
  const HW = H * W;
  for (let i = 0; i < HW; i++) for (let c = 0; c < C; c++) out[c * HW + i] = src[i * C + c] / 255;
  return Tensor.fromArray(out, [C, H, W]);
}

/**
 * Per-channel (x - mean[c]) / std[c] on [..., C, H, W]; one value applies to every channel.
 * Example: `new Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])`.
 */
export class Normalize implements Transform {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    this.mean = typeof mean === "number" ? [mean] : mean.slice();
    this.std = typeof std === "number" ? [std] : std.slice();
    if (this.std.some((s) => s === 0))
      throw new RangeError(`Normalize: std evaluated to zero: [${this.std.join(", ")}]`);
  }
  forward(x: Tensor): Tensor {
    checkFloat("Normalize", x);
    const [planes, H, W] = planesOf("Normalize", x);
    const C = x.ndim >= 3 ? x.shape[x.ndim - 3] : 1;
    for (const [name, v] of [
      ["mean", this.mean],
      ["std", this.std],
    ] as const) {
      if (v.length !== 1 && v.length !== C)
        throw new Error(
          `Normalize: ${name} has ${v.length} values but the image ${fmtShape(x.shape)} has ${C} channels`,
        );
    }
    const src = denseData(x);
    const out = allocUninitialized(x.dtype, src.length);
    const HW = H * W;
    for (let p = 0; p < planes; p++) {
      const c = p % C;
      const m = this.mean[this.mean.length === 1 ? 0 : c];
      const s = this.std[this.std.length === 1 ? 0 : c];
      for (let i = p * HW; i < (p + 1) * HW; i++) out[i] = (src[i] - m) / s;
    }
    return Tensor.fromArray(out, x.shape.slice());
  }
  toSpec(): TransformSpec {
    return { name: "Normalize", args: [this.mean, this.std] };
  }
}

// ---------------------------------------------------------------- geometry

/**
 * Bilinear resize (torchvision `Resize` without antialias): a number matches the smaller edge
 * keeping the aspect ratio, [h, w] is exact. Example: `new Resize(224).forward(img)`.
 */
export class Resize implements Transform {
  constructor(readonly size: number | readonly number[]) {
    if (typeof size === "number") pair("Resize", size);
    else pair("Resize", size);
  }
  /** The output [h, w] for an input of H x W. */
  outputSize(H: number, W: number): [number, number] {
    if (typeof this.size !== "number" && this.size.length !== 1) return pair("Resize", this.size);
    const s = typeof this.size === "number" ? this.size : this.size[0];
    // torchvision: the short side becomes s, the long side int(s * long / short).
    return H <= W ? [s, Math.floor((s * W) / H)] : [Math.floor((s * H) / W), s];
  }
  forward(x: Tensor): Tensor {
    const [, H, W] = planesOf("Resize", x);
    return resizeBatch(x, this.outputSize(H, W));
  }
  toSpec(): TransformSpec {
    return { name: "Resize", args: [this.size] };
  }
}

/**
 * Crops the center (padding with zeros if the image is smaller). Example: `new CenterCrop(24)`.
 */
export class CenterCrop implements Transform {
  readonly size: [number, number];
  constructor(size: number | readonly number[]) {
    this.size = pair("CenterCrop", size);
  }
  forward(x: Tensor): Tensor {
    const [, H, W] = planesOf("CenterCrop", x);
    const [h, w] = this.size;
    // torchvision rounds (H - h) / 2 half-to-even; a larger crop pads and rounds the other way.
    const top = h <= H ? roundHalfEven((H - h) / 2) : -Math.floor((h - H) / 2);
    const left = w <= W ? roundHalfEven((W - w) / 2) : -Math.floor((w - W) / 2);
    return crop(x, top, left, h, w);
  }
  toSpec(): TransformSpec {
    return { name: "CenterCrop", args: [this.size] };
  }
}

/** Options of `RandomCrop`. Example: `{ padding: 4, paddingMode: "reflect" }`. */
export interface RandomCropOptions {
  /** Pixels added to each border first: n, [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | readonly number[];
  /** Pad images smaller than the crop (default false). */
  padIfNeeded?: boolean;
  /** Fill value for constant padding (default 0). */
  fill?: number;
  /** torchvision's padding modes (default "constant"). */
  paddingMode?: PaddingMode;
  generator?: Generator;
}

/**
 * A random window of `size`, after optional padding. Example: `new RandomCrop(28, { padding: 4 })`.
 */
export class RandomCrop implements Transform {
  readonly size: [number, number];
  readonly pads: [number, number, number, number];
  constructor(
    size: number | readonly number[],
    readonly options: RandomCropOptions = {},
  ) {
    this.size = pair("RandomCrop", size);
    const p = options.padding ?? 0;
    const list = typeof p === "number" ? [p] : p;
    if (![1, 2, 4].includes(list.length) || list.some((v) => !Number.isInteger(v) || v < 0))
      throw new RangeError(
        `RandomCrop: padding must be 1, 2 or 4 non-negative integers, got ${JSON.stringify(p)}`,
      );
    // [left, top, right, bottom], as torchvision orders them.
    this.pads =
      list.length === 1
        ? [list[0], list[0], list[0], list[0]]
        : list.length === 2
          ? [list[0], list[1], list[0], list[1]]
          : [list[0], list[1], list[2], list[3]];
  }
  forward(x: Tensor, generator?: Generator): Tensor {
    const [, H, W] = planesOf("RandomCrop", x);
    const [h, w] = this.size;
    const [pl, pt, pr, pb] = this.pads;
    let padH = H + pt + pb;
    let padW = W + pl + pr;
    let top0 = -pt;
    let left0 = -pl;
    if (this.options.padIfNeeded) {
      // torchvision pads both sides by the missing amount.
      if (padH < h) {
        top0 -= h - padH;
        padH += 2 * (h - padH);
      }
      if (padW < w) {
        left0 -= w - padW;
        padW += 2 * (w - padW);
      }
    }
    if (padH < h || padW < w)
      throw new Error(
        `RandomCrop: required crop size [${h}, ${w}] is larger than the (padded) input image size [${padH}, ${padW}]`,
      );
    const gen = pickGenerator(this.options.generator, generator);
    const i = gen.randint(0, padH - h + 1);
    const j = gen.randint(0, padW - w + 1);
    return crop(
      x,
      top0 + i,
      left0 + j,
      h,
      w,
      this.options.fill ?? 0,
      this.options.paddingMode ?? "constant",
    );
  }
  toSpec(): TransformSpec {
    const { generator: _, ...options } = this.options;
    return { name: "RandomCrop", args: [this.size, options] };
  }
}

/** Options of `RandomResizedCrop`. Example: `{ scale: [0.1, 1], ratio: [0.5, 2] }`. */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
  generator?: Generator;
}

/**
 * A random crop of random area and aspect ratio, resized to `size` (bilinear), as torchvision does.
 * Example: `new RandomResizedCrop([200, 200], { scale: [0.1, 1], ratio: [0.5, 2] })`.
 */
export class RandomResizedCrop implements Transform {
  readonly size: [number, number];
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  constructor(
    size: number | readonly number[],
    readonly options: RandomResizedCropOptions = {},
  ) {
    this.size = pair("RandomResizedCrop", size);
    this.scale = options.scale ?? [0.08, 1];
    this.ratio = options.ratio ?? [3 / 4, 4 / 3];
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1] || this.ratio[0] <= 0)
      throw new RangeError(
        `RandomResizedCrop: scale and ratio must be increasing ranges (ratio > 0), got scale ${JSON.stringify(this.scale)}, ratio ${JSON.stringify(this.ratio)}`,
      );
  }
  /** torchvision's `get_params`: [top, left, h, w] of the window for an H x W image. */
  getParams(H: number, W: number, gen: Generator): [number, number, number, number] {
    const area = H * W;
    const logRatio = [Math.log(this.ratio[0]), Math.log(this.ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * uniform(gen, this.scale[0], this.scale[1]);
      const aspect = Math.exp(uniform(gen, logRatio[0], logRatio[1]));
      const w = Math.round(Math.sqrt(targetArea * aspect));
      const h = Math.round(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= W && h > 0 && h <= H)
        return [gen.randint(0, H - h + 1), gen.randint(0, W - w + 1), h, w];
    }
    // Fallback to a central crop of the closest allowed ratio.
    const inRatio = W / H;
    let w = W;
    let h = H;
    if (inRatio < this.ratio[0]) h = Math.round(w / this.ratio[0]);
    else if (inRatio > this.ratio[1]) w = Math.round(h * this.ratio[1]);
    return [Math.floor((H - h) / 2), Math.floor((W - w) / 2), h, w];
  }
  forward(x: Tensor, generator?: Generator): Tensor {
    checkFloat("RandomResizedCrop", x);
    const [planes, H, W] = planesOf("RandomResizedCrop", x);
    const [top, left, h, w] = this.getParams(
      H,
      W,
      pickGenerator(this.options.generator, generator),
    );
    const [outH, outW] = this.size;
    const out = allocUninitialized(x.dtype, planes * outH * outW) as Float32Array | Float64Array;
    resizeBilinear(denseData(x), planes, H, W, top, left, h, w, outH, outW, out);
    return withHW(x, outH, outW, out);
  }
  toSpec(): TransformSpec {
    return {
      name: "RandomResizedCrop",
      args: [this.size, { scale: this.scale, ratio: this.ratio }],
    };
  }
}

/** Flips left-right with probability p. Example: `new RandomHorizontalFlip(0.5)`. */
export class RandomHorizontalFlip implements Transform {
  constructor(
    readonly p = 0.5,
    readonly options: { generator?: Generator } = {},
  ) {}
  forward(x: Tensor, generator?: Generator): Tensor {
    return flipIf(x, pickGenerator(this.options.generator, generator).random() < this.p, true);
  }
  toSpec(): TransformSpec {
    return { name: "RandomHorizontalFlip", args: [this.p] };
  }
}

/** Flips top-bottom with probability p. Example: `new RandomVerticalFlip(0.5)`. */
export class RandomVerticalFlip implements Transform {
  constructor(
    readonly p = 0.5,
    readonly options: { generator?: Generator } = {},
  ) {}
  forward(x: Tensor, generator?: Generator): Tensor {
    return flipIf(x, pickGenerator(this.options.generator, generator).random() < this.p, false);
  }
  toSpec(): TransformSpec {
    return { name: "RandomVerticalFlip", args: [this.p] };
  }
}

function flipIf(x: Tensor, flip: boolean, horizontal: boolean): Tensor {
  const [planes, H, W] = planesOf(horizontal ? "RandomHorizontalFlip" : "RandomVerticalFlip", x);
  if (!flip) return x;
  const out = allocUninitialized(x.dtype, x.numel());
  flipPlanes(denseData(x), planes, H, W, horizontal, out);
  return Tensor.fromArray(out, x.shape.slice());
}

export { ColorJitter, type ColorJitterOptions } from "./color-jitter.js";
export type { PaddingMode } from "./image-kernels.js";
export type {
  ImageInput,
  ImageLike,
  Transform,
  TransformFn,
  TransformSpec,
} from "./transform-utils.js";

/** Wraps a function as a transform (it cannot be sent to workers). Example: `new Lambda((x) => x.mul(2))`. */
export class Lambda implements Transform<any> {
  constructor(readonly fn: TransformFn<any>) {}
  forward(x: any, generator?: Generator): Tensor {
    return this.fn(x, generator);
  }
}

type Builder = (...args: any[]) => Transform<any>;
const builders: Record<string, Builder> = {
  Compose: (specs: TransformSpec[]) => new Compose(specs.map(transformFromSpec)),
  ToTensor: () => new ToTensor(),
  Normalize: (mean, std) => new Normalize(mean, std),
  Resize: (size) => new Resize(size),
  CenterCrop: (size) => new CenterCrop(size),
  RandomCrop: (size, options) => new RandomCrop(size, options),
  RandomResizedCrop: (size, options) => new RandomResizedCrop(size, options),
  RandomHorizontalFlip: (p) => new RandomHorizontalFlip(p),
  RandomVerticalFlip: (p) => new RandomVerticalFlip(p),
  ColorJitter: (options) => new ColorJitter(options),
};

/**
 * Rebuilds a built-in transform from its `toSpec()` JSON (how worker threads receive pipelines).
 * Example: `transformFromSpec(new Resize(96).toSpec())`.
 */
export function transformFromSpec(spec: TransformSpec): Transform<any> {
  const build = builders[spec?.name];
  if (build === undefined)
    throw new Error(
      `transformFromSpec: unknown transform "${spec?.name}" (known: ${Object.keys(builders).join(", ")})`,
    );
  return build(...spec.args);
}
