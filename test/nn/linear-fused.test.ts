// F.linear's fused node (x @ w^T + b as one addmm): values against matmul + add, gradients in
// float64 for every input layout, the weight gradient's layout, and the fallbacks.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith, gradcheckTable, type Layout, leaf } from "../helpers.js";

const F = nb.nn.functional;
const layouts: Layout[] = ["contiguous", "transposed", "sliced"];

gradcheckTable(
  "F.linear (fused)",
  layouts.flatMap((layout) => [
    {
      name: `${layout} x [5, 3], w [4, 3], bias`,
      fn: (x: nb.Tensor, w: nb.Tensor, b: nb.Tensor) => F.linear(x, w, b),
      inputs: () => [leaf([5, 3], layout), leaf([4, 3], layout), leaf([4])],
    },
    {
      name: `${layout} x [2, 3, 3], w [2, 3], no bias`,
      fn: (x: nb.Tensor, w: nb.Tensor) => F.linear(x, w),
      inputs: () => [leaf([2, 3, 3], layout), leaf([2, 3], layout)],
    },
  ]),
);

// Double backward: the fused node's backward is made of differentiable ops.
gradcheckTable("F.linear double backward", [
  {
    name: "d(dL/dx, dL/dw, dL/db)/d(x, w, b)",
    fn: (x: nb.Tensor, w: nb.Tensor, b: nb.Tensor) => {
      const y = F.linear(x, w, b);
      const [gx, gw, gb] = nb.grad(y.square().sum(), [x, w, b], { createGraph: true });
      return [gx!.square().sum(), gw!.mul(gw!).sum(), gb!.square().sum()];
    },
    inputs: () => [leaf([3, 4]), leaf([2, 4], "transposed"), leaf([2])],
  },
]);

test("F.linear equals matmul + add for 1-D, 2-D and 3-D inputs, odd sizes", () => {
  nb.manualSeed(3);
  for (const shape of [[7], [33, 7], [2, 5, 7]]) {
    const x = nb.randn(shape);
    const w = nb.randn([129, 7]);
    const b = nb.randn([129]);
    const want = nb.matmul(x, w.T).add(b);
    const got = F.linear(x, w, b);
    assert.deepEqual(got.shape, want.shape);
    assertClose(got, want, { atol: 1e-5, rtol: 1e-5 });
    assertClose(F.linear(x, w), nb.matmul(x, w.T), { atol: 1e-5, rtol: 1e-5 });
  }
});

test("the weight gradient comes out row-major in the weight's layout", () => {
  const lin = new nb.nn.Linear(6, 3);
  const x = nb.randn([4, 6]);
  const target = nb.tensor([0, 1, 2, 0], { dtype: "int32" });
  F.crossEntropy(lin.forward(x), target).backward();
  assert.deepEqual(lin.weight.grad!.shape, [3, 6]);
  assert.ok(lin.weight.grad!.isContiguous());
  const w = lin.weight.detach().requiresGrad_();
  const b = lin.bias!.detach().requiresGrad_();
  F.crossEntropy(nb.matmul(x, w.T).add(b), target).backward();
  assertClose(lin.weight.grad!, w.grad!, { atol: 1e-6 });
  assertClose(lin.bias!.grad!, b.grad!, { atol: 1e-6 });
});

test("mixed dtypes fall back to matmul + add; mismatched shapes name the op", () => {
  const x = nb.randn([2, 3], { dtype: "float64" });
  const w = nb.randn([4, 3]);
  assert.equal(F.linear(x, w).dtype, "float64");
  assertThrowsWith(() => F.linear(nb.randn([2, 5]), w), "linear", "[2,5]", "expects 3");
});
