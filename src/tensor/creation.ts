import type { DType, TypedArray } from "./dtype.js";
import { allocArray, checkDType, dtypeOfArray, isFloating } from "./dtype.js";
import { checkAllocation } from "./memory.js";
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

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * `value` as `dtype` stores it, as PyTorch converts a Python number: int32 truncates toward zero
 * but refuses what it cannot hold (NaN, infinities, beyond +-2^31) instead of wrapping; bool is
 * `value != 0`. Example: `storedValue("full", 2.7, "int32") === 2`.
 */
export function storedValue(op: string, value: number | boolean, dtype: DType): number {
  const v = Number(value);
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  if (dtype === "int32" && !(v >= INT32_MIN && v < INT32_MAX + 1))
    throw new RangeError(
      `${op}: value ${v} cannot be converted to int32 without overflow (int32 holds ${INT32_MIN} to ${INT32_MAX})`,
    );
  return v;
}

// Copies numbers into a fresh array of `dtype`, converting each as `storedValue` does.
function storedArray(op: string, values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = allocArray(dtype, values.length);
  if (dtype === "float32" || dtype === "float64") {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  } else {
    for (let i = 0; i < values.length; i++) out[i] = storedValue(op, values[i], dtype);
  }
  return out;
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
    checkAllocation("tensor", [typed.length], dtype, typed.length);
    return finish(Tensor.fromArray(storedArray("tensor", typed, dtype), [typed.length]), opts);
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
  checkAllocation("tensor", shape, dtype, flat.length);
  return finish(Tensor.fromArray(storedArray("tensor", flat, dtype), shape), opts);
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

// `value` is a number to fill with, or a sampler: a float one (`randomFloats`) refuses integer
// dtypes, as PyTorch's rand does; an integer one (randint) fits any dtype.
function filled(
  op: string,
  args: ShapeArgs,
  value: number | ((gen: Generator) => number),
  randomFloats = true,
): Tensor {
  const [shape, opts] = parseArgs(op, args);
  const dtype = dtypeOf(op, opts, "float32");
  checkAllocation(op, shape, dtype, numelOf(shape));
  if (typeof value === "number") {
    const stored = storedValue(op, value, dtype);
    const out = allocArray(dtype, numelOf(shape));
    if (stored !== 0) out.fill(stored);
    return finish(Tensor.fromArray(out, shape), opts);
  }
  if (randomFloats && !isFloating(dtype))
    throw new TypeError(`${op}: random floating values cannot be made as ${dtype} (use randint)`);
  const out = allocArray(dtype, numelOf(shape));
  const gen = opts?.generator ?? defaultGenerator;
  for (let i = 0; i < out.length; i++) out[i] = value(gen);
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
  if (typeof value !== "number" && typeof value !== "boolean")
    throw new TypeError(`full: the fill value must be a number or a boolean, got ${typeof value}`);
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
  if (typeof mean !== "number")
    throw new TypeError(`normal: mean must be a number, got ${typeof mean}`);
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
  if (!Number.isFinite(low) || !Number.isFinite(high))
    throw new RangeError(`uniform: low and high must be finite numbers, got ${low} and ${high}`);
  if (!(high >= low)) throw new RangeError(`uniform: high (${high}) must be >= low (${low})`);
  return filled("uniform", [shape, opts], (g) => low + (high - low) * g.random());
}

/**
 * Integers in [low, high), int32 by default; `randint(high, shape)` starts at 0, as PyTorch.
 * Example: `nb.randint(0, 10, [5])`, `nb.randint(10, [5])`.
 */
export function randint(
  low: number,
  high: number | readonly number[],
  shape?: readonly number[] | TensorOptions,
  opts?: TensorOptions,
): Tensor {
  let lo = low;
  let hi = high;
  let size = shape;
  let options = opts;
  if (Array.isArray(high)) {
    [lo, hi, size, options] = [0, low, high, shape as TensorOptions | undefined];
  }
  if (!Array.isArray(size))
    throw new TypeError(`randint: expected a shape array, got ${JSON.stringify(size)}`);
  if (!Number.isInteger(lo) || !Number.isInteger(hi))
    throw new TypeError(`randint: low and high must be integers, got ${lo} and ${String(hi)}`);
  const l = lo;
  const h = hi as number;
  if (!(h > l)) throw new RangeError(`randint: high (${h}) must be > low (${l})`);
  const dtype = dtypeOf("randint", options, "int32");
  if (dtype === "int32" && (l < INT32_MIN || h - 1 > INT32_MAX))
    throw new RangeError(
      `randint: [${l}, ${h}) does not fit in int32 (${INT32_MIN} to ${INT32_MAX})`,
    );
  if (dtype === "bool" && (l < 0 || h > 2))
    throw new RangeError(`randint: [${l}, ${h}) does not fit in bool (0 to 1)`);
  return filled("randint", [size, { ...options, dtype }], (g) => g.randint(l, h), false);
}

/** A random permutation of 0..n-1 (int32). Example: `nb.randperm(5)`. */
export function randperm(n: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  const gen = opts?.generator ?? defaultGenerator;
  const dtype = dtypeOf("randperm", opts, "int32");
  if (dtype === "int32" && n - 1 > INT32_MAX)
    throw new RangeError(`randperm: n (${n}) is too large for int32`);
  if (dtype === "bool" && n > 2) throw new RangeError(`randperm: n (${n}) is too large for bool`);
  checkAllocation("randperm", [n], dtype, n);
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = gen.randint(0, i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return finish(Tensor.fromArray(out, [n]), opts);
}

const isOptions = (v: unknown): v is TensorOptions =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Values from `start` to `end` (exclusive) by `step`; float32 unless a dtype is given, since JS
 * cannot tell `arange(4.0)` from `arange(4)`. Options may follow any of the numbers.
 * Example: `nb.arange(12)`, `nb.arange(0, 1, 0.25)`, `nb.arange(5, { dtype: "int32" })`.
 */
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const last = args[args.length - 1];
  const opts = isOptions(last) ? last : undefined;
  const nums = (opts === undefined ? args : args.slice(0, -1)) as (number | undefined)[];
  // arange(end), arange(start, end), arange(start, end, step); an undefined end means arange(start).
  if (nums.length === 0 || nums.length > 3)
    throw new TypeError(
      `arange: expected (end), (start, end) or (start, end, step), got ${nums.length} numbers`,
    );
  let [start, end, step] = nums;
  if (end === undefined) [start, end] = [0, start];
  step ??= 1;
  for (const [name, v] of [
    ["start", start],
    ["end", end],
    ["step", step],
  ] as const) {
    if (typeof v !== "number")
      throw new TypeError(
        `arange: ${name} must be a number, got ${v === null ? "null" : typeof v}`,
      );
  }
  const [a, b, d] = [start as number, end as number, step];
  if (!Number.isFinite(a) || !Number.isFinite(b))
    throw new RangeError(`arange: unsupported range ${a} -> ${b} (start and end must be finite)`);
  if (!Number.isFinite(d) || d === 0)
    throw new RangeError(`arange: step must be a finite non-zero number, got ${d}`);
  if ((d > 0 && b < a) || (d < 0 && b > a))
    throw new RangeError(`arange: the range ${a} -> ${b} goes against the sign of step ${d}`);
  const n = Math.ceil((b - a) / d);
  const dtype = dtypeOf("arange", opts, "float32");
  // The ends are the extreme values: if they fit the dtype, every value does.
  if (n > 0) for (const v of [a, a + (n - 1) * d]) storedValue("arange", v, dtype);
  checkAllocation("arange", [n], dtype, n);
  const out = allocArray(dtype, n);
  if (dtype === "bool") for (let i = 0; i < n; i++) out[i] = a + i * d !== 0 ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = a + i * d;
  return finish(Tensor.fromArray(out, [n]), opts);
}
/** `steps` evenly spaced values from start to end inclusive. Example: `nb.linspace(0, 1, 5)`. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (typeof start !== "number" || typeof end !== "number")
    throw new TypeError(
      `linspace: start and end must be numbers, got ${typeof start} and ${typeof end}`,
    );
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = dtypeOf("linspace", opts, "float32");
  checkAllocation("linspace", [steps], dtype, steps);
  const out = allocArray(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) {
    const v = i === steps - 1 && steps > 1 ? end : start + i * delta;
    out[i] = isFloating(dtype) ? v : storedValue("linspace", v, dtype);
  }
  return finish(Tensor.fromArray(out, [steps]), opts);
}
/** Identity matrix n×m. Example: `nb.eye(3)`, `nb.eye(3, { dtype: "float64" })`. */
export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  const options = isOptions(m) ? m : opts;
  const cols = isOptions(m) || m === undefined ? n : m;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(cols) || cols < 0)
    throw new RangeError(`eye: n and m must be non-negative integers, got ${n} and ${cols}`);
  const dtype = dtypeOf("eye", options, "float32");
  checkAllocation("eye", [n, cols], dtype, n * cols);
  const out = allocArray(dtype, n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) out[i * cols + i] = 1;
  return finish(Tensor.fromArray(out, [n, cols]), options);
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
  out[0] = dtype === "bool" ? (Number(value) !== 0 ? 1 : 0) : Number(value);
  return Tensor.fromArray(out, []);
}

export { fmtShape };
