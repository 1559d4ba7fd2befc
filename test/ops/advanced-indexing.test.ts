// Advanced indexing (several index tensors broadcast together, masks, None, ellipsis) and index
// put, against values and gradients recorded from PyTorch 1.13 (`X[...]` on
// X = arange(24.).reshape(2, 3, 4); the gradient is that of `(X[...] * w).sum()` with
// w = arange(1, n + 1) in the result's shape).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { forEachBackend } from "./backends.js";
import { assertClose, assertThrowsWith, gradcheckTable, leaf } from "../helpers.js";

const int32 = (v: number[] | number[][]) => nb.tensor(v, { dtype: "int32" });
const mask23 = () =>
  nb.tensor([
    [true, false, true],
    [false, true, false],
  ]);

interface Case {
  torch: string;
  fn: (x: nb.Tensor) => nb.Tensor;
  shape: number[];
  values: number[];
  grad: number[];
}

const CASES: Case[] = [
  {
    torch: "X[[0, 1], [1, 2]]",
    fn: (x) => x.get([0, 1], [1, 2]),
    shape: [2, 4],
    values: [4, 5, 6, 7, 20, 21, 22, 23],
    grad: [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8],
  },
  {
    torch: "X[[[0], [1]], [0, 2, 1]]",
    fn: (x) => x.get([[0], [1]], [0, 2, 1]),
    shape: [2, 3, 4],
    values: [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 16, 17, 18, 19],
    grad: [1, 2, 3, 4, 9, 10, 11, 12, 5, 6, 7, 8, 13, 14, 15, 16, 21, 22, 23, 24, 17, 18, 19, 20],
  },
  {
    torch: "X[:, [0, 2], [1, 3]]",
    fn: (x) => x.get(":", [0, 2], [1, 3]),
    shape: [2, 2],
    values: [1, 11, 13, 23],
    grad: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4],
  },
  {
    torch: "X[[0, 1], :, [1, 3]]",
    fn: (x) => x.get([0, 1], ":", [1, 3]),
    shape: [2, 3],
    values: [1, 5, 9, 15, 19, 23],
    grad: [0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6],
  },
  {
    torch: "X[0, :, [0, 1]]",
    fn: (x) => x.get(0, ":", [0, 1]),
    shape: [3, 2],
    values: [0, 1, 4, 5, 8, 9],
    grad: [1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  },
  {
    torch: "X[[0, 1], 0, [0, 1]]",
    fn: (x) => x.get([0, 1], 0, [0, 1]),
    shape: [2],
    values: [0, 13],
    grad: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  },
  {
    torch: "X[..., [0, -1]]",
    fn: (x) => x.get("...", [0, -1]),
    shape: [2, 3, 2],
    values: [0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23],
    grad: [1, 0, 0, 2, 3, 0, 0, 4, 5, 0, 0, 6, 7, 0, 0, 8, 9, 0, 0, 10, 11, 0, 0, 12],
  },
  {
    torch: "X[None, [1, 0], ..., [1, 2]]",
    fn: (x) => x.get(null, [1, 0], "...", [1, 2]),
    shape: [2, 1, 3],
    values: [13, 17, 21, 2, 6, 10],
    grad: [0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0],
  },
  {
    torch: "X[mask23, tensor([0, 1, 3])]",
    fn: (x) => x.get(mask23(), int32([0, 1, 3])),
    shape: [3],
    values: [0, 9, 19],
    grad: [1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0],
  },
  {
    torch: "X[:, tensor([True, False, True])]",
    fn: (x) => x.get(":", nb.tensor([true, false, true])),
    shape: [2, 2, 4],
    values: [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23],
    grad: [1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0, 13, 14, 15, 16],
  },
  {
    torch: "X[[1, 0, 1]]",
    fn: (x) => x.get([1, 0, 1]),
    shape: [3, 3, 4],
    values: [
      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
      14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    ],
    grad: [
      13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46,
      48,
    ],
  },
  {
    torch: "X[tensor([[0, 1], [1, 1]])]",
    fn: (x) =>
      x.get(
        int32([
          [0, 1],
          [1, 1],
        ]),
      ),
    shape: [2, 2, 3, 4],
    values: [
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 12, 13,
      14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    ],
    grad: [
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 75, 78, 81, 84, 87, 90, 93, 96, 99, 102, 105, 108,
    ],
  },
  {
    torch: "X[[0, 1], [[0], [2]], 1:3]",
    fn: (x) => x.get([0, 1], [[0], [2]], "1:3"),
    shape: [2, 2, 2],
    values: [1, 2, 13, 14, 9, 10, 21, 22],
    grad: [0, 1, 2, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 7, 8, 0],
  },
  {
    torch: "X[1:, [2, 0], None]",
    fn: (x) => x.get("1:", [2, 0], null),
    shape: [1, 2, 1, 4],
    values: [20, 21, 22, 23, 12, 13, 14, 15],
    grad: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0, 1, 2, 3, 4],
  },
  {
    torch: "X[[1, 0], ::2, [3, -4]]",
    fn: (x) => x.get([1, 0], "::2", [3, -4]),
    shape: [2, 2],
    values: [15, 23, 0, 8],
    grad: [3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2],
  },
  {
    torch: "X[True]",
    fn: (x) => x.get(true),
    shape: [1, 2, 3, 4],
    values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
    grad: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
  },
  {
    torch: "X[[tensor([0, 1]), tensor([2, 0])]]",
    fn: (x) => x.get([int32([0, 1]), int32([2, 0])]),
    shape: [2, 4],
    values: [8, 9, 10, 11, 12, 13, 14, 15],
    grad: [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0],
  },
];

forEachBackend(() => {
  for (const c of CASES) {
    test(`${c.torch}: values, shape and gradient as PyTorch`, () => {
      const x = nb.arange(24, { dtype: "float64" }).reshape(2, 3, 4).requiresGrad_();
      const y = c.fn(x);
      assert.deepEqual(y.shape, c.shape);
      assertClose(y.detach().flatten(), c.values);
      const w = nb.arange(1, y.numel() + 1, 1, { dtype: "float64" }).reshape(y.shape);
      y.mul(w).sum().backward();
      assertClose(x.grad!.flatten(), c.grad);
    });
  }

  test("the book's y_hat[range(len(y_hat)), y] picks each row's label", () => {
    const yHat = nb.tensor([
      [0.1, 0.3, 0.6],
      [0.3, 0.2, 0.5],
    ]);
    const y = int32([0, 2]);
    assertClose(yHat.get(nb.arange(2, { dtype: "int32" }), y), [0.1, 0.5]);
    assertClose(yHat.get([0, 1], y), [0.1, 0.5]);
    assertClose(yHat.get([nb.arange(2, { dtype: "int32" }), y]), [0.1, 0.5]);
  });

  test("advanced indexing of a non-contiguous tensor reads through its strides", () => {
    const x = nb.arange(12).reshape(3, 4).T; // [4, 3]
    assert.deepEqual(x.get([3, 0], [2, 1]).toArray(), [11, 4]);
    assert.deepEqual(x.get(":", [2, 0]).toArray(), [
      [8, 0],
      [9, 1],
      [10, 2],
      [11, 3],
    ]);
  });
});

gradcheckTable("advanced indexing", [
  { name: "X[[0, 2], [1, 1]]", fn: (x) => x.get([0, 2], [1, 1]), inputs: () => [leaf([3, 4])] },
  {
    name: "X[[0, 1], :, [3, 0]] (transposed input)",
    fn: (x) => x.get([0, 1], ":", [3, 0]),
    inputs: () => [leaf([2, 3, 4], "transposed")],
  },
  {
    name: "X[:, [[0], [2]], [1, 1, 0]] with repeats (sliced input)",
    fn: (x) => x.get(":", [[0], [2]], [1, 1, 0]),
    inputs: () => [leaf([2, 3, 4], "sliced")],
  },
  {
    name: "X[mask, 1:]",
    fn: (x) => x.get(nb.tensor([true, false, true]), "1:"),
    inputs: () => [leaf([3, 4])],
  },
  {
    name: "X[None, [1, 0], ..., [1, 2]]",
    fn: (x) => x.get(null, [1, 0], "...", [1, 2]),
    inputs: () => [leaf([2, 3, 4])],
  },
  {
    name: "set: Y[[0, 2], [1, 3]] = w (both inputs)",
    fn: (x, w) => {
      const y = x.mul(1);
      y.set([0, 2], [1, 3], w);
      return y;
    },
    inputs: () => [leaf([3, 4]), leaf([2])],
  },
  {
    name: "set: Y[:, [0, 2], [1, 3]] = w broadcast",
    fn: (x, w) => {
      const y = x.mul(1);
      y.set(":", [0, 2], [1, 3], w);
      return y;
    },
    inputs: () => [leaf([2, 3, 4]), leaf([1])],
  },
]);

// X[...] = v in PyTorch 1.13, on X = arange(12.).reshape(3, 4) (or arange(24.).reshape(2, 3, 4)).
const x2 = () => nb.arange(12, { dtype: "float64" }).reshape(3, 4);
const x3 = () => nb.arange(24, { dtype: "float64" }).reshape(2, 3, 4);
const f64 = (v: number[] | number[][]) => nb.tensor(v, { dtype: "float64" });

forEachBackend(() => {
  test("set through advanced indices writes as PyTorch's index_put", () => {
    const cases: [string, nb.Tensor, number[]][] = [
      ["X[[0, 1]] = 42", x2().set([0, 1], 42), [42, 42, 42, 42, 42, 42, 42, 42, 8, 9, 10, 11]],
      ["X[0, 1] = 42", x2().set(0, 1, 42), [0, 42, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
      [
        "X[[0, 2], [1, 3]] = [5, 6]",
        x2().set([0, 2], [1, 3], f64([5, 6])),
        [0, 5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 6],
      ],
      [
        "X[[rows, cols]] = [5, 6] with int32 tensors (a list of tensors is a tuple)",
        x2().set([int32([0, 2]), int32([1, 3])], f64([5, 6])),
        [0, 5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 6],
      ],
      [
        "X[[[0, 2], [1, 3]]] = [5, 6] (a list of lists is a tuple)",
        x2().set(
          [
            [0, 2],
            [1, 3],
          ],
          f64([5, 6]),
        ),
        [0, 5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 6],
      ],
      [
        "X[[0, 1], :, [1, 3]] = v[2, 3]",
        x3().set(
          [0, 1],
          ":",
          [1, 3],
          f64([
            [-1, -2, -3],
            [-4, -5, -6],
          ]),
        ),
        [0, -1, 2, 3, 4, -2, 6, 7, 8, -3, 10, 11, 12, 13, 14, -4, 16, 17, 18, -5, 20, 21, 22, -6],
      ],
      [
        "X[:, [0, 2], [1, 3]] = [-7, -8]",
        x3().set(":", [0, 2], [1, 3], f64([-7, -8])),
        [0, -7, 2, 3, 4, 5, 6, 7, 8, 9, 10, -8, 12, -7, 14, 15, 16, 17, 18, 19, 20, 21, 22, -8],
      ],
      [
        "X[X > 8] = [-1, -2, -3]",
        ((t) => t.set(t.gt(8), f64([-1, -2, -3])))(x2()),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3],
      ],
      [
        "X[[0, 1]] = ones(1, 1, 4) * 9",
        x2().set([0, 1], nb.full([1, 1, 4], 9, { dtype: "float64" })),
        [9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 10, 11],
      ],
      [
        "X[1, [0, 2], None] = [1, 2, 3, 4]",
        x3().set(1, [0, 2], null, f64([1, 2, 3, 4])),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 3, 4, 16, 17, 18, 19, 1, 2, 3, 4],
      ],
      ["X[[-1], [-1]] = 100", x2().set([-1], [-1], 100), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]],
      [
        "int32 X[[0, 1], [0, 1]] = -2.7",
        nb.arange(12, { dtype: "int32" }).reshape(3, 4).set([0, 1], [0, 1], -2.7),
        [-2, 1, 2, 3, 4, -2, 6, 7, 8, 9, 10, 11],
      ],
    ];
    for (const [name, got, want] of cases) {
      assert.deepEqual(got.flatten().toArray(), want, name);
    }
  });

  test("set writes in place into a non-contiguous view and bumps the version", () => {
    const base = nb.zeros([4, 3]);
    const t = base.T; // [3, 4], a view
    const before = base.storage.version;
    t.set([0, 2], [3, 1], nb.tensor([1, 2]));
    assert.equal(base.storage.version, before + 1);
    assert.equal(base.get(3, 0).item(), 1);
    assert.equal(base.get(1, 2).item(), 2);
    assert.equal(base.sum().item(), 3);
  });

  test("set through an index is recorded by autograd as PyTorch's IndexPutBackward0", () => {
    // y = 2x; y[[0, 2], [1, 3]] = w * w; (y * (arange(12) + 1)).sum().backward()
    const x = x2().requiresGrad_();
    const w = f64([10, 20]).requiresGrad_();
    const y = x.mul(2);
    y.set([0, 2], [1, 3], w.mul(w));
    assert.equal(y.gradFn?.name, "IndexPutBackward0");
    assertClose(y.detach().flatten(), [0, 100, 4, 6, 8, 10, 12, 14, 16, 18, 20, 400]);
    y.mul(nb.arange(1, 13, 1, { dtype: "float64" }).reshape(3, 4))
      .sum()
      .backward();
    assertClose(x.grad!.flatten(), [2, 0, 6, 8, 10, 12, 14, 16, 18, 20, 22, 0]);
    assertClose(w.grad!, [40, 480]);

    // A broadcast value collects the gradient of every place it was written to.
    const x3g = x3().requiresGrad_();
    const v = f64([1, 2]).requiresGrad_();
    const z = x3g.mul(1);
    z.set(":", [0, 2], [1, 3], v);
    z.mul(nb.arange(1, 25, 1, { dtype: "float64" }).reshape(2, 3, 4))
      .sum()
      .backward();
    assertClose(
      x3g.grad!.flatten(),
      [1, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 13, 0, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0],
    );
    assertClose(v.grad!, [16, 36]);
  });
});

test("advanced indexing errors name the op and the values", () => {
  const x = nb.arange(12).reshape(3, 4);
  assertThrowsWith(
    () => x.get([0, 2], [5, 0]),
    "get: index 5 is out of bounds for dim 1 with size 4",
  );
  assertThrowsWith(() => x.get([-4]), "get: index -4 is out of bounds for dim 0 with size 3");
  assertThrowsWith(() => x.set([7], 0), "set: index 7 is out of bounds for dim 0 with size 3");
  assertThrowsWith(
    () => x.get([0, 1], [0, 1, 2]),
    "get: shape mismatch",
    "broadcast together with shapes [2], [3]",
  );
  assertThrowsWith(
    () => x.get(nb.tensor([0, 1])),
    "get: tensors used as indices must be int32 or bool, got float32",
  );
  assertThrowsWith(() => x.get([0.5]), "get: index 0.5 is not an integer");
  assertThrowsWith(() => x.get([[0, 1], [0]], 0), "get", "ragged");
  assertThrowsWith(
    () => x.set([0, 1], [1, 2], nb.tensor([1, 2, 3])),
    "set: shape mismatch",
    "[3]",
    "indexed shape [2]",
  );
  assertThrowsWith(
    () => x.set([0, 1], nb.tensor([1, 2, 3, 4], { dtype: "float64" })),
    "set",
    "float64",
    "float32",
  );
  assertThrowsWith(
    () => x.get(nb.tensor([true, false])),
    "get: the mask of shape [2] does not match the indexed dims [3]",
  );
  const w = nb.ones([2], { requiresGrad: true });
  assertThrowsWith(() => w.set([0], 3), "set", "leaf", "requires grad", "noGrad");
});
