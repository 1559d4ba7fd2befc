// A float tensor times or plus a JS number goes through one node that keeps the number as an
// attribute (no scalar tensor, nothing saved). It must give what the tensor-with-tensor path
// gives, bit for bit, keep PyTorch's dtypes and grad_fn names, and support double backward.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";

const values = [0, -0, 1.5, -2.25, 1e-30, 3.4e38, Infinity, -Infinity, Number.NaN, 0.1, 7];
const numbers = [0.1, -3, 1e-7, 1.0001, 2 ** 24 + 1, Infinity, Number.NaN, 0, -0];

test("float32 and float64 results equal the scalar-tensor path bit for bit", () => {
  // 11 elements run the js kernels; 660 run the native ones (above their js-fallback sizes).
  for (const [dtype, repeat] of [
    ["float32", 1],
    ["float64", 1],
    ["float32", 60],
    ["float64", 60],
  ] as const) {
    const x = nb.tensor(Array.from({ length: repeat }, () => values).flat(), { dtype });
    for (const n of numbers) {
      const s = nb.tensor(n, { dtype });
      const pairs: [nb.Tensor, nb.Tensor][] = [
        [x.mul(n), x.mul(s)],
        [nb.mul(n, x), nb.mul(s, x)],
        [x.add(n), x.add(s)],
        [nb.add(n, x), nb.add(s, x)],
        [x.sub(n), x.sub(s)],
        [x.div(n), x.div(s)],
        [nb.add(x, n, 3), nb.add(x, nb.tensor(n * 3, { dtype }))],
      ];
      for (const [got, want] of pairs) {
        assert.equal(got.dtype, dtype);
        // Object.is per element: NaN equals NaN, -0 differs from 0.
        assert.deepEqual(Array.from(got.data()), Array.from(want.data()), `${dtype} with ${n}`);
      }
    }
  }
});

test("integer and bool tensors keep PyTorch's promotion", () => {
  const i = nb.tensor([1, 2, 3], { dtype: "int32" });
  assert.equal(i.mul(2).dtype, "int32");
  assert.deepEqual(i.mul(2).toArray(), [2, 4, 6]);
  assert.equal(i.mul(1.5).dtype, "float32");
  assert.equal(i.div(2).dtype, "float32");
  assert.deepEqual(i.div(2).toArray(), [0.5, 1, 1.5]);
  assert.deepEqual(i.add(0.5).toArray(), [1.5, 2.5, 3.5]);
  assert.equal(nb.tensor([true, false]).add(1).dtype, "int32");
});

test("grad_fn names, gradients and double backward", () => {
  const x = nb.tensor([1, -2, 3], { dtype: "float64", requiresGrad: true });
  const y = x.mul(2.5);
  assert.equal(y.gradFn?.name, "MulBackward0");
  const z = y.add(4).sub(1);
  assert.equal(z.gradFn?.name, "SubBackward0");
  assert.equal(y.add(4).gradFn?.name, "AddBackward0");
  assert.equal(y.div(4).gradFn?.name, "DivBackward0");
  // d/dx sum(x^2 * 2.5 + 3) = 5x; d2 = 5.
  const f = x.square().mul(2.5).add(3).sum();
  const [g] = nb.grad(f, [x], { createGraph: true });
  assertClose(g!, nb.tensor([5, -10, 15], { dtype: "float64" }));
  const [gg] = nb.grad(g!.sum(), [x]);
  assertClose(gg!, nb.tensor([5, 5, 5], { dtype: "float64" }));
  z.sum().backward();
  assertClose(x.grad!, nb.tensor([2.5, 2.5, 2.5], { dtype: "float64" }));
});

test("a float tensor with a number is one op with one tensor input; int32 keeps two", () => {
  const seen: [string, number][] = [];
  const off = nb.onOp((name, inputs) => seen.push([name, inputs.length]));
  try {
    const x = nb.ones([3], { requiresGrad: true });
    x.mul(2);
    nb.add(1, x);
    x.sub(0.5);
    x.div(4);
    nb.tensor([1, 2], { dtype: "int32" }).mul(3);
  } finally {
    off();
  }
  assert.deepEqual(
    seen.filter(([name]) => ["Mul", "Add", "Sub", "Div"].includes(name)),
    [
      ["Mul", 1],
      ["Add", 1],
      ["Sub", 1],
      ["Div", 1],
      ["Mul", 2],
    ],
  );
});
