// softmax and logSoftmax (values, stability, any dim) and dropout's statistics.
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

test("dropout zeroes about p of the elements and rescales the rest; identity when not training", () => {
  nb.manualSeed(0);
  const x = nb.ones([20000]);
  const y = nb.dropout(x, 0.3);
  const values = y.data();
  let zeros = 0;
  for (const v of values) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
  }
  assert.ok(Math.abs(zeros / values.length - 0.3) < 0.02, `zero fraction ${zeros / values.length}`);
  assert.ok(Math.abs(y.mean().item() - 1) < 0.03, "the expectation is preserved");
  assert.equal(nb.dropout(x, 0.3, false), x);
  assert.equal(nb.dropout(x, 0), x);
  assert.equal(nb.dropout(x, 1).sum().item(), 0);
  nb.manualSeed(5);
  const a = nb.dropout(nb.ones([50]), 0.5).toArray();
  nb.manualSeed(5);
  assert.deepEqual(nb.dropout(nb.ones([50]), 0.5).toArray(), a, "deterministic under manualSeed");
  // The gradient flows only through kept elements, scaled.
  const w = nb.ones([1000], { requiresGrad: true });
  const out = nb.dropout(w, 0.5);
  out.sum().backward();
  assertClose(w.grad!, out.detach());
  assert.throws(() => nb.dropout(x, 1.5), /dropout: probability must be in \[0, 1\], got 1.5/);
});
