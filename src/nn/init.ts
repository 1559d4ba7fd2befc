// nn.init: PyTorch's initialisation schemes, in place under no-grad, on any floating tensor.
import { noGrad } from "../autograd/grad-mode.js";
import { eye, rand, tensor } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { isUninitialized } from "./parameter.js";

/** The activations `calculateGain` knows (PyTorch's spelling; camelCase aliases accepted). */
export type Nonlinearity =
  | "linear"
  | "identity"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "convTranspose1d"
  | "convTranspose2d"
  | "convTranspose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "leakyRelu"
  | "selu";

/** Which fan the kaiming schemes preserve: the forward pass ("fan_in") or the backward ("fan_out"). */
export type FanMode = "fan_in" | "fan_out" | "fanIn" | "fanOut";

function check(op: string, t: Tensor): boolean {
  if (isUninitialized(t))
    throw new Error(
      `${op}: the parameter is uninitialized (a lazy module's); run a forward pass first`,
    );
  if (!isFloating(t.dtype))
    throw new TypeError(`${op}: expected a floating-point tensor, got ${t.dtype}`);
  return t.numel() > 0;
}

/**
 * The recommended gain for an activation: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for
 * relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope 0.01 by default), 3/4 for selu.
 * Example: `nn.init.calculateGain("leaky_relu", Math.sqrt(5))`.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "identity":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "convTranspose1d":
    case "convTranspose2d":
    case "convTranspose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
    case "leakyRelu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope))
        throw new TypeError(`calculateGain: negative_slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity "${String(nonlinearity)}"`);
  }
}

/**
 * `[fanIn, fanOut]` of a weight laid out as PyTorch's: `[out, in]` for linear layers,
 * `[out, in/groups, k...]` for convolutions (each times the receptive field).
 * Example: `nn.init.calculateFanInAndFanOut(nb.empty([6, 1, 5, 5]))` is `[25, 150]`.
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2)
    throw new Error(
      `calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`,
    );
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fanOf(op: string, t: Tensor, mode: FanMode): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  if (mode === "fan_in" || mode === "fanIn") return fanIn;
  if (mode === "fan_out" || mode === "fanOut") return fanOut;
  throw new Error(`${op}: mode must be "fan_in" or "fan_out", got "${String(mode)}"`);
}

/** Fills with U(a, b). Example: `nn.init.uniform_(w, -0.1, 0.1)`. */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  if (check("uniform_", t)) noGrad(() => t.uniform_(a, b));
  return t;
}

/** Fills with N(mean, std^2). Example: `nn.init.normal_(m.weight, 0, 0.01)`. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  if (check("normal_", t)) noGrad(() => t.normal_(mean, std));
  return t;
}

/** Fills with a constant. Example: `nn.init.constant_(m.weight, 42)`. */
export function constant_(t: Tensor, value: number): Tensor {
  if (check("constant_", t)) noGrad(() => t.fill_(value));
  return t;
}

/** Fills with zeros. Example: `nn.init.zeros_(m.bias)`. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills with ones. Example: `nn.init.ones_(bn.weight)`. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Fills a 2-D tensor with the identity (ones on the diagonal). Example: `nn.init.eye_(w)`. */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2)
    throw new Error(`eye_: only 2-D tensors are supported, got shape ${fmtShape(t.shape)}`);
  if (check("eye_", t)) noGrad(() => t.copy_(eye(t.shape[0], t.shape[1], { dtype: t.dtype })));
  return t;
}

/**
 * Glorot uniform: U(-bound, bound) with bound = gain * sqrt(6 / (fanIn + fanOut)).
 * Example: `nn.init.xavierUniform_(m.weight)`.
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  if (!check("xavierUniform_", t)) return t;
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/** Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). Example: `nn.init.xavierNormal_(w)`. */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  if (!check("xavierNormal_", t)) return t;
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of the kaiming (He) schemes, as PyTorch's keyword arguments. */
export interface KaimingOptions {
  /** The negative slope of the leaky_relu that follows (default 0). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/**
 * He uniform: U(-bound, bound) with bound = sqrt(3) * gain / sqrt(fan).
 * Example: `nn.init.kaimingUniform_(w, { a: Math.sqrt(5) })` (nn.Linear's default).
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (!check("kaimingUniform_", t)) return t;
  const { a = 0, mode = "fan_in", nonlinearity = "leaky_relu" } = options;
  const std = calculateGain(nonlinearity, a) / Math.sqrt(fanOf("kaimingUniform_", t, mode));
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound);
}

/**
 * He normal: N(0, std^2) with std = gain / sqrt(fan).
 * Example: `nn.init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" })`.
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (!check("kaimingNormal_", t)) return t;
  const { a = 0, mode = "fan_in", nonlinearity = "leaky_relu" } = options;
  const std = calculateGain(nonlinearity, a) / Math.sqrt(fanOf("kaimingNormal_", t, mode));
  return normal_(t, 0, std);
}

/**
 * N(mean, std^2) truncated to [a, b], by PyTorch's method: uniform samples between the bounds'
 * CDF values, mapped through the inverse normal CDF. Example: `nn.init.truncNormal_(w, 0, 0.02)`.
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  if (!check("truncNormal_", t)) return t;
  if (!(b > a)) throw new RangeError(`truncNormal_: need a < b, got a=${a}, b=${b}`);
  const lo = normCdf((a - mean) / std);
  const hi = normCdf((b - mean) / std);
  const u = rand([t.numel()], { dtype: "float64" }).data();
  const out = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) {
    const p = lo + (hi - lo) * u[i];
    const x = mean + std * normInv(Math.min(Math.max(p, Number.MIN_VALUE), 1 - 2 ** -53));
    out[i] = Math.min(Math.max(x, a), b);
  }
  noGrad(() => t.copy_(tensor(out).reshape([...t.shape])));
  return t;
}

// Phi(x) = erfc(-x / sqrt 2) / 2, with erfc from Numerical Recipes (relative error < 1.2e-7).
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const k = 1 / (1 + 0.5 * z);
  const erfcZ =
    k *
    Math.exp(
      -z * z -
        1.26551223 +
        k *
          (1.00002368 +
            k *
              (0.37409196 +
                k *
                  (0.09678418 +
                    k *
                      (-0.18628806 +
                        k *
                          (0.27886807 +
                            k *
                              (-1.13520398 +
                                k * (1.48851587 + k * (-0.82215223 + k * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfcZ / 2 : erfcZ / 2;
}

// Wichura's AS241 (PPND16) coefficients, lowest order first.
const A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const B = [
  1.0, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597,
  39307.89580009271, 28729.085735721943, 5226.495278852854,
];
const C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const D = [
  1.0, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
  0.026532189526576124, 0.0012426609473880784, 2.7115555687434876e-5, 2.0103343992922881e-7,
];
const F = [
  1.0, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  1.8463183175100548e-5, 1.421511758316446e-7, 2.0442631033899397e-15,
];

function horner(coefs: readonly number[], x: number): number {
  let acc = 0;
  for (let i = coefs.length - 1; i >= 0; i--) acc = acc * x + coefs[i];
  return acc;
}

// The inverse normal CDF, Wichura's algorithm AS241 (PPND16), accurate to about 1e-16.
function normInv(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(A, r)) / horner(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x = horner(C, r) / horner(D, r);
  } else {
    r -= 5;
    x = horner(E, r) / horner(F, r);
  }
  return q < 0 ? -x : x;
}
