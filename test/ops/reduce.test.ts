// Reductions: dim as a number, a list or negative, keepdim, non-adjacent dims, against loops.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

// x[i][j][k] = i * 12 + j * 4 + k for shape [2, 3, 4].
const x = () => nb.arange(24).reshape(2, 3, 4);
const at = (i: number, j: number, k: number) => i * 12 + j * 4 + k;

// Reference reduction over `dims` of the [2,3,4] tensor above, with keepdim.
function reference(dims: number[], f: (vals: number[]) => number, keepdim: boolean): number[] {
  const shape = [2, 3, 4];
  const outShape = shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const out: number[] = [];
  for (let i = 0; i < outShape[0]; i++)
    for (let j = 0; j < outShape[1]; j++)
      for (let k = 0; k < outShape[2]; k++) {
        const vals: number[] = [];
        for (let a = 0; a < shape[0]; a++)
          for (let b = 0; b < shape[1]; b++)
            for (let c = 0; c < shape[2]; c++) {
              const idx = [a, b, c];
              const fixed = [i, j, k];
              if (idx.every((v, d) => dims.includes(d) || v === fixed[d])) vals.push(at(a, b, c));
            }
        out.push(f(vals));
      }
  void keepdim;
  return out;
}

const sumOf = (v: number[]) => v.reduce((p, q) => p + q, 0);
const meanOf = (v: number[]) => sumOf(v) / v.length;
const varOf = (v: number[], correction: number) => {
  const m = meanOf(v);
  return sumOf(v.map((q) => (q - m) ** 2)) / (v.length - correction);
};

const dimCases: [string, number | number[], number[]][] = [
  ["0", 0, [0]],
  ["-1", -1, [2]],
  ["[0, 2] (non-adjacent)", [0, 2], [0, 2]],
  ["[2, 0] (unsorted)", [2, 0], [0, 2]],
  ["[-2, -1]", [-2, -1], [1, 2]],
  ["[0, 1, 2]", [0, 1, 2], [0, 1, 2]],
];

for (const [name, dim, dims] of dimCases) {
  test(`reductions over dim ${name} with and without keepdim`, () => {
    const t = x();
    const keptShape = [2, 3, 4].map((s, d) => (dims.includes(d) ? 1 : s));
    const dropShape = [2, 3, 4].filter((_, d) => !dims.includes(d));
    const fns: [string, (keep: boolean) => nb.Tensor, (v: number[]) => number][] = [
      ["sum", (k) => t.sum(dim, k), sumOf],
      ["mean", (k) => t.mean(dim, k), meanOf],
      [
        "prod",
        (k) => t.div(10).add(1).prod(dim, k),
        (v) => v.reduce((p, q) => p * (q / 10 + 1), 1),
      ],
      ["amax", (k) => t.amax(dim, k), (v) => Math.max(...v)],
      ["amin", (k) => t.amin(dim, k), (v) => Math.min(...v)],
      ["var", (k) => t.var({ dim, keepdim: k }), (v) => varOf(v, 1)],
      ["var biased", (k) => t.var({ dim, keepdim: k, unbiased: false }), (v) => varOf(v, 0)],
      ["std", (k) => t.std({ dim, keepdim: k }), (v) => Math.sqrt(varOf(v, 1))],
      [
        "logsumexp",
        (k) => t.div(10).logsumexp(dim, k),
        (v) => Math.log(sumOf(v.map((q) => Math.exp(q / 10)))),
      ],
      ["norm", (k) => t.norm(2, dim, k), (v) => Math.sqrt(sumOf(v.map((q) => q * q)))],
      ["norm 1", (k) => t.norm(1, dim, k), (v) => sumOf(v.map(Math.abs))],
    ];
    for (const [fname, fn, ref] of fns) {
      const expected = reference(dims, ref, true);
      const kept = fn(true);
      assert.deepEqual(kept.shape, keptShape, `${fname} keepdim shape`);
      assertClose(kept.reshape(-1), expected, { rtol: 1e-5, atol: 1e-4 });
      assert.deepEqual(fn(false).shape, dropShape, `${fname} shape`);
    }
  });
}

test("sum and mean of all elements; integer sums stay integer; mean of ints is an error", () => {
  assert.equal(x().sum().item(), 276);
  assert.deepEqual(x().sum().shape, []);
  assert.equal(x().mean().item(), 11.5);
  const i = nb.tensor([1, 2, 3], { dtype: "int32" });
  assert.equal(i.sum().dtype, "int32");
  assert.equal(i.sum().item(), 6);
  assert.equal(nb.tensor([true, true, false]).sum().item(), 2);
  assert.equal(nb.tensor([true, true, false]).sum().dtype, "int32");
  assertThrowsWith(() => i.mean(), "mean", "int32");
  assert.equal(nb.zeros([0]).sum().item(), 0);
  assert.equal(nb.tensor([2, 3, 4]).prod().item(), 24);
});

test("max/min with a dim return values and indices; argmax/argmin", () => {
  const t = nb.tensor([
    [1, 5, 3],
    [7, 2, 7],
  ]);
  const m = t.max(1);
  assert.deepEqual(m.values.toArray(), [5, 7]);
  assert.deepEqual(m.indices.toArray(), [1, 0]);
  assert.equal(m.indices.dtype, "int32");
  const mk = t.min(0, true);
  assert.deepEqual(mk.values.toArray(), [[1, 2, 3]]);
  assert.deepEqual(mk.indices.toArray(), [[0, 1, 0]]);
  assert.equal(t.max().item(), 7);
  assert.equal(t.min().item(), 1);
  assert.equal(t.argmax().item(), 3, "flattened index of the first max");
  assert.deepEqual(t.argmax(1).toArray(), [1, 0]);
  assert.deepEqual(t.argmin(0).toArray(), [0, 1, 0]);
  assert.deepEqual(t.argmax(-1, true).shape, [2, 1]);
  assert.deepEqual(t.T.argmax(0).toArray(), [1, 0], "argmax over a transposed view");
  assert.equal(nb.tensor([1, Number.NaN, 3]).max().item(), Number.NaN);
  assert.equal(nb.tensor([1, Number.NaN, 3]).argmax().item(), 1);
  // Ties share the gradient for amax; max(dim) sends it to the chosen index.
  const a = nb.tensor([2, 2, 1], { requiresGrad: true });
  a.amax().backward();
  assert.deepEqual(a.grad?.toArray(), [0.5, 0.5, 0]);
  const b = nb.tensor([2, 2, 1], { requiresGrad: true });
  b.max(0).values.backward();
  assert.deepEqual(b.grad?.toArray(), [1, 0, 0]);
  assertThrowsWith(() => nb.zeros([0]).max(), "max", "empty");
});

test("cumsum along each dim, including negative dims and integer input", () => {
  const t = nb.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(t.cumsum(0).toArray(), [
    [1, 2, 3],
    [5, 7, 9],
  ]);
  assert.deepEqual(t.cumsum(-1).toArray(), [
    [1, 3, 6],
    [4, 9, 15],
  ]);
  assert.deepEqual(t.T.cumsum(1).toArray(), [
    [1, 5],
    [2, 7],
    [3, 9],
  ]);
  const i = nb.tensor([1, 2, 3], { dtype: "int32" }).cumsum(0);
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.toArray(), [1, 3, 6]);
});

test("logsumexp is stable for large values and for -inf rows", () => {
  const big = nb.tensor([1000, 1000], { dtype: "float64" });
  assertClose(big.logsumexp(0), 1000 + Math.LN2, { rtol: 1e-12 });
  const neg = nb.tensor([-Infinity, -Infinity]);
  assert.equal(neg.logsumexp(0).item(), -Infinity);
  assertClose(nb.tensor([[0, -Infinity]]).logsumexp(1), [0]);
});

test("out-of-range and repeated dims are errors naming the op", () => {
  assertThrowsWith(() => x().sum(3), "sum: dim 3 is out of range for a tensor of 3 dims");
  assertThrowsWith(() => x().mean(-4), "mean", "dim -4", "out of range");
  assertThrowsWith(() => x().sum([0, -3]), "sum", "repeats");
  assertThrowsWith(() => x().amax([1, 5]), "amax", "dim 5");
  assertThrowsWith(() => x().argmax(3), "argmax", "dim 3");
  assertThrowsWith(() => x().max(7), "max", "dim 7");
  assertThrowsWith(() => x().cumsum(3), "cumsum", "dim 3");
  assertThrowsWith(() => x().var({ dim: 9 }), "var", "dim 9");
  assertThrowsWith(() => nb.softmax(x(), 3), "softmax", "dim 3");
  assertThrowsWith(() => x().transpose(0, 3), "transpose", "dim 3");
  assertThrowsWith(() => x().unsqueeze(4), "unsqueeze", "dim 4");
  assertThrowsWith(() => nb.cat([x(), x()], 3), "cat", "dim 3");
});
