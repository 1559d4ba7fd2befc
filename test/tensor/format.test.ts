// toString() against the exact strings PyTorch prints for the same tensors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";

const cases: [string, () => nb.Tensor, string][] = [
  [
    "2x2 integer-valued floats",
    () =>
      nb.tensor([
        [1, 2],
        [3, 4],
      ]),
    "tensor([[1., 2.],\n        [3., 4.]])",
  ],
  [
    "arange(12).reshape(3, 4)",
    () => nb.arange(12).reshape(3, 4),
    "tensor([[ 0.,  1.,  2.,  3.],\n        [ 4.,  5.,  6.,  7.],\n        [ 8.,  9., 10., 11.]])",
  ],
  ["four decimals, shared width", () => nb.tensor([1.5, -2.25]), "tensor([ 1.5000, -2.2500])"],
  ["0-d float", () => nb.tensor(3.5), "tensor(3.5000)"],
  ["0-d integer-valued float", () => nb.tensor(3), "tensor(3.)"],
  ["int32", () => nb.tensor([-1, 10, 3], { dtype: "int32" }), "tensor([-1, 10,  3])"],
  ["0-d int32", () => nb.tensor(7, { dtype: "int32" }), "tensor(7)"],
  ["bool", () => nb.tensor([true, false]), "tensor([ True, False])"],
  [
    "float64",
    () => nb.tensor([1.5, 2], { dtype: "float64" }),
    "tensor([1.5000, 2.0000], dtype=torch.float64)",
  ],
  [
    "scientific for small values",
    () => nb.tensor([1e-5, 1], { dtype: "float64" }),
    "tensor([1.0000e-05, 1.0000e+00], dtype=torch.float64)",
  ],
  [
    "scientific for a wide integer range",
    () => nb.tensor([1, 10000]),
    "tensor([1.0000e+00, 1.0000e+04])",
  ],
  [
    "a range of exactly 1000 stays fixed",
    () => nb.tensor([0.1, 100], { dtype: "float64" }),
    "tensor([  0.1000, 100.0000], dtype=torch.float64)",
  ],
  [
    "nan and inf do not widen columns",
    () => nb.tensor([1, Number.NaN, Infinity]),
    "tensor([1., nan, inf])",
  ],
  [
    "nan among decimals",
    () => nb.tensor([1.5, Number.NaN, -Infinity]),
    "tensor([1.5000,    nan,   -inf])",
  ],
  ["all zeros", () => nb.zeros([3]), "tensor([0., 0., 0.])"],
  ["empty 1-D", () => nb.tensor([]), "tensor([])"],
  ["empty 2-D shows its size", () => nb.zeros([2, 0]), "tensor([], size=(2, 0))"],
  ["empty float64", () => nb.zeros([0], { dtype: "float64" }), "tensor([], dtype=torch.float64)"],
  [
    "3-D uses blank lines between blocks",
    () => nb.arange(8).reshape(2, 2, 2),
    "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])",
  ],
  [
    "long rows wrap at 80 columns",
    () => nb.arange(30),
    "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        28., 29.])",
  ],
  [
    "summarised int32 vector",
    () => nb.arange(2000, undefined, 1, { dtype: "int32" }),
    "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])",
  ],
  [
    "summarised float vector",
    () => nb.arange(2000),
    "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])",
  ],
  [
    "summarised matrix",
    () => nb.zeros([100, 100]),
    [
      "tensor([[0., 0., 0.,  ..., 0., 0., 0.],",
      "        [0., 0., 0.,  ..., 0., 0., 0.],",
      "        [0., 0., 0.,  ..., 0., 0., 0.],",
      "        ...,",
      "        [0., 0., 0.,  ..., 0., 0., 0.],",
      "        [0., 0., 0.,  ..., 0., 0., 0.],",
      "        [0., 0., 0.,  ..., 0., 0., 0.]])",
    ].join("\n"),
  ],
  [
    "requires_grad",
    () => nb.tensor([1, 2], { requiresGrad: true }),
    "tensor([1., 2.], requires_grad=True)",
  ],
  [
    "grad_fn of mul",
    () => nb.tensor([1, 2], { requiresGrad: true }).mul(2),
    "tensor([2., 4.], grad_fn=<MulBackward0>)",
  ],
  [
    "grad_fn of sum",
    () => nb.tensor([1, 2], { requiresGrad: true }).sum(),
    "tensor(3., grad_fn=<SumBackward0>)",
  ],
  [
    "float64 with grad_fn",
    () => nb.tensor([0.5], { dtype: "float64", requiresGrad: true }).exp(),
    "tensor([1.6487], dtype=torch.float64, grad_fn=<ExpBackward0>)",
  ],
  [
    "a suffix that passes 80 columns goes on its own line",
    () =>
      nb.tensor([0.4885, 0.0384, 2.5868, 0.3999, 0.9513, -0.2759, -0.2475, -1.2764], {
        requiresGrad: true,
      }),
    "tensor([ 0.4885,  0.0384,  2.5868,  0.3999,  0.9513, -0.2759, -0.2475, -1.2764],\n       requires_grad=True)",
  ],
  [
    "transposed views print in logical order",
    () =>
      nb.tensor([
        [1, 2],
        [3, 4],
      ]).T,
    "tensor([[1., 3.],\n        [2., 4.]])",
  ],
];

for (const [name, make, expected] of cases) {
  test(`toString: ${name}`, () => {
    assert.equal(make().toString(), expected);
  });
}

test("String(), template literals and util.inspect all use the PyTorch format", async () => {
  const { inspect } = await import("node:util");
  const x = nb.tensor([1, 2]);
  assert.equal(String(x), "tensor([1., 2.])");
  assert.equal(`${x}`, "tensor([1., 2.])");
  assert.equal(inspect(x), "tensor([1., 2.])");
});
