// matmul with NumPy semantics against a float64 triple loop; mm/bmm/mv/dot/outer and errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

// Reference: broadcast batch dims, promote 1-D operands, loop in float64.
function refMatmul(a: nb.Tensor, b: nb.Tensor): nb.Tensor {
  const A = a.ndim === 1 ? a.unsqueeze(0) : a;
  const B = b.ndim === 1 ? b.unsqueeze(-1) : b;
  const batch = nb.broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const [M, K] = A.shape.slice(-2);
  const N = B.shape[B.ndim - 1];
  const count = batch.reduce((p, q) => p * q, 1);
  const Ab = A.expand([...batch, M, K])
    .contiguous()
    .reshape(count, M, K)
    .toArray() as number[][][];
  const Bb = B.expand([...batch, K, N])
    .contiguous()
    .reshape(count, K, N)
    .toArray() as number[][][];
  const out = Ab.map((am, bi) =>
    am.map((row) =>
      Array.from({ length: N }, (_, j) => row.reduce((s, v, k) => s + v * Bb[bi][k][j], 0)),
    ),
  );
  let shape = [...batch, M, N];
  if (a.ndim === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b.ndim === 1) shape = shape.slice(0, -1);
  return nb.tensor(out.flat(2), { dtype: "float64" }).reshape(shape.length ? shape : []);
}

const shapes: [number[], number[], number[]][] = [
  [[3], [3], []],
  [[3], [3, 2], [2]],
  [[2, 3], [3], [2]],
  [
    [2, 3],
    [3, 4],
    [2, 4],
  ],
  [
    [5, 2, 3],
    [5, 3, 4],
    [5, 2, 4],
  ],
  [
    [2, 1, 2, 3],
    [3, 3, 2],
    [2, 3, 2, 2],
  ],
  [[3], [4, 3, 2], [4, 2]],
  [[4, 2, 3], [3], [4, 2]],
  [
    [1, 7],
    [7, 1],
    [1, 1],
  ],
  [
    [2, 0],
    [0, 3],
    [2, 3],
  ],
];

test("matmul: 1-D, 2-D and broadcast batches match a float64 loop", () => {
  nb.manualSeed(3);
  for (const [sa, sb, so] of shapes) {
    const a = nb.randn(sa, { dtype: "float64" });
    const b = nb.randn(sb, { dtype: "float64" });
    const out = nb.matmul(a, b);
    assert.deepEqual(out.shape, so, `[${sa}] @ [${sb}]`);
    assertClose(out, refMatmul(a, b), { atol: 1e-12 });
    // float32 and non-contiguous operands give the same values.
    const at = a.ndim >= 2 ? a.mT.contiguous().mT : a;
    assertClose(nb.matmul(at.to("float32"), b.to("float32")), refMatmul(a, b), { atol: 1e-4 });
  }
});

test("matmul reads transposed, sliced and expanded operands without changing results", () => {
  nb.manualSeed(4);
  const a = nb.randn([4, 6], { dtype: "float64" });
  const b = nb.randn([6, 5], { dtype: "float64" });
  const ref = refMatmul(a, b);
  assertClose(nb.matmul(a.T.contiguous().T, b), ref, { atol: 1e-12 });
  assertClose(nb.matmul(a, b.T.contiguous().T), ref, { atol: 1e-12 });
  const wide = nb.randn([4, 12], { dtype: "float64" });
  const sliced = wide.get(":, ::2");
  assertClose(nb.matmul(sliced, b), refMatmul(sliced.contiguous(), b), { atol: 1e-12 });
  const e = nb.randn([1, 4, 6], { dtype: "float64" }).expand(3, 4, 6);
  assertClose(nb.matmul(e, b), refMatmul(e.contiguous(), b), { atol: 1e-12 });
  assertClose(
    nb.matmul(b.T.unsqueeze(0).expand(2, 5, 6), a.T),
    refMatmul(b.T.contiguous().unsqueeze(0).expand(2, 5, 6).contiguous(), a.T.contiguous()),
    { atol: 1e-12 },
  );
});

test("mm, bmm, mv, dot, outer and the promotion of dtypes", () => {
  const a = nb.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(nb.mm(a, a).toArray(), [
    [7, 10],
    [15, 22],
  ]);
  assert.deepEqual(a.mm(nb.eye(2)).toArray(), a.toArray());
  assert.deepEqual(nb.bmm(a.unsqueeze(0), a.unsqueeze(0)).shape, [1, 2, 2]);
  assert.deepEqual(nb.mv(a, nb.tensor([1, 1])).toArray(), [3, 7]);
  assert.equal(
    nb
      .tensor([1, 2, 3])
      .dot(nb.tensor([4, 5, 6]))
      .item(),
    32,
  );
  assert.deepEqual(nb.outer(nb.tensor([1, 2]), nb.tensor([3, 4, 5])).toArray(), [
    [3, 4, 5],
    [6, 8, 10],
  ]);
  assert.equal(nb.matmul(a, a.to("float64")).dtype, "float64");
  const i = nb.tensor([[1, 2]], { dtype: "int32" });
  assert.equal(nb.matmul(i, i.T).dtype, "int32");
  assert.equal(nb.matmul(i, i.T).item(), 5);
});

test("matmul shape errors name the op, both shapes and the sizes", () => {
  assertThrowsWith(
    () => nb.matmul(nb.ones([2, 3]), nb.ones([4, 5])),
    "matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)",
  );
  assertThrowsWith(() => nb.matmul(nb.ones([3]), nb.ones([4])), "matmul", "[3]", "[4]", "3 != 4");
  assertThrowsWith(
    () => nb.matmul(nb.ones([2, 2, 3]), nb.ones([3, 3, 2])),
    "matmul",
    "broadcast",
    "[2]",
    "[3]",
  );
  assertThrowsWith(() => nb.matmul(nb.ones([]), nb.ones([3])), "matmul", "at least 1 dim");
  assertThrowsWith(() => nb.mm(nb.ones([3]), nb.ones([3, 2])), "mm", "2-D", "[3]");
  assertThrowsWith(
    () => nb.bmm(nb.ones([2, 2, 3]), nb.ones([3, 3, 2])),
    "bmm",
    "[2,2,3]",
    "[3,3,2]",
  );
  assertThrowsWith(() => nb.dot(nb.ones([3]), nb.ones([2])), "dot", "[3]", "[2]");
  assertThrowsWith(() => nb.mv(nb.ones([2, 3]), nb.ones([2, 3])), "mv", "[2,3]");
});
