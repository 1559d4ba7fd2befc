// Shared pieces of the image transforms: the Transform interface, its JSON spec, and small
// helpers over image tensors shaped [..., H, W].
import { type DType, type TypedArray, isFloating } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** A JSON description of a built-in transform. Example: `{ name: "Resize", args: [224] }`. */
export interface TransformSpec {
  name: string;
  args: unknown[];
}

/**
 * An image transform: `forward(x, generator?)` returns a new tensor.
 * Example: `const t: Transform = new nb.data.transforms.RandomHorizontalFlip(); t.forward(img)`.
 */
export interface Transform<I = Tensor> {
  forward(x: I, generator?: Generator): Tensor;
  /** The JSON that `transformFromSpec` rebuilds it from; absent for arbitrary functions. */
  toSpec?(): TransformSpec;
}

/** A plain function used as a transform. Example: `(x) => x.mul(2)`. */
export type TransformFn<I = Tensor> = (x: I, generator?: Generator) => Tensor;

/** 8-bit image data such as a canvas `ImageData` or a decoded PNG: interleaved HWC bytes. */
export interface ImageLike {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Channels per pixel (default: data.length / (width * height)). */
  channels?: number;
}

/** What `ToTensor` (and hence `Compose`) accepts: a tensor or 8-bit image data. */
export type ImageInput = Tensor | ImageLike;

/** The dense values of `t` (no copy when it is already contiguous). */
export function denseData(t: Tensor): TypedArray {
  if (t.isContiguous()) return t.storage.data.subarray(t.offset, t.offset + t.numel());
  return t.data();
}

/** Splits [..., H, W] into (planes, H, W), checking the image has at least 2 dims. */
export function planesOf(op: string, x: Tensor): [number, number, number] {
  if (!(x instanceof Tensor))
    throw new TypeError(`${op}: expected a Tensor image, got ${typeof x}`);
  if (x.ndim < 2)
    throw new Error(`${op}: expected an image shaped [..., H, W], got ${fmtShape(x.shape)}`);
  const H = x.shape[x.ndim - 2];
  const W = x.shape[x.ndim - 1];
  return [H * W === 0 ? 0 : x.numel() / (H * W), H, W];
}

export function checkFloat(op: string, x: Tensor): void {
  if (!isFloating(x.dtype))
    throw new TypeError(
      `${op}: expected a float image tensor, got ${x.dtype} (apply ToTensor first)`,
    );
}

export function withHW(x: Tensor, h: number, w: number, data: TypedArray): Tensor {
  return Tensor.fromArray(data, [...x.shape.slice(0, -2), h, w]);
}

/** A [h, w] pair from `size` (a number means square). */
export function pair(op: string, size: number | readonly number[]): [number, number] {
  const [h, w] =
    typeof size === "number" ? [size, size] : size.length === 1 ? [size[0], size[0]] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0)
    throw new RangeError(`${op}: size must be positive integers, got ${JSON.stringify(size)}`);
  return [h, w];
}

/** Python's round-half-to-even, which torchvision's center crop uses. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function pickGenerator(own: Generator | undefined, given: Generator | undefined): Generator {
  return given ?? own ?? defaultGenerator;
}

export function uniform(gen: Generator, lo: number, hi: number): number {
  return lo + (hi - lo) * gen.random();
}

const constructors = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/**
 * An array of `dtype` whose every element the caller overwrites. In Node it skips zero-filling
 * (`Buffer.allocUnsafeSlow`): for batch-sized outputs the memset is a visible share of the time.
 * Example: `const out = allocUninitialized("float32", 256 * 784)`.
 */
export function allocUninitialized(dtype: DType, n: number): TypedArray {
  const Ctor = constructors[dtype];
  if (typeof Buffer === "undefined" || n < 1024) return new Ctor(n);
  const bytes = Buffer.allocUnsafeSlow(n * Ctor.BYTES_PER_ELEMENT);
  return new Ctor(bytes.buffer, bytes.byteOffset, n);
}
