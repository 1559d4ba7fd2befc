// dropout: its statistics, reproducibility, gradient and errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, gradcheckTable, leaf } from "../helpers.js";

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

gradcheckTable("dropout", [
  {
    name: "dropout p=0 is identity",
    fn: (x) => nb.dropout(x, 0).square(),
    inputs: () => [leaf([3])],
  },
]);
