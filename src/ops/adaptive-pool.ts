// Adaptive pooling (PyTorch's window boundaries): composed from the fixed-window pools, a mean,
// matmuls with averaging matrices or maxima over narrowed bands, so it needs no primitive.
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { matmul } from "./matmul.js";
import { avgPool2d, maxPool2d, poolInput } from "./pool.js";
import { amax, mean } from "./reduce.js";
import { narrow, squeeze, stack, transpose, unsqueeze } from "./shape.js";

/** A target size per dim; null keeps the input's. */
export type AdaptiveSize = number | readonly (number | null)[];

function adaptiveTarget(op: string, x: Tensor, size: AdaptiveSize): [number, number] {
  const s = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0], size[0]] : size;
  if (s.length !== 2)
    throw new Error(`${op}: outputSize must be an int or a pair, got ${JSON.stringify(size)}`);
  const out: [number, number] = [s[0] ?? x.shape[2], s[1] ?? x.shape[3]];
  if (out.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`${op}: outputSize must hold positive ints, got ${JSON.stringify(size)}`);
  return out;
}

// PyTorch's adaptive windows: output i covers [floor(i*in/out), ceil((i+1)*in/out)).
function windowStart(i: number, input: number, out: number): number {
  return Math.floor((i * input) / out);
}
function windowEnd(i: number, input: number, out: number): number {
  return Math.ceil(((i + 1) * input) / out);
}

// The [out, in] matrix whose row i averages the adaptive window i.
function averagingMatrix(input: number, out: number, dtype: "float32" | "float64"): Tensor {
  const m: number[][] = [];
  for (let i = 0; i < out; i++) {
    const row = new Array<number>(input).fill(0);
    const a = windowStart(i, input, out);
    const b = windowEnd(i, input, out);
    for (let j = a; j < b; j++) row[j] = 1 / (b - a);
    m.push(row);
  }
  return tensor(m, { dtype });
}

/**
 * Average pooling to a fixed output size, with PyTorch's window boundaries.
 * Example: `nb.adaptiveAvgPool2d(x, [1, 1])` (global average pooling).
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const [input, unbatched] = poolInput("adaptiveAvgPool2d", x);
  const [OH, OW] = adaptiveTarget("adaptiveAvgPool2d", input, outputSize);
  const [, , H, W] = input.shape;
  let out: Tensor;
  if (OH === 1 && OW === 1) out = mean(input, [2, 3], true);
  else if (H % OH === 0 && W % OW === 0) out = avgPool2d(input, [H / OH, W / OW]);
  else {
    // Averaging is separable: out = Ph @ x @ Pw^T with one averaging matrix per dim.
    const dtype = input.dtype as "float32" | "float64";
    const rows = matmul(averagingMatrix(H, OH, dtype), input);
    out = matmul(rows, transpose(averagingMatrix(W, OW, dtype), 0, 1));
  }
  return unbatched ? squeeze(out, 0) : out;
}

/**
 * Max pooling to a fixed output size, with PyTorch's window boundaries.
 * Example: `nb.adaptiveMaxPool2d(x, 7)`.
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const [input, unbatched] = poolInput("adaptiveMaxPool2d", x);
  const [OH, OW] = adaptiveTarget("adaptiveMaxPool2d", input, outputSize);
  const [, , H, W] = input.shape;
  let out: Tensor;
  if (H % OH === 0 && W % OW === 0) out = maxPool2d(input, [H / OH, W / OW]);
  else {
    // Uneven windows: the max of each window's rows, then of its columns.
    const rows: Tensor[] = [];
    for (let i = 0; i < OH; i++) {
      const h0 = windowStart(i, H, OH);
      const band = amax(narrow(input, 2, h0, windowEnd(i, H, OH) - h0), 2);
      const cells: Tensor[] = [];
      for (let j = 0; j < OW; j++) {
        const w0 = windowStart(j, W, OW);
        cells.push(amax(narrow(band, 2, w0, windowEnd(j, W, OW) - w0), 2));
      }
      rows.push(stack(cells, 2));
    }
    out = stack(rows, 2);
  }
  return unbatched ? squeeze(out, 0) : out;
}

/** Average pooling over `[N, C, L]` to a fixed length. Example: `nb.adaptiveAvgPool1d(x, 1)`. */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  if (!(x instanceof Tensor) || (x.ndim !== 2 && x.ndim !== 3))
    throw new Error(`adaptiveAvgPool1d: expected a 2-D or 3-D tensor input`);
  return squeeze(adaptiveAvgPool2d(unsqueeze(x, -2), [1, outputSize]), -2);
}

/** Max pooling over `[N, C, L]` to a fixed length. Example: `nb.adaptiveMaxPool1d(x, 1)`. */
export function adaptiveMaxPool1d(x: Tensor, outputSize: number): Tensor {
  if (!(x instanceof Tensor) || (x.ndim !== 2 && x.ndim !== 3))
    throw new Error(`adaptiveMaxPool1d: expected a 2-D or 3-D tensor input`);
  return squeeze(adaptiveMaxPool2d(unsqueeze(x, -2), [1, outputSize]), -2);
}
