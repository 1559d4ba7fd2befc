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
  if (check("eye_", t))
    noGrad(() => t.copy_(eye(t.shape[0], t.shape[1], { dtype: t.dtype })));
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
                            k * (-1.13520398 + k * (1.48851587 + k * (-0.82215223 + k * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfcZ / 2 : erfcZ / 2;
}

// The inverse normal CDF, Wichura's algorithm AS241 (PPND16), accurate to about 1e-16.
function normInv(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) *
        r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) *
        r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    x =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) *
        r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) *
        r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -x : x;
}
