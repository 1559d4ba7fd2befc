import type { TypedArray } from "../../tensor/dtype.js";
import type { BinaryOp, UnaryGradOp, UnaryOp, View } from "../backend.js";
import { elementOffsets, isDense, isScalarLike } from "./strided.js";

// Each op is a formula over `a` (and `b`, or the parameter `p`). The loops are generated once per
// op so that V8 compiles each formula inline instead of calling through a shared function.
const unaryFormulas: Record<UnaryOp, string> = {
  neg: "-a",
  exp: "Math.exp(a)",
  log: "Math.log(a)",
  log1p: "Math.log1p(a)",
  expm1: "Math.expm1(a)",
  sqrt: "Math.sqrt(a)",
  rsqrt: "1 / Math.sqrt(a)",
  abs: "Math.abs(a)",
  sign: "a > 0 ? 1 : a < 0 ? -1 : a",
  sin: "Math.sin(a)",
  cos: "Math.cos(a)",
  tanh: "Math.tanh(a)",
  sigmoid: "1 / (1 + Math.exp(-a))",
  relu: "a > 0 ? a : a !== a ? a : 0",
  reciprocal: "1 / a",
  square: "a * a",
  floor: "Math.floor(a)",
  ceil: "Math.ceil(a)",
  // Round half to even, as torch.round does.
  round: "(Math.abs(a % 1) === 0.5 ? 2 * Math.round(a / 2) : Math.round(a))",
  erf: "erf(a)",
  isnan: "a !== a ? 1 : 0",
  isfinite: "Number.isFinite(a) ? 1 : 0",
  logicalNot: "a === 0 ? 1 : 0",
  leakyRelu: "a > 0 ? a : a * p",
  elu: "a > 0 ? a : p * Math.expm1(a)",
  gelu: "0.5 * a * (1 + erf(a * Math.SQRT1_2))",
  silu: "a / (1 + Math.exp(-a))",
  // Softplus with beta = p; above the threshold 20 it is linear, as in PyTorch.
  softplus: "a * p > 20 ? a : Math.log1p(Math.exp(a * p)) / p",
  clampMin: "a < p ? p : a",
  clampMax: "a > p ? p : a",
  powScalar: "Math.pow(a, p)",
  mulScalar: "a * p",
  addScalar: "a + p",
  divScalar: "a / p",
};

// Derivatives in terms of the input `a`, the output `y` and the incoming gradient `g`.
const unaryGradFormulas: Record<UnaryGradOp, string> = {
  tanh: "g * (1 - y * y)",
  sigmoid: "g * y * (1 - y)",
  relu: "a > 0 ? g : 0",
  leakyRelu: "a > 0 ? g : g * p",
  elu: "a > 0 ? g : g * (y + p)",
  gelu: "g * (0.5 * (1 + erf(a * Math.SQRT1_2)) + a * Math.exp(-0.5 * a * a) * 0.3989422804014327)",
  silu: "(s = 1 / (1 + Math.exp(-a)), g * s * (1 + a * (1 - s)))",
  softplus: "a * p > 20 ? g : g / (1 + Math.exp(-a * p))",
};

const binaryFormulas: Record<BinaryOp, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  pow: "Math.pow(a, b)",
  maximum: "a > b || a !== a ? a : b",
  minimum: "a < b || a !== a ? a : b",
  atan2: "Math.atan2(a, b)",
  // Python's modulo: the result takes the sign of the divisor.
  remainder: "a - Math.floor(a / b) * b",
  eq: "a === b ? 1 : 0",
  ne: "a !== b ? 1 : 0",
  lt: "a < b ? 1 : 0",
  le: "a <= b ? 1 : 0",
  gt: "a > b ? 1 : 0",
  ge: "a >= b ? 1 : 0",
  logicalAnd: "a !== 0 && b !== 0 ? 1 : 0",
  logicalOr: "a !== 0 || b !== 0 ? 1 : 0",
  logicalXor: "(a !== 0) !== (b !== 0) ? 1 : 0",
};

/** The error function (Abramowitz-Stegun 7.1.26 refined with one Newton-free series switch). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series: accurate to ~1e-16 for small x.
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 30; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // Continued fraction for erfc (Lentz), accurate to double precision for x >= 0.5.
  return sign * (1 - erfc(ax));
}

function erfc(x: number): number {
  if (x > 27) return 0;
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
}

type UnaryLoop = (
  x: TypedArray,
  xo: number,
  out: TypedArray,
  n: number,
  p: number,
  offs: Int32Array | null,
) => void;
type UnaryGradLoop = (
  x: TypedArray,
  y: TypedArray,
  g: TypedArray,
  out: TypedArray,
  n: number,
  p: number,
) => void;
type BinaryLoop = (
  a: TypedArray,
  ao: number,
  aStep: number,
  b: TypedArray,
  bo: number,
  bStep: number,
  out: TypedArray,
  n: number,
  aOffs: Int32Array | null,
  bOffs: Int32Array | null,
) => void;

function compile<T>(params: string, body: string): T {
  return new Function("erf", `return function(${params}) { ${body} };`)(erf) as T;
}

const unaryLoops = {} as Record<UnaryOp, UnaryLoop>;
for (const [op, f] of Object.entries(unaryFormulas)) {
  unaryLoops[op as UnaryOp] = compile(
    "x, xo, out, n, p, offs",
    `if (offs === null) { for (let i = 0; i < n; i++) { const a = x[xo + i]; out[i] = ${f}; } }
     else { for (let i = 0; i < n; i++) { const a = x[offs[i]]; out[i] = ${f}; } }`,
  );
}
const unaryGradLoops = {} as Record<UnaryGradOp, UnaryGradLoop>;
for (const [op, f] of Object.entries(unaryGradFormulas)) {
  unaryGradLoops[op as UnaryGradOp] = compile(
    "x, ys, gs, out, n, p",
    `let s = 0; for (let i = 0; i < n; i++) { const a = x[i], y = ys[i], g = gs[i]; out[i] = ${f}; }`,
  );
}
const binaryLoops = {} as Record<BinaryOp, BinaryLoop>;
for (const [op, f] of Object.entries(binaryFormulas)) {
  binaryLoops[op as BinaryOp] = compile(
    "x, xo, xStep, y, yo, yStep, out, n, xOffs, yOffs",
    `if (xOffs === null && yOffs === null) {
       for (let i = 0; i < n; i++) { const a = x[xo + i * xStep], b = y[yo + i * yStep]; out[i] = ${f}; }
     } else {
       for (let i = 0; i < n; i++) {
         const a = xOffs === null ? x[xo + i * xStep] : x[xOffs[i]];
         const b = yOffs === null ? y[yo + i * yStep] : y[yOffs[i]];
         out[i] = ${f};
       }
     }`,
  );
}

/** Reference unary kernel. */
export function unary(op: UnaryOp, x: View, out: TypedArray, p = 0): void {
  const offs = isDense(x) ? null : elementOffsets(x);
  unaryLoops[op](x.data, x.offset, out, out.length, p, offs);
}

/** Reference fused activation backward. */
export function unaryBackward(
  op: UnaryGradOp,
  x: TypedArray,
  y: TypedArray,
  gradOut: TypedArray,
  gradIn: TypedArray,
  p = 0,
): void {
  unaryGradLoops[op](x, y, gradOut, gradIn, gradIn.length, p);
}

// A view is read either densely (step 1), as one broadcast value (step 0), or through offsets.
function access(v: View, shape: readonly number[]): [number, Int32Array | null] {
  if (isScalarLike(v)) return [0, null];
  let sameShape = v.shape.length === shape.length;
  for (let i = 0; sameShape && i < shape.length; i++) sameShape = v.shape[i] === shape[i];
  if (sameShape && isDense(v)) return [1, null];
  return [0, elementOffsets(v, shape)];
}

/** Reference binary kernel with broadcasting. */
export function binary(
  op: BinaryOp,
  a: View,
  b: View,
  out: TypedArray,
  shape: readonly number[],
): void {
  const [aStep, aOffs] = access(a, shape);
  const [bStep, bOffs] = access(b, shape);
  binaryLoops[op](a.data, a.offset, aStep, b.data, b.offset, bStep, out, out.length, aOffs, bOffs);
}

/** Reference `where`. */
export function where(
  cond: View,
  a: View,
  b: View,
  out: TypedArray,
  shape: readonly number[],
): void {
  const c = elementOffsets(cond, shape);
  const ao = elementOffsets(a, shape);
  const bo = elementOffsets(b, shape);
  for (let i = 0; i < out.length; i++)
    out[i] = cond.data[c[i]] !== 0 ? a.data[ao[i]] : b.data[bo[i]];
}

/** Reference strided copy with casting. */
export function copy(src: View, out: TypedArray): void {
  const toBool = out instanceof Uint8Array;
  if (isDense(src) && !toBool) {
    const n = out.length;
    const data = src.data;
    const o = src.offset;
    for (let i = 0; i < n; i++) out[i] = data[o + i];
    return;
  }
  const offs = elementOffsets(src);
  if (toBool) for (let i = 0; i < out.length; i++) out[i] = src.data[offs[i]] !== 0 ? 1 : 0;
  else for (let i = 0; i < out.length; i++) out[i] = src.data[offs[i]];
}

/** Reference strided write: `dst[...] = src[...]` element by element (bool stores 0/1). */
export function assign(dst: View, src: View): void {
  const d = elementOffsets(dst);
  const s = elementOffsets(src, dst.shape);
  const toBool = dst.data instanceof Uint8Array;
  for (let i = 0; i < d.length; i++) {
    const v = src.data[s[i]];
    dst.data[d[i]] = toBool ? (v !== 0 ? 1 : 0) : v;
  }
}
