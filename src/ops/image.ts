// Image-shaped ops: resizing (`interpolate`), sliding-window extraction (`unfold`/`fold`, the
// im2col pair as differentiable primitives) and padding modes beyond constant. Interpolation is
// separable, so it is a row-selection or a small matmul per spatial dim: differentiable for free.
import { apply, definePrimitive, type Primitive } from "../autograd/function.js";
import { getBackend } from "../backend/index.js";
import type { WindowDims } from "../backend/backend.js";
import { tensor } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { pair, type Size2 } from "./conv.js";
import { indexSelect } from "./indexing.js";
import { matmul } from "./matmul.js";
import { type TrailingArgs, trailingOptions } from "./options.js";
import { pad, transpose } from "./shape.js";
import { dense, empty } from "./util.js";

// ---------------------------------------------------------------- interpolate

/** Resampling modes of `interpolate`. */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear";

/** Options of `interpolate` (PyTorch's keyword arguments); give `size` or `scaleFactor`. */
export interface InterpolateOptions {
  size?: number | readonly number[];
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  /** Linear modes only: map the corner pixels' centres onto each other. */
  alignCorners?: boolean;
  /** Compute the sampling scale from the output size rather than from `scaleFactor`. */
  recomputeScaleFactor?: boolean;
}

// PyTorch's area_pixel_compute_scale: the step between source positions of adjacent outputs.
function sourceScale(
  input: number,
  output: number,
  alignCorners: boolean,
  scaleFactor: number | undefined,
): number {
  if (alignCorners) return output > 1 ? (input - 1) / (output - 1) : 0;
  return scaleFactor !== undefined && scaleFactor > 0 ? 1 / scaleFactor : input / output;
}

function nearestIndices(input: number, output: number, scale: number, exact: boolean): number[] {
  const idx: number[] = [];
  for (let i = 0; i < output; i++) {
    const src = Math.floor(exact ? (i + 0.5) * scale : i * scale);
    idx.push(Math.min(src, input - 1));
  }
  return idx;
}

// The [output, input] matrix of linear interpolation weights (two per row).
function linearMatrix(
  input: number,
  output: number,
  scale: number,
  alignCorners: boolean,
  dtype: "float32" | "float64",
): Tensor {
  const m: number[][] = [];
  for (let i = 0; i < output; i++) {
    const row = new Array<number>(input).fill(0);
    const src = alignCorners ? scale * i : Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), input - 1);
    const i1 = i0 < input - 1 ? i0 + 1 : i0;
    const l1 = Math.min(src - i0, 1);
    row[i0] += 1 - l1;
    row[i1] += l1;
    m.push(row);
  }
  return tensor(m, { dtype });
}

/**
 * Resizes the spatial dims of `[N, C, L]` or `[N, C, H, W]` by `size` or `scaleFactor`, as
 * `F.interpolate` (nearest, nearest-exact, linear, bilinear); the arguments after the input are
 * PyTorch's, positional or as options. Example:
 * `nb.interpolate(x, { scaleFactor: 2, mode: "bilinear", alignCorners: false })`,
 * `F.interpolate(x, null, 2, "nearest")`.
 */
export function interpolate(
  x: Tensor,
  ...args:
    | [options: InterpolateOptions]
    | TrailingArgs<
        [
          size: number | readonly number[] | null | undefined,
          scaleFactor: number | readonly number[] | null | undefined,
          mode: InterpolateMode | undefined,
          alignCorners: boolean | null | undefined,
          recomputeScaleFactor: boolean | null | undefined,
        ],
        InterpolateOptions
      >
): Tensor {
  const given = trailingOptions<Record<string, unknown>>(
    "interpolate",
    ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"],
    args,
  );
  // A positional None (null) is an omitted argument, as in PyTorch.
  const opts = Object.fromEntries(
    Object.entries(given).filter(([, v]) => v !== null),
  ) as InterpolateOptions;
  if (!(x instanceof Tensor)) throw new TypeError("interpolate: input must be a Tensor");
  if (!isFloating(x.dtype))
    throw new TypeError(`interpolate: expected a floating-point input, got ${x.dtype}`);
  const mode = opts.mode ?? "nearest";
  const spatial = x.ndim - 2;
  if (spatial !== 1 && spatial !== 2) {
    throw new Error(`interpolate: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`);
  }
  if ((mode === "linear" && spatial !== 1) || (mode === "bilinear" && spatial !== 2)) {
    throw new Error(
      `interpolate: mode '${mode}' does not fit an input of ${x.ndim} dims ${fmtShape(x.shape)}`,
    );
  }
  const linear = mode === "linear" || mode === "bilinear";
  if (!linear && opts.alignCorners !== undefined) {
    throw new Error(`interpolate: alignCorners applies only to the linear modes, not '${mode}'`);
  }
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) {
    throw new Error("interpolate: give exactly one of size and scaleFactor");
  }
  const perDim = <T>(v: T | readonly T[], name: string): T[] => {
    const list = Array.isArray(v) ? (v as T[]) : new Array<T>(spatial).fill(v as T);
    if (list.length !== spatial) {
      throw new Error(
        `interpolate: ${name} needs ${spatial} values for input ${fmtShape(x.shape)}, got ${list.length}`,
      );
    }
    return list;
  };
  const inSizes = x.shape.slice(2);
  const factors =
    opts.scaleFactor === undefined ? undefined : perDim(opts.scaleFactor, "scaleFactor");
  const outSizes =
    opts.size !== undefined
      ? perDim(opts.size, "size")
      : inSizes.map((s, i) => Math.floor(s * factors![i]));
  if (outSizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(
      `interpolate: output size [${outSizes}] must hold positive ints (input ${fmtShape(x.shape)})`,
    );
  }
  const alignCorners = opts.alignCorners ?? false;
  let out = x;
  for (let i = 0; i < spatial; i++) {
    const dim = 2 + i;
    const input = inSizes[i];
    const output = outSizes[i];
    const factor = opts.recomputeScaleFactor ? undefined : factors?.[i];
    const scale = sourceScale(input, output, linear && alignCorners, factor);
    if (!linear) {
      out = indexSelect(out, dim, nearestIndices(input, output, scale, mode === "nearest-exact"));
      continue;
    }
    const m = linearMatrix(input, output, scale, alignCorners, x.dtype as "float32" | "float64");
    // Resample dim `dim` with a matmul: move it last, multiply by m^T, move it back.
    out = transpose(matmul(transpose(out, dim, -1), transpose(m, 0, 1)), dim, -1);
  }
  return out;
}

// ---------------------------------------------------------------- unfold / fold

interface WindowAttrs {
  /** [N, C, H, W] of the image side. */
  imageShape: readonly number[];
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  out: [number, number];
}

function windowDims(a: WindowAttrs): WindowDims {
  const [N, C, H, W] = a.imageShape;
  return [
    N,
    C,
    H,
    W,
    a.kernel[0],
    a.kernel[1],
    a.stride[0],
    a.stride[1],
    a.padding[0],
    a.padding[1],
    a.dilation[0],
    a.dilation[1],
    a.out[0],
    a.out[1],
  ];
}

function colsShape(a: WindowAttrs): number[] {
  const [N, C] = a.imageShape;
  return [N, C * a.kernel[0] * a.kernel[1], a.out[0] * a.out[1]];
}

const Unfold: Primitive<WindowAttrs> = definePrimitive<WindowAttrs>({
  name: "Im2Col",
  forward(_ctx, [x], a) {
    const cols = empty(colsShape(a), x.dtype);
    getBackend().im2col(dense(x).storage.data, cols.storage.data, ...windowDims(a));
    return cols;
  },
  // fold is unfold's adjoint, and the other way round.
  backward: (g, _ctx, a) => [apply(Fold, [g], a)],
});

const Fold: Primitive<WindowAttrs> = definePrimitive<WindowAttrs>({
  name: "Col2Im",
  forward(_ctx, [cols], a) {
    const x = empty(a.imageShape, cols.dtype);
    getBackend().col2im(dense(cols).storage.data, x.storage.data, ...windowDims(a));
    return x;
  },
  backward: (g, _ctx, a) => [apply(Unfold, [g], a)],
});

/** Options of `unfold` and `fold`. */
export interface WindowOptions {
  dilation?: Size2;
  padding?: Size2;
  stride?: Size2;
}

// F.unfold(input, kernel_size, dilation=1, padding=0, stride=1) and F.fold's order.
const WINDOW_ARGS = ["dilation", "padding", "stride"] as const;

function windowAttrs(
  op: string,
  imageShape: number[],
  kernelSize: Size2,
  opts: WindowOptions,
): WindowAttrs {
  const kernel = pair(op, "kernelSize", kernelSize);
  const stride = pair(op, "stride", opts.stride ?? 1);
  const padding = pair(op, "padding", opts.padding ?? 0);
  const dilation = pair(op, "dilation", opts.dilation ?? 1);
  if ([...kernel, ...stride, ...dilation].some((v) => v < 1) || padding.some((v) => v < 0)) {
    throw new Error(`${op}: kernel, stride and dilation must be positive and padding non-negative`);
  }
  const size = (i: number) =>
    Math.floor(
      (imageShape[2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i],
    ) + 1;
  const out: [number, number] = [size(0), size(1)];
  if (out[0] < 1 || out[1] < 1) {
    throw new Error(
      `${op}: image ${fmtShape(imageShape)} is too small for kernel [${kernel}] (padding [${padding}], dilation [${dilation}])`,
    );
  }
  return { imageShape, kernel, stride, padding, dilation, out };
}

/**
 * Extracts sliding blocks (im2col): `[N, C, H, W]` to `[N, C*KH*KW, L]`, as `F.unfold`
 * (dilation, padding, stride positional or as options). Example: `nb.unfold(x, 3, { padding: 1 })`.
 */
export function unfold(
  x: Tensor,
  kernelSize: Size2,
  ...args: TrailingArgs<
    [dilation: Size2 | undefined, padding: Size2 | undefined, stride: Size2 | undefined],
    WindowOptions
  >
): Tensor {
  const opts = trailingOptions<WindowOptions>("unfold", WINDOW_ARGS, args);
  if (!(x instanceof Tensor)) throw new TypeError("unfold: input must be a Tensor");
  if (x.ndim !== 4)
    throw new Error(`unfold: expected a 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (!isFloating(x.dtype))
    throw new TypeError(`unfold: expected a floating-point input, got ${x.dtype}`);
  return apply(Unfold, [x], windowAttrs("unfold", x.shape.slice(), kernelSize, opts));
}

/**
 * Sums sliding blocks back into an image (col2im): `[N, C*KH*KW, L]` to `[N, C, H, W]`, as `F.fold`
 * (dilation, padding, stride positional or as options). Example: `nb.fold(cols, [4, 5], 2)`.
 */
export function fold(
  cols: Tensor,
  outputSize: Size2,
  kernelSize: Size2,
  ...args: TrailingArgs<
    [dilation: Size2 | undefined, padding: Size2 | undefined, stride: Size2 | undefined],
    WindowOptions
  >
): Tensor {
  const opts = trailingOptions<WindowOptions>("fold", WINDOW_ARGS, args);
  if (!(cols instanceof Tensor)) throw new TypeError("fold: input must be a Tensor");
  if (cols.ndim !== 3)
    throw new Error(`fold: expected a 3-D input [N, C*KH*KW, L], got ${fmtShape(cols.shape)}`);
  if (!isFloating(cols.dtype))
    throw new TypeError(`fold: expected a floating-point input, got ${cols.dtype}`);
  const [H, W] = pair("fold", "outputSize", outputSize);
  const [KH, KW] = pair("fold", "kernelSize", kernelSize);
  const [N, CK, L] = cols.shape;
  if (CK % (KH * KW) !== 0) {
    throw new Error(
      `fold: input ${fmtShape(cols.shape)} dim 1 (${CK}) is not divisible by the kernel size ${KH}x${KW}`,
    );
  }
  const attrs = windowAttrs("fold", [N, CK / (KH * KW), H, W], [KH, KW], opts);
  if (attrs.out[0] * attrs.out[1] !== L) {
    throw new Error(
      `fold: input ${fmtShape(cols.shape)} has ${L} blocks, but output size [${H}, ${W}] with kernel [${KH}, ${KW}] gives ${attrs.out[0]}x${attrs.out[1]}`,
    );
  }
  return apply(Fold, [cols], attrs);
}

// ---------------------------------------------------------------- padding modes

/** How `padNd` fills the border. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

// Source index of each padded position along one dim.
function padIndices(mode: PadMode, size: number, before: number, after: number): number[] {
  const idx: number[] = [];
  for (let i = -before; i < size + after; i++) {
    if (mode === "replicate") idx.push(Math.min(Math.max(i, 0), size - 1));
    else if (mode === "circular") idx.push(((i % size) + size) % size);
    else {
      // reflect: mirror about the edge cells without repeating them.
      let j = i < 0 ? -i : i;
      if (j >= size) j = 2 * (size - 1) - j;
      idx.push(j);
    }
  }
  return idx;
}

/**
 * Pads with `F.pad`'s modes; `pads` lists (before, after) pairs from the last dim backwards.
 * Example: `nb.padNd(x, [1, 1, 1, 1], "reflect")`.
 */
export function padNd(
  x: Tensor,
  pads: readonly number[],
  mode: PadMode = "constant",
  value = 0,
): Tensor {
  if (mode === "constant") return pad(x, pads, value);
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new Error(`pad: pads ${fmtShape(pads)} must be pairs for at most ${x.ndim} dims`);
  }
  let out = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const dim = x.ndim - 1 - k;
    const [before, after] = [pads[2 * k], pads[2 * k + 1]];
    const size = x.shape[dim];
    if (before < 0 || after < 0 || !Number.isInteger(before) || !Number.isInteger(after)) {
      throw new Error(`pad: ${mode} padding needs non-negative integers, got ${fmtShape(pads)}`);
    }
    if (before === 0 && after === 0) continue;
    const limit = mode === "reflect" ? size - 1 : mode === "circular" ? size : Infinity;
    if (before > limit || after > limit || size === 0) {
      throw new Error(
        `pad: ${mode} padding (${before}, ${after}) of dim ${dim} must be at most ${limit} for input ${fmtShape(x.shape)}`,
      );
    }
    out = indexSelect(out, dim, padIndices(mode, size, before, after));
  }
  return out;
}
