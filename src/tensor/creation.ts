import type { DType, TypedArray } from "./dtype.js";
import { allocArray, checkDType, dtypeOfArray } from "./dtype.js";
import { defaultGenerator, type Generator } from "./random.js";
import { checkShape, fmtShape, numelOf } from "./shape.js";
import { device as parseDevice, type Device } from "./storage.js";
import { type NestedArray, Tensor } from "./tensor.js";

/** Options shared by the creation functions. Example: `nb.zeros([2], { dtype: "float64" })`. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  device?: string | Device;
  generator?: Generator;
}

/** Data accepted by `tensor()`: numbers, booleans, nested arrays of them, or typed arrays. */
export type TensorData = NestedArray | TypedArray | readonly NestedArray[];

function finish(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts?.device !== undefined) parseDevice(opts.device);
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function dtypeOf(op: string, opts: TensorOptions | undefined, fallback: DType): DType {
  return opts?.dtype === undefined ? fallback : checkDType(op, opts.dtype);
}

/**
 * Creates a tensor from nested arrays, typed arrays or a scalar. JS numbers become float32
 * (JS cannot tell `1` from `1.0`), booleans become bool, typed arrays keep their type
 * (Uint8Array becomes int32). Example: `nb.tensor([[1, 2], [3, 4]], { dtype: "int32" })`.
 */
export function tensor(data: TensorData | Tensor, opts?: TensorOptions): Tensor {
  if (data instanceof Tensor) {
    const copy = Tensor.fromArray(data.data(), data.shape.slice());
    return finish(
      opts?.dtype && opts.dtype !== data.dtype ? castCopy(copy, opts.dtype) : copy,
      opts,
    );
  }
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const natural = typed instanceof Uint8Array ? "int32" : (dtypeOfArray(typed) ?? "float32");
    const dtype = dtypeOf("tensor", opts, natural);
    const out = allocArray(dtype, typed.length);
    for (let i = 0; i < typed.length; i++) out[i] = typed[i];
    return finish(Tensor.fromArray(out, [typed.length]), opts);
  }
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (number | boolean)[] = [];
  let sawBool = false;
  let sawNumber = false;
  const walk = (value: unknown, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (Array.isArray(value)) {
        throw new Error(
          `tensor: ragged nested array: element at [${path.join(",")}] is an array, expected a number`,
        );
      }
      if (typeof value === "boolean") sawBool = true;
      else if (typeof value === "number") sawNumber = true;
      else
        throw new TypeError(
          `tensor: element at [${path.join(",")}] is ${typeof value}, expected a number or boolean`,
        );
      flat.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      const got = Array.isArray(value) ? `length ${value.length}` : typeof value;
      throw new Error(
        `tensor: ragged nested array: expected length ${shape[dim]} at [${path.join(",")}] (dim ${dim}) but got ${got}`,
      );
    }
    for (let i = 0; i < value.length; i++) walk(value[i], dim + 1, [...path, i]);
  };
  walk(data, 0, []);
  const natural: DType = sawBool && !sawNumber ? "bool" : "float32";
  const dtype = dtypeOf("tensor", opts, natural);
  const out = allocArray(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = Number(flat[i]);
  return finish(Tensor.fromArray(out, shape), opts);
}

function castCopy(t: Tensor, dtype: DType): Tensor {
  const src = t.data();
  const out = allocArray(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = dtype === "bool" ? (src[i] !== 0 ? 1 : 0) : src[i];
  return Tensor.fromArray(out, t.shape.slice());
}

type ShapeArgs = (number | readonly number[] | TensorOptions | undefined)[];

// Accepts PyTorch's two spellings, `zeros(2, 3)` and `zeros([2, 3])`, with options last.
function parseArgs(op: string, args: ShapeArgs): [number[], TensorOptions | undefined] {
  let opts: TensorOptions | undefined;
  const rest = args.slice();
  const last = rest[rest.length - 1];
  if (last === undefined && rest.length > 0) rest.pop();
  else if (last !== undefined && typeof last === "object" && !Array.isArray(last)) {
    opts = last as TensorOptions;
    rest.pop();
  }
  let shape: number[];
  if (rest.length === 1 && Array.isArray(rest[0])) shape = (rest[0] as number[]).slice();
  else if (rest.every((d) => typeof d === "number")) shape = rest as number[];
  else
    throw new TypeError(
      `${op}: expected a shape as numbers or one array, got ${JSON.stringify(rest)}`,
    );
  return [checkShape(op, shape), opts];
}

function filled(op: string, args: ShapeArgs, value: number | ((gen: Generator) => number)): Tensor {
  const [shape, opts] = parseArgs(op, args);
  const dtype = dtypeOf(op, opts, "float32");
  const out = allocArray(dtype, numelOf(shape));
  if (typeof value === "number") {
    if (value !== 0) out.fill(value);
  } else {
    const gen = opts?.generator ?? defaultGenerator;
    for (let i = 0; i < out.length; i++) out[i] = value(gen);
  }
  return finish(Tensor.fromArray(out, shape), opts);
}

/** Zeros. Example: `nb.zeros([2, 3])` or `nb.zeros(2, 3)`. */
export function zeros(...args: ShapeArgs): Tensor {
  return filled("zeros", args, 0);
}
/** Ones. Example: `nb.ones([2, 3], { dtype: "int32" })`. */
export function ones(...args: ShapeArgs): Tensor {
  return filled("ones", args, 1);
}
/** Uninitialised in PyTorch; zero-filled here (typed arrays are always initialised). Example: `nb.empty([3])`. */
export function empty(...args: ShapeArgs): Tensor {
  return filled("empty", args, 0);
}
/** A tensor filled with `value`. Example: `nb.full([2, 2], 7)`. */
export function full(
  shape: readonly number[],
  value: number | boolean,
  opts?: TensorOptions,
): Tensor {
  const natural: DType = typeof value === "boolean" ? "bool" : "float32";
  return filled("full", [shape, { ...opts, dtype: opts?.dtype ?? natural }], Number(value));
}
/** Uniform samples in [0, 1). Example: `nb.rand([2, 2])`. */
export function rand(...args: ShapeArgs): Tensor {
  return filled("rand", args, (g) => g.random());
}
/** Standard normal samples. Example: `nb.randn([3, 4])`. */
export function randn(...args: ShapeArgs): Tensor {
  return filled("randn", args, (g) => g.normal());
}
/** Normal samples with a mean and std. Example: `nb.normal(0, 0.01, [2, 3])`. */
export function normal(
  mean: number,
  std: number,
  shape: readonly number[],
  opts?: TensorOptions,
): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal: std must be non-negative, got ${std}`);
  return filled("normal", [shape, opts], (g) => mean + std * g.normal());
}
/** Uniform samples in [low, high). Example: `nb.uniform(-1, 1, [5])`. */
export function uniform(
  low: number,
  high: number,
  shape: readonly number[],
  opts?: TensorOptions,
): Tensor {
  if (!(high >= low)) throw new RangeError(`uniform: high (${high}) must be >= low (${low})`);
  return filled("uniform", [shape, opts], (g) => low + (high - low) * g.random());
}
/** Integers in [low, high), int32 by default. Example: `nb.randint(0, 10, [5])`. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  opts?: TensorOptions,
): Tensor {
  if (!(high > low)) throw new RangeError(`randint: high (${high}) must be > low (${low})`);
  return filled("randint", [shape, { ...opts, dtype: opts?.dtype ?? "int32" }], (g) =>
    g.randint(low, high),
  );
}
/** A random permutation of 0..n-1 (int32). Example: `nb.randperm(5)`. */
export function randperm(n: number, opts?: TensorOptions): Tensor {
  const gen = opts?.generator ?? defaultGenerator;
  const out = allocArray(dtypeOf("randperm", opts, "int32"), n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = gen.randint(0, i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return finish(Tensor.fromArray(out, [n]), opts);
}

/**
 * Values from `start` to `end` (exclusive) by `step`; float32 unless a dtype is given, since JS
 * cannot tell `arange(4.0)` from `arange(4)`. Example: `nb.arange(12)`, `nb.arange(0, 1, 0.25)`.
 */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError("arange: step must be non-zero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const out = allocArray(dtypeOf("arange", opts, "float32"), n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return finish(Tensor.fromArray(out, [n]), opts);
}
/** `steps` evenly spaced values from start to end inclusive. Example: `nb.linspace(0, 1, 5)`. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const out = allocArray(dtypeOf("linspace", opts, "float32"), steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) out[i] = i === steps - 1 && steps > 1 ? end : start + i * delta;
  return finish(Tensor.fromArray(out, [steps]), opts);
}
/** Identity matrix n×m. Example: `nb.eye(3)`. */
export function eye(n: number, m = n, opts?: TensorOptions): Tensor {
  checkShape("eye", [n, m]);
  const out = allocArray(dtypeOf("eye", opts, "float32"), n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return finish(Tensor.fromArray(out, [n, m]), opts);
}

const likeOpts = (t: Tensor, opts?: TensorOptions): TensorOptions => ({ dtype: t.dtype, ...opts });
/** Zeros shaped like `t`. Example: `nb.zerosLike(x)`. */
export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return zeros(t.shape.slice(), likeOpts(t, opts));
}
/** Ones shaped like `t`. Example: `nb.onesLike(x)`. */
export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return ones(t.shape.slice(), likeOpts(t, opts));
}
/** Empty (zero-filled) shaped like `t`. Example: `nb.emptyLike(x)`. */
export function emptyLike(t: Tensor, opts?: TensorOptions): Tensor {
  return empty(t.shape.slice(), likeOpts(t, opts));
}
/** Filled with `value`, shaped like `t`. Example: `nb.fullLike(x, 2)`. */
export function fullLike(t: Tensor, value: number, opts?: TensorOptions): Tensor {
  return full(t.shape.slice(), value, likeOpts(t, opts));
}
/** Uniform [0,1) shaped like `t`. Example: `nb.randLike(x)`. */
export function randLike(t: Tensor, opts?: TensorOptions): Tensor {
  return rand(t.shape.slice(), likeOpts(t, opts));
}
/** Standard normal shaped like `t`. Example: `nb.randnLike(x)`. */
export function randnLike(t: Tensor, opts?: TensorOptions): Tensor {
  return randn(t.shape.slice(), likeOpts(t, opts));
}

/** Wraps a scalar as a 0-d tensor of `dtype` (used for `x.add(2)`). */
export function scalarTensor(value: number | boolean, dtype: DType): Tensor {
  const out = allocArray(dtype, 1);
  out[0] = Number(value);
  return Tensor.fromArray(out, []);
}

export { fmtShape };
