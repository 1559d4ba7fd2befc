// softmax and logSoftmax (values, stability, any dim).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";

test("softmax rows sum to 1 and match the formula, along any dim", () => {
  const x = nb.tensor(
    [
      [1, 2, 3],
      [1, 1, 1],
    ],
    { dtype: "float64" },
  );
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const s = e[0] + e[1] + e[2];
  assertClose(nb.softmax(x, 1), [e.map((v) => v / s), [1 / 3, 1 / 3, 1 / 3]], { atol: 1e-12 });
  assertClose(nb.softmax(x, -1).sum(1), [1, 1], { atol: 1e-12 });
  assertClose(nb.softmax(x, 0).sum(0), [1, 1, 1], { atol: 1e-12 });
  assertClose(nb.softmax(x.T, 0), nb.softmax(x, 1).T, { atol: 1e-12 });
  assertClose(nb.logSoftmax(x, 1), nb.softmax(x, 1).log(), { atol: 1e-12 });
  assertClose(x.softmax(1), nb.softmax(x, 1));
  assertClose(x.logSoftmax(0), nb.logSoftmax(x, 0));
  assert.equal(nb.softmax(nb.tensor([1, 2], { dtype: "int32" }), 0).dtype, "float32");
});

test("softmax and logSoftmax are stable for huge and tiny logits", () => {
  const big = nb.tensor([1000, 1000, -1000]);
  assertClose(nb.softmax(big, 0), [0.5, 0.5, 0]);
  assertClose(nb.logSoftmax(big, 0), [-Math.LN2, -Math.LN2, -2000 - Math.LN2], { rtol: 1e-6 });
  const ninf = nb.tensor([0, -Infinity]);
  assertClose(nb.softmax(ninf, 0), [1, 0]);
  assert.equal(nb.logSoftmax(ninf, 0).get(1).item(), -Infinity);
  // Backward through huge logits stays finite.
  const x = nb.tensor([1000, 0, -1000], { requiresGrad: true });
  nb.logSoftmax(x, 0).get(1).backward();
  assert.ok((x.grad!.toArray() as number[]).every(Number.isFinite));
  assertClose(x.grad!, [-1, 1, 0]);
});
