// Forward values of elementwise ops against hand-computed or Math.* float64 references.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

const xs = [-2.5, -1, -0.3, 0, 0.4, 1, 3];
const x64 = () => nb.tensor(xs, { dtype: "float64" });
const pos = [0.1, 0.5, 1, 2, 7];
const pos64 = () => nb.tensor(pos, { dtype: "float64" });

const erf = (v: number) => {
  // High-accuracy reference by Simpson integration of 2/sqrt(pi) e^{-t^2}.
  const n = 2000;
  const h = v / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    s += w * Math.exp(-((i * h) ** 2));
  }
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

const unary: [string, (t: nb.Tensor) => nb.Tensor, (v: number) => number, boolean][] = [
  ["neg", (t) => t.neg(), (v) => -v, false],
  ["exp", (t) => t.exp(), Math.exp, false],
  ["expm1", (t) => nb.expm1(t), Math.expm1, false],
  ["abs", (t) => t.abs(), Math.abs, false],
  ["sign", (t) => t.sign(), Math.sign, false],
  ["sin", (t) => t.sin(), Math.sin, false],
  ["cos", (t) => t.cos(), Math.cos, false],
  ["tanh", (t) => t.tanh(), Math.tanh, false],
  ["sigmoid", (t) => t.sigmoid(), sigmoid, false],
  ["relu", (t) => t.relu(), (v) => Math.max(v, 0), false],
  ["leakyRelu", (t) => nb.leakyRelu(t, 0.2), (v) => (v > 0 ? v : 0.2 * v), false],
  ["elu", (t) => nb.elu(t, 1.5), (v) => (v > 0 ? v : 1.5 * Math.expm1(v)), false],
  ["gelu", (t) => nb.gelu(t), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)), false],
  ["silu", (t) => nb.silu(t), (v) => v * sigmoid(v), false],
  ["softplus", (t) => nb.softplus(t), (v) => Math.log(1 + Math.exp(v)), false],
  ["erf", (t) => t.erf(), erf, false],
  ["square", (t) => t.square(), (v) => v * v, false],
  ["clamp", (t) => t.clamp(-1, 0.5), (v) => Math.min(Math.max(v, -1), 0.5), false],
  ["pow 3", (t) => t.pow(3), (v) => v ** 3, false],
  ["log", (t) => t.log(), Math.log, true],
  ["log1p", (t) => t.log1p(), Math.log1p, true],
  ["sqrt", (t) => t.sqrt(), Math.sqrt, true],
  ["rsqrt", (t) => t.rsqrt(), (v) => 1 / Math.sqrt(v), true],
  ["reciprocal", (t) => t.reciprocal(), (v) => 1 / v, true],
  ["pow 0.5", (t) => t.pow(0.5), Math.sqrt, true],
];

for (const [name, fn, ref, positive] of unary) {
  test(`${name} matches a float64 reference`, () => {
    const input = positive ? pos : xs;
    const out = fn(positive ? pos64() : x64());
    assert.equal(out.dtype, "float64");
    assertClose(out, input.map(ref), { atol: 1e-12, rtol: 1e-9 });
    // float32 agrees to float32 precision.
    assertClose(fn(nb.tensor(input)), input.map(ref), { atol: 1e-6, rtol: 1e-5 });
  });
}

test("numerics at the edges: softplus is linear above 20, sigmoid and exp saturate cleanly", () => {
  assertClose(
    nb.softplus(nb.tensor([30, -30], { dtype: "float64" })),
    [30, Math.log1p(Math.exp(-30))],
    { rtol: 1e-12 },
  );
  assertClose(nb.tensor([-800, 800]).sigmoid(), [0, 1]);
  assertClose(nb.tensor([1e-10], { dtype: "float64" }).log1p(), [Math.log1p(1e-10)], {
    rtol: 1e-12,
    atol: 0,
  });
  assertClose(nb.tensor([1e-10], { dtype: "float64" }).expm1(), [Math.expm1(1e-10)], {
    rtol: 1e-12,
    atol: 0,
  });
  assertClose(nb.tensor([-1, 0, 1]).log(), [Number.NaN, -Infinity, 0]);
  assertClose(nb.tensor([0.5, 1.5, 2.5, -0.5]).round(), [0, 2, 2, -0], { atol: 0 });
  assertClose(nb.tensor([1.5, -1.5]).floor(), [1, -2]);
  assertClose(nb.tensor([1.5, -1.5]).ceil(), [2, -1]);
});

test("binary arithmetic broadcasts by NumPy rules", () => {
  const a = nb.tensor([[1], [2], [3]]); // [3, 1]
  const b = nb.tensor([10, 20]); // [2]
  assert.deepEqual(a.add(b).toArray(), [
    [11, 21],
    [12, 22],
    [13, 23],
  ]);
  assert.deepEqual(a.sub(b).shape, [3, 2]);
  assert.deepEqual(nb.ones([2, 1, 4]).mul(nb.ones([3, 1])).shape, [2, 3, 4]);
  assert.deepEqual(nb.ones([5, 1]).add(nb.ones([])).shape, [5, 1]);
  assert.deepEqual(nb.ones([0, 3]).add(nb.ones([1, 3])).shape, [0, 3]);
  assertClose(a.div(b), [
    [0.1, 0.05],
    [0.2, 0.1],
    [0.3, 0.15],
  ]);
  assertClose(nb.tensor([2, 3]).pow(nb.tensor([3, 0.5])), [8, Math.sqrt(3)]);
  assert.deepEqual(nb.add(nb.tensor([1, 2]), nb.tensor([1, 1]), 3).toArray(), [4, 5]);
  assert.deepEqual(nb.sub(5, nb.tensor([1, 2])).toArray(), [4, 3]);
  assert.deepEqual(nb.tensor([1, 2]).add(2, 3).toArray(), [7, 8]);
  assert.deepEqual(nb.tensor([1, 2]).sub_(1, 0.5).toArray(), [0.5, 1.5]);
  assert.deepEqual(nb.mul(2, nb.tensor([1, 2])).toArray(), [2, 4]);
  assert.deepEqual(nb.maximum(nb.tensor([1, 5]), nb.tensor([3, 2])).toArray(), [3, 5]);
  assert.deepEqual(nb.minimum(nb.tensor([1, 5]), 2).toArray(), [1, 2]);
  assertClose(nb.remainder(nb.tensor([5, -5, 5]), nb.tensor([3, 3, -3])), [2, 1, -1]);
  assertClose(nb.atan2(nb.tensor([1]), nb.tensor([-1])), [(3 * Math.PI) / 4]);
  // Broadcast views read the right elements even when transposed.
  const t = nb.arange(6).reshape(2, 3).T; // [3, 2]
  assert.deepEqual(t.add(nb.tensor([100, 200])).toArray(), [
    [100, 203],
    [101, 204],
    [102, 205],
  ]);
});

test("dtype promotion follows PyTorch", () => {
  const i = nb.tensor([1, 2], { dtype: "int32" });
  const f = nb.tensor([1, 2]);
  const d = nb.tensor([1, 2], { dtype: "float64" });
  const b = nb.tensor([true, false]);
  assert.equal(i.add(i).dtype, "int32");
  assert.equal(i.add(f).dtype, "float32");
  assert.equal(f.add(d).dtype, "float64");
  assert.equal(b.add(b).dtype, "bool");
  assert.equal(b.add(i).dtype, "int32");
  assert.equal(i.add(1).dtype, "int32");
  assert.equal(i.add(1.5).dtype, "float32");
  assert.equal(f.add(1.5).dtype, "float32", "a JS number never widens a float tensor");
  assert.equal(i.div(i).dtype, "float32", "division is true division");
  assert.deepEqual(i.div(2).toArray(), [0.5, 1]);
  assert.equal(i.sqrt().dtype, "float32");
  assert.equal(i.abs().dtype, "int32");
  assert.equal(i.neg().dtype, "int32");
});

test("comparisons and logic return bool", () => {
  const a = nb.tensor([1, 2, 3]);
  const b = nb.tensor([3, 2, 1]);
  const cases: [nb.Tensor, boolean[]][] = [
    [a.eq(b), [false, true, false]],
    [a.ne(b), [true, false, true]],
    [a.lt(b), [true, false, false]],
    [a.le(b), [true, true, false]],
    [a.gt(b), [false, false, true]],
    [a.ge(2), [false, true, true]],
    [nb.tensor([1, Number.NaN, Infinity]).isnan(), [false, true, false]],
    [nb.tensor([1, Number.NaN, -Infinity]).isfinite(), [true, false, false]],
    [a.gt(1).logicalAnd(a.lt(3)), [false, true, false]],
    [a.lt(2).logicalOr(a.gt(2)), [true, false, true]],
    [a.eq(2).logicalNot(), [true, false, true]],
    [nb.logicalXor(a.gt(1), a.gt(2)), [false, true, false]],
  ];
  for (const [out, expected] of cases) {
    assert.equal(out.dtype, "bool");
    assert.deepEqual(out.toArray(), expected);
  }
  assert.deepEqual(nb.eq(nb.ones([2, 1]), nb.ones([3])).shape, [2, 3]);
  assert.equal(nb.tensor([Number.NaN]).eq(Number.NaN).item(), 0, "NaN != NaN");
});

test("where selects with broadcasting; maskedFill and clamp", () => {
  const x = nb.tensor([-1, 2, -3]);
  assert.deepEqual(nb.where(x.gt(0), x, 0).toArray(), [0, 2, 0]);
  assert.deepEqual(nb.where(x.gt(0), 1, -1).toArray(), [-1, 1, -1]);
  assert.deepEqual(x.where(x.lt(0), nb.tensor([[10], [20]])).toArray(), [
    [-1, 10, -3],
    [-1, 20, -3],
  ]);
  assert.deepEqual(x.maskedFill(x.lt(0), 0).toArray(), [0, 2, 0]);
  assert.deepEqual(x.clamp(-2, 1).toArray(), [-1, 1, -2]);
  assertThrowsWith(() => x.clamp(), "clamp", "min and max");
});

test("broadcast mismatches name the op and both shapes", () => {
  assertThrowsWith(
    () => nb.ones([2, 3]).add(nb.ones([4])),
    "add: shapes [2,3] and [4] cannot be broadcast",
  );
  assertThrowsWith(
    () => nb.ones([2, 3]).mul(nb.ones([3, 3])),
    "mul",
    "[2,3]",
    "[3,3]",
    "broadcast",
  );
  assertThrowsWith(() => nb.where(nb.ones([2]).gt(0), nb.ones([3]), 0), "where", "[2]", "[3]");
  assertThrowsWith(
    () => nb.ones([2]).add("a" as unknown as number),
    "add",
    "expected a Tensor or a number",
  );
});
