import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  NativeBinaryOp,
  NativeUnaryGradOp,
  NativeUnaryOp,
} from "../../../src/backend/native/addon.js";
import { SKIP, assertClose, contiguousStrides, nat, randF32, randF64 } from "./helpers.js";

// erfc in double: power series of erf below 1 (no cancellation there), continued fraction above.
function erfSeries(x: number): number {
  let term = x,
    sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) <= 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1) return 1 - erfSeries(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  let f = x;
  for (let k = 600; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

// Round half to even, as torch.round.
const roundHalfEven = (x: number) =>
  Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);

// Parameter passed with each op (slope, alpha, bound, exponent, beta).
const PARAM: Partial<Record<NativeUnaryOp, number>> = {
  leakyRelu: 0.01,
  elu: 1.5,
  clampMin: -0.5,
  clampMax: 0.75,
  powScalar: 2.5,
  softplus: 1.5,
  mulScalar: -1.25,
  addScalar: 0.375,
  divScalar: -2.5,
};

const REF: Record<NativeUnaryOp, (x: number, p: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  sign: Math.sign,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x < 0 ? 0 : x),
  reciprocal: (x) => 1 / x,
  gelu: (x) => 0.5 * x * erfc(-x / Math.SQRT2),
  silu: (x) => x / (1 + Math.exp(-x)),
  softplus: (x, p) => (x * p > 20 ? x : Math.log1p(Math.exp(x * p)) / p),
  square: (x) => x * x,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  erf: (x) => (Math.abs(x) < 1 ? erfSeries(x) : 1 - erfc(x)),
  leakyRelu: (x, p) => (x > 0 ? x : x * p),
  elu: (x, p) => (x > 0 ? x : p * Math.expm1(x)),
  clampMin: (x, p) => (x < p ? p : x),
  clampMax: (x, p) => (x > p ? p : x),
  powScalar: (x, p) => x ** p,
  mulScalar: (x, p) => x * p,
  addScalar: (x, p) => x + p,
  divScalar: (x, p) => x / p,
};

// Inputs per op: a wide random range, plus the special values every op must get right.
const SPECIAL = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e-3,
  -1e-3,
  1e-30,
  1e-40,
  20,
  -20,
  88,
  -88,
  90,
  -105,
  Infinity,
  -Infinity,
  Number.NaN,
];
function inputs(
  op: NativeUnaryOp,
  n: number,
  seed: number,
  f64: boolean,
): Float32Array | Float64Array {
  const range: Record<string, [number, number]> = {
    log: [0, 100],
    sqrt: [0, 100],
    rsqrt: [0, 100],
    log1p: [-1, 50],
    sin: [-200, 200],
    cos: [-200, 200],
    exp: [-100, 89],
    expm1: [-30, 30],
  };
  const [lo, hi] = range[op] ?? [-12, 12];
  const r = f64 ? randF64(n, seed, lo, hi) : randF32(n, seed, lo, hi);
  r.set(SPECIAL.slice(0, Math.min(n, SPECIAL.length)));
  return r;
}

describe("unary", { skip: SKIP }, () => {
  for (const f64 of [false, true]) {
    it(`every op matches Math (${f64 ? "f64" : "f32"}), odd sizes and offsets`, () => {
      const m = nat();
      let seed = 1;
      for (const op of Object.keys(REF) as NativeUnaryOp[]) {
        for (const n of [1, 7, 33, 129, 100003]) {
          const x = inputs(op, n + 3, seed++, f64);
          const out = f64 ? new Float64Array(n) : new Float32Array(n);
          const p = PARAM[op];
          m.unary(op, x, 3, out, n, p);
          const want = Array.from(x.subarray(3), (v) => REF[op](v, p ?? 0));
          // float32: results within a few ulp of the correctly rounded value (the reference is
          // computed in double); sin/cos lose relative accuracy near their zeros.
          const atol = f64 ? 1e-15 : op === "sin" || op === "cos" ? 2e-7 : 1e-37;
          // gelu: erfc = 1 - erf for |x| < sqrt 2 cancels to ~1e-6 relative (Cephes erff);
          // softplus with beta != 1: rounding of beta*x costs |beta*x| ulps in exp.
          const rtol = f64 ? 1e-14 : op === "gelu" || op === "softplus" ? 2e-6 : 4e-7;
          assertClose(out, f64 ? want : Float32Array.from(want), rtol, atol, `${op} n=${n}`);
        }
      }
    });
  }

  it("rejects unknown ops and short arrays", () => {
    const m = nat();
    const x = new Float32Array(4);
    assert.throws(() => m.unary("nope" as NativeUnaryOp, x, 0, x, 4), /unknown op 'nope'/);
    assert.throws(() => m.unary("exp", x, 2, x, 4), /x needs elements \[2, 6\)/);
    assert.throws(
      () => m.unary("exp", x, 0, new Float64Array(4) as unknown as Float32Array, 4),
      /cannot be mixed/,
    );
  });

  for (const f64 of [false, true]) {
    it(`unaryBackward matches the derivatives (${f64 ? "f64" : "f32"})`, () => {
      const m = nat();
      const dPhi = (a: number) =>
        0.5 * erfc(-a / Math.SQRT2) + (a * Math.exp(-0.5 * a * a)) / Math.sqrt(2 * Math.PI);
      const sig = (a: number) => 1 / (1 + Math.exp(-a));
      const cases: [NativeUnaryGradOp, number, (a: number, y: number, p: number) => number][] = [
        ["tanh", 0, (_a, y) => 1 - y * y],
        ["sigmoid", 0, (_a, y) => y * (1 - y)],
        ["relu", 0, (a) => (a > 0 ? 1 : 0)],
        ["leakyRelu", 0.1, (a, _y, p) => (a > 0 ? 1 : p)],
        ["elu", 1.3, (a, y, p) => (a > 0 ? 1 : y + p)],
        ["gelu", 0, dPhi],
        ["silu", 0, (a) => sig(a) * (1 + a * (1 - sig(a)))],
        ["softplus", 2, (a, _y, p) => (a * p > 20 ? 1 : 1 / (1 + Math.exp(-a * p)))],
      ];
      for (const [op, p, d] of cases) {
        for (const n of [1, 33, 70001]) {
          const x = f64 ? randF64(n, n, -12, 12) : randF32(n, n, -12, 12);
          const g = f64 ? randF64(n, n + 1) : randF32(n, n + 1);
          const y = f64 ? new Float64Array(n) : new Float32Array(n);
          const fwd =
            op === "tanh" ? "tanh" : op === "sigmoid" ? "sigmoid" : op === "elu" ? "elu" : null;
          if (fwd) m.unary(fwd, x, 0, y, n, p);
          const gi = f64 ? new Float64Array(n) : new Float32Array(n);
          m.unaryBackward(op, x, y, g, gi, n, p);
          const want = Array.from(x, (a, i) => g[i]! * d(a, y[i]!, p));
          assertClose(gi, want, f64 ? 1e-13 : 2e-6, f64 ? 1e-15 : 1e-7, `${op}' n=${n}`);
        }
      }
    });
  }
});

const BIN: Record<NativeBinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
};

// Broadcasts operand shape `s` (right-aligned, 1 = broadcast) to `shape`: element strides.
function broadcastStrides(s: number[], shape: number[]): number[] {
  const own = contiguousStrides(s);
  const off = shape.length - s.length;
  return shape.map((_, d) => (d < off || s[d - off] === 1 ? 0 : own[d - off]!));
}

function refBinary(
  op: NativeBinaryOp,
  a: ArrayLike<number>,
  aOff: number,
  as: number[],
  b: ArrayLike<number>,
  bOff: number,
  bs: number[],
  shape: number[],
): number[] {
  const n = shape.reduce((x, y) => x * y, 1);
  const out: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let e = 0; e < n; e++) {
    let ia = aOff,
      ib = bOff;
    for (let d = 0; d < shape.length; d++) {
      ia += idx[d]! * as[d]!;
      ib += idx[d]! * bs[d]!;
    }
    out.push(BIN[op](a[ia]!, b[ib]!));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

const SHAPES: [number[], number[], number[]][] = [
  // [out shape, a shape, b shape]
  [[7], [7], [7]],
  [[129], [129], [1]],
  [[33], [1], [33]],
  [[5, 33], [5, 33], [33]], // row broadcast (bias add)
  [
    [33, 7],
    [33, 7],
    [33, 1],
  ], // column broadcast
  [
    [4, 3, 5, 6],
    [4, 3, 5, 6],
    [3, 1, 1],
  ], // NCHW bias
  [
    [2, 3, 4],
    [2, 1, 4],
    [1, 3, 1],
  ], // both broadcast
  [[1, 1, 1], [1, 1, 1], [1]],
  [[3, 70000], [3, 70000], [70000]],
  [[70001], [70001], [1]],
  [[0, 3], [0, 3], [3]],
];

describe("binary", { skip: SKIP }, () => {
  for (const kind of ["f32", "f64", "i32"] as const) {
    it(`broadcasting ops match the reference (${kind})`, () => {
      const m = nat();
      let seed = 7;
      const ops = (Object.keys(BIN) as NativeBinaryOp[]).filter(
        (o) => kind !== "i32" || o !== "div",
      );
      for (const op of ops) {
        for (const [shape, sa, sb] of SHAPES) {
          const na = sa.reduce((x, y) => x * y, 1),
            nb = sb.reduce((x, y) => x * y, 1);
          const n = shape.reduce((x, y) => x * y, 1);
          const lo = op === "pow" ? 0.1 : -5,
            hi = op === "pow" ? 3 : 5;
          const mk = (len: number) => {
            if (kind === "f64") return randF64(len, seed++, lo, hi);
            const f = randF32(len, seed++, lo, hi);
            return kind === "i32" ? Int32Array.from(f, (v) => Math.round(v)) : f;
          };
          const a = mk(na + 2),
            b = mk(nb + 1);
          const as = broadcastStrides(sa, shape),
            bs = broadcastStrides(sb, shape);
          const out =
            kind === "f64"
              ? new Float64Array(n)
              : kind === "i32"
                ? new Int32Array(n)
                : new Float32Array(n);
          m.binary(
            op,
            a,
            2,
            b,
            1,
            out,
            Int32Array.from(shape),
            Int32Array.from(as),
            Int32Array.from(bs),
          );
          let want = refBinary(op, a, 2, as, b, 1, bs, shape);
          if (kind === "i32") want = want.map((v) => (op === "pow" ? Math.round(v) : v) | 0);
          if (kind === "f32") want = Array.from(Float32Array.from(want));
          assertClose(out, want, kind === "f64" ? 1e-15 : 2e-7, 0, `${op} ${kind} ${shape}`);
        }
      }
    });
  }

  it("strided (non-contiguous) operands and scalar-exponent pow", () => {
    const m = nat();
    const a = randF32(60, 3, 0.5, 2);
    // a viewed as the transpose of a [4, 15] matrix: shape [15, 4], strides [1, 15].
    const b = new Float32Array([2]);
    for (const e of [2, 0.5, 1, 3, -1, -0.5, -2, 2.5]) {
      b[0] = e;
      const out = new Float32Array(60);
      m.binary(
        "pow",
        a,
        0,
        b,
        0,
        out,
        Int32Array.from([15, 4]),
        Int32Array.from([1, 15]),
        Int32Array.from([0, 0]),
      );
      const want = refBinary("pow", a, 0, [1, 15], b, 0, [0, 0], [15, 4]);
      assertClose(out, Float32Array.from(want), 3e-7, 0, `pow ${e}`);
    }
  });

  it("NaN propagates through maximum/minimum; bad arguments throw", () => {
    const m = nat();
    const a = new Float32Array([Number.NaN, 1, 2]),
      b = new Float32Array([0, Number.NaN, 1]);
    const out = new Float32Array(3);
    const sh = Int32Array.from([3]),
      st = Int32Array.from([1]);
    m.binary("maximum", a, 0, b, 0, out, sh, st, st);
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!));
    assert.equal(out[2], 2);
    m.binary("minimum", a, 0, b, 0, out, sh, st, st);
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!));
    assert.equal(out[2], 1);
    assert.throws(() => m.binary("add", a, 1, b, 0, out, sh, st, st), /a needs/);
    assert.throws(
      () =>
        m.binary("div", new Int32Array(3), 0, new Int32Array(3), 0, new Int32Array(3), sh, st, st),
      /not supported/,
    );
    assert.throws(
      () => m.binary("add", a, 0, b, 0, out, sh, st, Int32Array.from([1, 1])),
      /strides/,
    );
  });
});
