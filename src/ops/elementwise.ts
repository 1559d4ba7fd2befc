import { apply, type BackwardRule, definePrimitive, type Primitive } from "../autograd/function.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { type BinaryOp, getBackend, type UnaryGradOp, type UnaryOp } from "../backend/index.js";
import { scalarTensor } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { isFloating, promoteTypes, promoteWithScalar } from "../tensor/dtype.js";
import { broadcastShapes, broadcastStrides } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./cast.js";
import { dense, type TensorLike, view, viewWith, uninitialized } from "./util.js";

// ---------------------------------------------------------------- unary

type UnaryAttrs = { p: number };

function unaryForward(op: UnaryOp, outDType?: DType) {
  return (_ctx: unknown, [x]: readonly Tensor[], { p }: UnaryAttrs): Tensor => {
    const out = uninitialized(x.shape, outDType ?? x.dtype);
    getBackend().unary(op, view(x), out.storage.data, p);
    return out;
  };
}

// Activations with a fused backward kernel use it unless a graph of the backward is being built
// (createGraph), in which case the rule is composed of differentiable ops.
function fusedOr(op: UnaryGradOp, composite: BackwardRule<UnaryAttrs>): BackwardRule<UnaryAttrs> {
  return (gradOut, ctx, attrs, needs, ownsGradOut) => {
    if (isGradEnabled()) return composite(gradOut, ctx, attrs, needs, ownsGradOut);
    const [x, out] = ctx.saved(op);
    const xd = dense(x);
    const g = dense(gradOut);
    // The kernel is elementwise, so it may write over the gradient it reads when no one else
    // will read that gradient: one activation-sized allocation less per layer.
    const gradIn =
      ownsGradOut && gradOut.dtype === x.dtype ? gradOut : uninitialized(x.shape, x.dtype);
    getBackend().unaryBackward(
      op,
      xd.storage.data,
      out.storage.data,
      g.storage.data,
      gradIn.storage.data,
      attrs.p,
    );
    return [gradIn];
  };
}

function defineUnary(
  name: string,
  op: UnaryOp,
  backward: BackwardRule<UnaryAttrs> | "not differentiable",
  save: "x" | "out" | "both" | "none",
  outDType?: DType,
): Primitive<UnaryAttrs> {
  const forward = unaryForward(op, outDType);
  return definePrimitive<UnaryAttrs>({
    name,
    forward(ctx, inputs, attrs) {
      const out = forward(ctx, inputs, attrs);
      if (save === "x") ctx.save(inputs[0]);
      else if (save === "out") ctx.save(out);
      else if (save === "both") ctx.save(inputs[0], out);
      return out;
    },
    backward,
  });
}

const zeroGrad: BackwardRule<UnaryAttrs> = (g) => [mul(g, 0)];

/** The unary primitives, each with its derivative as a one-line rule. */
export const unaryPrims = {
  neg: defineUnary("Neg", "neg", (g) => [neg(g)], "none"),
  // d exp(x) = exp(x)
  exp: defineUnary("Exp", "exp", (g, c) => [mul(g, c.saved("exp")[0])], "out"),
  // d log(x) = 1 / x
  log: defineUnary("Log", "log", (g, c) => [div(g, c.saved("log")[0])], "x"),
  log1p: defineUnary("Log1p", "log1p", (g, c) => [div(g, add(c.saved("log1p")[0], 1))], "x"),
  expm1: defineUnary("Expm1", "expm1", (g, c) => [mul(g, add(c.saved("expm1")[0], 1))], "out"),
  // d sqrt(x) = 1 / (2 sqrt(x))
  sqrt: defineUnary("Sqrt", "sqrt", (g, c) => [div(g, mul(c.saved("sqrt")[0], 2))], "out"),
  // d x^-1/2 = -1/2 x^-3/2
  rsqrt: defineUnary(
    "Rsqrt",
    "rsqrt",
    (g, c) => [mul(g, mul(pow(c.saved("rsqrt")[0], 3), -0.5))],
    "out",
  ),
  abs: defineUnary("Abs", "abs", (g, c) => [mul(g, sign(c.saved("abs")[0]))], "x"),
  sign: defineUnary("Sign", "sign", zeroGrad, "none"),
  sin: defineUnary("Sin", "sin", (g, c) => [mul(g, cos(c.saved("sin")[0]))], "x"),
  cos: defineUnary("Cos", "cos", (g, c) => [neg(mul(g, sin(c.saved("cos")[0])))], "x"),
  // d tanh = 1 - tanh^2
  tanh: defineUnary(
    "Tanh",
    "tanh",
    fusedOr("tanh", (g, c) => {
      const y = c.saved("tanh")[1];
      return [mul(g, sub(1, mul(y, y)))];
    }),
    "both",
  ),
  // d sigmoid = s (1 - s)
  sigmoid: defineUnary(
    "Sigmoid",
    "sigmoid",
    fusedOr("sigmoid", (g, c) => {
      const y = c.saved("sigmoid")[1];
      return [mul(g, mul(y, sub(1, y)))];
    }),
    "both",
  ),
  relu: defineUnary(
    "Relu",
    "relu",
    fusedOr("relu", (g, c) => [mul(g, gt(c.saved("relu")[0], 0))]),
    "both",
  ),
  // d (1/x) = -1/x^2
  reciprocal: defineUnary(
    "Reciprocal",
    "reciprocal",
    (g, c) => {
      const y = c.saved("reciprocal")[0];
      return [neg(mul(g, mul(y, y)))];
    },
    "out",
  ),
  square: defineUnary("Square", "square", (g, c) => [mul(g, mul(c.saved("square")[0], 2))], "x"),
  floor: defineUnary("Floor", "floor", zeroGrad, "none"),
  ceil: defineUnary("Ceil", "ceil", zeroGrad, "none"),
  round: defineUnary("Round", "round", zeroGrad, "none"),
  // d erf(x) = 2/sqrt(pi) exp(-x^2)
  erf: defineUnary(
    "Erf",
    "erf",
    (g, c) => {
      const x = c.saved("erf")[0];
      return [mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
    },
    "x",
  ),
  leakyRelu: defineUnary(
    "LeakyRelu",
    "leakyRelu",
    fusedOr("leakyRelu", (g, c, { p }) => {
      const x = c.saved("leakyRelu")[0];
      return [where(gt(x, 0), g, mul(g, p))];
    }),
    "both",
  ),
  // d elu = 1 for x > 0, else elu(x) + alpha
  elu: defineUnary(
    "Elu",
    "elu",
    fusedOr("elu", (g, c, { p }) => {
      const [x, y] = c.saved("elu");
      return [where(gt(x, 0), g, mul(g, add(y, p)))];
    }),
    "both",
  ),
  // d gelu = Phi(x) + x phi(x)
  gelu: defineUnary(
    "Gelu",
    "gelu",
    fusedOr("gelu", (g, c) => {
      const x = c.saved("gelu")[0];
      const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [mul(g, add(cdf, mul(x, pdf)))];
    }),
    "both",
  ),
  // d silu = s (1 + x (1 - s))
  silu: defineUnary(
    "Silu",
    "silu",
    fusedOr("silu", (g, c) => {
      const x = c.saved("silu")[0];
      const s = sigmoid(x);
      return [mul(g, mul(s, add(mul(x, sub(1, s)), 1)))];
    }),
    "both",
  ),
  softplus: defineUnary(
    "Softplus",
    "softplus",
    fusedOr("softplus", (g, c, { p }) => {
      const x = c.saved("softplus")[0];
      return [mul(g, sigmoid(mul(x, p)))];
    }),
    "both",
  ),
  // clamp passes the gradient where the input is inside the bounds (inclusive), as PyTorch does.
  clampMin: defineUnary(
    "ClampMin",
    "clampMin",
    (g, c, { p }) => [mul(g, ge(c.saved("clampMin")[0], p))],
    "x",
  ),
  clampMax: defineUnary(
    "ClampMax",
    "clampMax",
    (g, c, { p }) => [mul(g, le(c.saved("clampMax")[0], p))],
    "x",
  ),
  // d x^p = p x^(p-1)
  powScalar: defineUnary(
    "Pow",
    "powScalar",
    (g, c, { p }) => {
      const x = c.saved("pow")[0];
      return [p === 0 ? mul(g, 0) : mul(g, mul(pow(x, p - 1), p))];
    },
    "x",
  ),
  isnan: defineUnary("Isnan", "isnan", "not differentiable", "none", "bool"),
  isfinite: defineUnary("Isfinite", "isfinite", "not differentiable", "none", "bool"),
  logicalNot: defineUnary("LogicalNot", "logicalNot", "not differentiable", "none", "bool"),
};

// Float functions of integer tensors compute in float32, as in PyTorch.
function floatInput(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : cast(x, "float32");
}

function unaryOp(prim: Primitive<UnaryAttrs>, x: Tensor, p = 0, keepDType = false): Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${prim.name.toLowerCase()}: expected a Tensor, got ${typeof x}`);
  return apply(prim, [keepDType ? x : floatInput(x)], { p });
}

/** -x. Example: `nb.neg(x)` or `x.neg()`. */
export const neg = (x: Tensor): Tensor => unaryOp(unaryPrims.neg, x, 0, true);
/** e^x. Example: `x.exp()`. */
export const exp = (x: Tensor): Tensor => unaryOp(unaryPrims.exp, x);
/** Natural log. Example: `x.log()`. */
export const log = (x: Tensor): Tensor => unaryOp(unaryPrims.log, x);
/** log(1 + x), accurate near 0. Example: `x.log1p()`. */
export const log1p = (x: Tensor): Tensor => unaryOp(unaryPrims.log1p, x);
/** e^x - 1, accurate near 0. Example: `x.expm1()`. */
export const expm1 = (x: Tensor): Tensor => unaryOp(unaryPrims.expm1, x);
/** Square root. Example: `x.sqrt()`. */
export const sqrt = (x: Tensor): Tensor => unaryOp(unaryPrims.sqrt, x);
/** 1 / sqrt(x). Example: `x.rsqrt()`. */
export const rsqrt = (x: Tensor): Tensor => unaryOp(unaryPrims.rsqrt, x);
/** |x|. Example: `x.abs()`. */
export const abs = (x: Tensor): Tensor => unaryOp(unaryPrims.abs, x, 0, true);
/** -1, 0 or 1. Example: `x.sign()`. */
export const sign = (x: Tensor): Tensor => unaryOp(unaryPrims.sign, x, 0, true);
/** Sine. Example: `x.sin()`. */
export const sin = (x: Tensor): Tensor => unaryOp(unaryPrims.sin, x);
/** Cosine. Example: `x.cos()`. */
export const cos = (x: Tensor): Tensor => unaryOp(unaryPrims.cos, x);
/** Hyperbolic tangent. Example: `x.tanh()`. */
export const tanh = (x: Tensor): Tensor => unaryOp(unaryPrims.tanh, x);
/** 1 / (1 + e^-x). Example: `x.sigmoid()`. */
export const sigmoid = (x: Tensor): Tensor => unaryOp(unaryPrims.sigmoid, x);
/** max(x, 0). Example: `x.relu()`. */
export const relu = (x: Tensor): Tensor => unaryOp(unaryPrims.relu, x, 0, true);
/** 1 / x. Example: `x.reciprocal()`. */
export const reciprocal = (x: Tensor): Tensor => unaryOp(unaryPrims.reciprocal, x);
/** x * x. Example: `x.square()`. */
export const square = (x: Tensor): Tensor => unaryOp(unaryPrims.square, x, 0, true);
/** Rounds down. Example: `x.floor()`. */
export const floor = (x: Tensor): Tensor => unaryOp(unaryPrims.floor, x, 0, true);
/** Rounds up. Example: `x.ceil()`. */
export const ceil = (x: Tensor): Tensor => unaryOp(unaryPrims.ceil, x, 0, true);
/** Rounds half to even. Example: `x.round()`. */
export const round = (x: Tensor): Tensor => unaryOp(unaryPrims.round, x, 0, true);
/** The error function. Example: `x.erf()`. */
export const erf = (x: Tensor): Tensor => unaryOp(unaryPrims.erf, x);
/** x for x > 0, else slope * x. Example: `nb.leakyRelu(x, 0.01)`. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  unaryOp(unaryPrims.leakyRelu, x, negativeSlope);
/** x for x > 0, else alpha (e^x - 1). Example: `nb.elu(x)`. */
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp(unaryPrims.elu, x, alpha);
/** x Phi(x) with the exact normal CDF. Example: `nb.gelu(x)`. */
export const gelu = (x: Tensor): Tensor => unaryOp(unaryPrims.gelu, x);
/** x sigmoid(x). Example: `nb.silu(x)`. */
export const silu = (x: Tensor): Tensor => unaryOp(unaryPrims.silu, x);
/** log(1 + e^(beta x)) / beta, linear above `threshold` 20. Example: `nb.softplus(x)`. */
export const softplus = (x: Tensor, beta = 1): Tensor => unaryOp(unaryPrims.softplus, x, beta);
/** True where x is NaN. Example: `x.isnan()`. */
export const isnan = (x: Tensor): Tensor => unaryOp(unaryPrims.isnan, x, 0, true);
/** True where x is finite. Example: `x.isfinite()`. */
export const isfinite = (x: Tensor): Tensor => unaryOp(unaryPrims.isfinite, x, 0, true);
/** Logical not (bool result). Example: `mask.logicalNot()`. */
export const logicalNot = (x: Tensor): Tensor => unaryOp(unaryPrims.logicalNot, x, 0, true);

/** Limits values to [min, max]; either bound may be omitted. Example: `x.clamp(0, 1)`. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null)
    throw new Error("clamp: at least one of min and max must be given");
  let out = x;
  if (min != null) out = unaryOp(unaryPrims.clampMin, out, min, true);
  if (max != null) out = unaryOp(unaryPrims.clampMax, out, max, true);
  return out;
}

// ---------------------------------------------------------------- binary

function binaryForward(op: BinaryOp, logical: boolean) {
  return (_ctx: unknown, [a, b]: readonly Tensor[]): Tensor => {
    const shape = broadcastShapes(op, a.shape, b.shape);
    const out = uninitialized(shape, logical ? "bool" : a.dtype);
    const av = viewWith(a, shape, broadcastStrides(a.shape, a.strides, shape));
    const bv = viewWith(b, shape, broadcastStrides(b.shape, b.strides, shape));
    getBackend().binary(op, av, bv, out.storage.data, shape);
    return out;
  };
}

function defineBinary(
  name: string,
  op: BinaryOp,
  backward: BackwardRule<undefined>,
  save: boolean,
): Primitive<undefined> {
  const forward = binaryForward(op, false);
  return definePrimitive({
    name,
    forward(ctx, inputs) {
      if (save) ctx.save(inputs[0], inputs[1]);
      return forward(ctx, inputs);
    },
    backward,
  });
}

function defineLogical(name: string, op: BinaryOp): Primitive<undefined> {
  return definePrimitive({
    name,
    forward: binaryForward(op, true),
    backward: "not differentiable",
  });
}

/** The binary primitives. Rules may return broadcast-shaped gradients; the engine sums them back. */
export const binaryPrims = {
  add: defineBinary(
    "Add",
    "add",
    (g, _c, _a, needs) => [needs[0] ? g : null, needs[1] ? g : null],
    false,
  ),
  sub: defineBinary(
    "Sub",
    "sub",
    (g, _c, _a, needs) => [needs[0] ? g : null, needs[1] ? neg(g) : null],
    false,
  ),
  // d(ab) = b da + a db
  mul: defineBinary(
    "Mul",
    "mul",
    (g, c, _a, needs) => {
      const [a, b] = c.saved("mul");
      return [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null];
    },
    true,
  ),
  // d(a/b) = da / b - a db / b^2
  div: defineBinary(
    "Div",
    "div",
    (g, c, _a, needs) => {
      const [a, b] = c.saved("div");
      return [needs[0] ? div(g, b) : null, needs[1] ? neg(div(mul(g, a), mul(b, b))) : null];
    },
    true,
  ),
  // d(a^b) = b a^(b-1) da + a^b log(a) db
  pow: defineBinary(
    "Pow",
    "pow",
    (g, c, _a, needs) => {
      const [a, b] = c.saved("pow");
      const da = needs[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null;
      const db = needs[1] ? mul(g, mul(pow(a, b), where(eq(a, 0), 0, log(a)))) : null;
      return [da, db];
    },
    true,
  ),
  // The larger input takes the gradient; ties split it evenly, as in PyTorch.
  maximum: defineBinary(
    "Maximum",
    "maximum",
    (g, c) => minMaxGrad(g, c.saved("maximum"), gt),
    true,
  ),
  minimum: defineBinary(
    "Minimum",
    "minimum",
    (g, c) => minMaxGrad(g, c.saved("minimum"), lt),
    true,
  ),
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
  atan2: defineBinary(
    "Atan2",
    "atan2",
    (g, c) => {
      const [a, b] = c.saved("atan2");
      const denom = add(mul(a, a), mul(b, b));
      return [div(mul(g, b), denom), neg(div(mul(g, a), denom))];
    },
    true,
  ),
  remainder: defineBinary(
    "Remainder",
    "remainder",
    (g, c, _a, needs) => {
      const [a, b] = c.saved("remainder");
      return [needs[0] ? g : null, needs[1] ? neg(mul(g, floor(div(a, b)))) : null];
    },
    true,
  ),
  eq: defineLogical("Eq", "eq"),
  ne: defineLogical("Ne", "ne"),
  lt: defineLogical("Lt", "lt"),
  le: defineLogical("Le", "le"),
  gt: defineLogical("Gt", "gt"),
  ge: defineLogical("Ge", "ge"),
  logicalAnd: defineLogical("LogicalAnd", "logicalAnd"),
  logicalOr: defineLogical("LogicalOr", "logicalOr"),
  logicalXor: defineLogical("LogicalXor", "logicalXor"),
};

function minMaxGrad(g: Tensor, [a, b]: Tensor[], wins: (x: Tensor, y: Tensor) => Tensor): Tensor[] {
  const tie = mul(cast(eq(a, b), g.dtype), 0.5);
  const aWeight = add(cast(wins(a, b), g.dtype), tie);
  const bWeight = add(cast(wins(b, a), g.dtype), tie);
  return [mul(g, aWeight), mul(g, bWeight)];
}

/** Brings two operands to one dtype (PyTorch's promotion; a JS number never widens a float tensor). */
function promote(op: string, a: TensorLike, b: TensorLike, floatOnly = false): [Tensor, Tensor] {
  let dtype: DType;
  if (a instanceof Tensor && b instanceof Tensor) dtype = promoteTypes(a.dtype, b.dtype);
  else if (a instanceof Tensor) dtype = promoteWithScalar(a.dtype, b as number);
  else if (b instanceof Tensor) dtype = promoteWithScalar(b.dtype, a as number);
  else throw new TypeError(`${op}: at least one operand must be a Tensor`);
  if (floatOnly && !isFloating(dtype)) dtype = "float32";
  const toTensor = (v: TensorLike): Tensor => {
    if (v instanceof Tensor) return v.dtype === dtype ? v : cast(v, dtype);
    if (typeof v !== "number" && typeof v !== "boolean") {
      throw new TypeError(
        `${op}: expected a Tensor or a number, got ${v === null ? "null" : typeof v}`,
      );
    }
    return scalarTensor(v, dtype);
  };
  return [toTensor(a), toTensor(b)];
}

function binaryOp(
  prim: Primitive<undefined>,
  a: TensorLike,
  b: TensorLike,
  floatOnly = false,
): Tensor {
  const [x, y] = promote(prim.name.toLowerCase(), a, b, floatOnly);
  return apply(prim, [x, y], undefined);
}

// A float tensor times or plus a JS number: one node with the number as an attribute, so neither
// a scalar tensor nor saved inputs are made (PyTorch names these nodes Mul and Add as well). A
// chain of `y.mul(1.0001)` with grad on spent 60% of its time in V8's GC with them.
const scalarPrims = {
  mul: defineUnary("Mul", "mulScalar", (g, _c, { p }) => [mul(g, p)], "none"),
  add: defineUnary("Add", "addScalar", (g) => [g], "none"),
  // x - p runs as x + (-p) (exact: negation is), under PyTorch's name for it.
  sub: defineUnary("Sub", "addScalar", (g) => [g], "none"),
  // x / p is a true division (not x * (1/p), which rounds differently), as in PyTorch.
  div: defineUnary("Div", "divScalar", (g, _c, { p }) => [div(g, p)], "none"),
};

// The number `n` as a float tensor `t`'s op uses it (rounded to float32 for a float32 tensor, as
// a scalar tensor would be), or null when the pair is not a float tensor and a number.
function scalarFor(t: TensorLike, n: TensorLike): number | null {
  if (typeof n !== "number" || !(t instanceof Tensor) || !isFloating(t.dtype)) return null;
  return t.dtype === "float32" ? Math.fround(n) : n;
}

/** a + alpha * b, with broadcasting. Example: `x.add(y)`, `nb.add(x, 1)`. */
export function add(a: TensorLike, b: TensorLike, alpha = 1): Tensor {
  const sb = scaled(b, alpha);
  const p = scalarFor(a, sb);
  if (p !== null) return apply(scalarPrims.add, [a as Tensor], { p });
  const q = scalarFor(sb, a);
  if (q !== null) return apply(scalarPrims.add, [sb as Tensor], { p: q });
  return binaryOp(binaryPrims.add, a, sb);
}
/** a - alpha * b. Example: `x.sub(y)`. */
export function sub(a: TensorLike, b: TensorLike, alpha = 1): Tensor {
  const sb = scaled(b, alpha);
  const p = scalarFor(a, sb);
  if (p !== null) return apply(scalarPrims.sub, [a as Tensor], { p: -p });
  return binaryOp(binaryPrims.sub, a, sb);
}

// alpha * b for add/sub: plain arithmetic when b is a JS number.
function scaled(b: TensorLike, alpha: number): TensorLike {
  if (alpha === 1) return b;
  return b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
}
/** a * b. Example: `x.mul(2)`. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const p = scalarFor(a, b);
  if (p !== null) return apply(scalarPrims.mul, [a as Tensor], { p });
  const q = scalarFor(b, a);
  if (q !== null) return apply(scalarPrims.mul, [b as Tensor], { p: q });
  return binaryOp(binaryPrims.mul, a, b);
}
/** True division (integers divide as floats). Example: `x.div(y)`. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const p = scalarFor(a, b);
  if (p !== null) return apply(scalarPrims.div, [a as Tensor], { p });
  return binaryOp(binaryPrims.div, a, b, true);
}
/** a ^ b. A scalar exponent uses a cheaper primitive. Example: `x.pow(2)`. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && typeof b === "number") {
    return apply(unaryPrims.powScalar, [Number.isInteger(b) ? a : floatInput(a)], { p: b });
  }
  return binaryOp(binaryPrims.pow, a, b);
}
/** Elementwise max of two tensors. Example: `nb.maximum(x, y)`. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.maximum, a, b);
/** Elementwise min of two tensors. Example: `nb.minimum(x, y)`. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.minimum, a, b);
/** atan2(a, b). Example: `nb.atan2(y, x)`. */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.atan2, a, b, true);
/** Python-style modulo (sign of the divisor). Example: `x.remainder(3)`. */
export const remainder = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.remainder, a, b);
/** a == b (bool). Example: `x.eq(0)`. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryOp(binaryPrims.eq, a, b);
/** a != b (bool). Example: `x.ne(0)`. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binaryOp(binaryPrims.ne, a, b);
/** a < b (bool). Example: `x.lt(0)`. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryOp(binaryPrims.lt, a, b);
/** a <= b (bool). Example: `x.le(0)`. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryOp(binaryPrims.le, a, b);
/** a > b (bool). Example: `x.gt(0)`. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryOp(binaryPrims.gt, a, b);
/** a >= b (bool). Example: `x.ge(0)`. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryOp(binaryPrims.ge, a, b);
/** Logical and (bool). Example: `a.logicalAnd(b)`. */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.logicalAnd, a, b);
/** Logical or (bool). Example: `a.logicalOr(b)`. */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.logicalOr, a, b);
/** Logical xor (bool). Example: `a.logicalXor(b)`. */
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor =>
  binaryOp(binaryPrims.logicalXor, a, b);

// ---------------------------------------------------------------- where

const Where = definePrimitive({
  name: "Where",
  forward(ctx, [cond, a, b]) {
    ctx.save(cond);
    const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, a.shape), b.shape);
    const out = uninitialized(shape, a.dtype);
    const bv = (t: Tensor) => viewWith(t, shape, broadcastStrides(t.shape, t.strides, shape));
    getBackend().where(bv(cond), bv(a), bv(b), out.storage.data, shape);
    return out;
  },
  // The gradient flows to whichever input was chosen.
  backward: (g, c, _a, needs) => {
    const [cond] = c.saved("where");
    return [null, needs[1] ? where(cond, g, 0) : null, needs[2] ? where(cond, 0, g) : null];
  },
});

/** `cond ? a : b` elementwise, with broadcasting. Example: `nb.where(x.gt(0), x, 0)`. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError("where: condition must be a bool Tensor");
  // Two JS numbers give a float32 result (JS cannot tell 1 from 1.0).
  const first = a instanceof Tensor || b instanceof Tensor ? a : scalarTensor(a, "float32");
  const [x, y] = promote("where", first, b);
  const c = cond.dtype === "bool" ? cond : ne(cond, 0);
  return apply(Where, [c, x, y], undefined);
}
