// noGrad/enableGrad, detach, requiresGrad_, retainGrad and the d2l control-flow example.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

test("noGrad stops recording; enableGrad turns it back on inside; modes nest and restore", () => {
  const x = nb.ones([2], { requiresGrad: true });
  assert.equal(nb.isGradEnabled(), true);
  const y = nb.noGrad(() => {
    assert.equal(nb.isGradEnabled(), false);
    const inner = nb.enableGrad(() => x.mul(2));
    assert.equal(inner.requiresGrad, true);
    assert.equal(nb.isGradEnabled(), false);
    return x.mul(2);
  });
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(nb.isGradEnabled(), true);
  assert.throws(() =>
    nb.noGrad(() => {
      throw new Error("boom");
    }),
  );
  assert.equal(nb.isGradEnabled(), true, "restored after an exception");
  const prev = nb.setGradEnabled(false);
  assert.equal(prev, true);
  assert.equal(x.exp().requiresGrad, false);
  nb.setGradEnabled(true);
  assertThrowsWith(
    () => nb.noGrad(() => Promise.resolve(1) as unknown as number),
    "noGrad/enableGrad",
    "Promise",
  );
  assert.equal(nb.isGradEnabled(), true);
});

test("detach shares data but leaves the graph; detach_ cuts in place", () => {
  const x = nb.arange(4, undefined, 1, { requiresGrad: true });
  const y = x.mul(x);
  const u = y.detach();
  assert.equal(u.requiresGrad, false);
  assert.equal(u.gradFn, null);
  assert.equal(u.storage, y.storage);
  // d2l: z = u * x treats u as a constant, so dz/dx = u.
  const z = u.mul(x);
  z.sum().backward();
  assertClose(x.grad!, u);
  x.grad = null;
  y.sum().backward();
  assertClose(x.grad!, x.mul(2).detach());
  const w = x.mul(3);
  w.detach_();
  assert.equal(w.requiresGrad, false);
  assert.equal(w.isLeaf, true);
});

test("requiresGrad_ and retainGrad", () => {
  const x = nb.tensor([1, 2]);
  assert.equal(x.requiresGrad_(), x);
  assert.equal(x.requiresGrad, true);
  x.requiresGrad_(false);
  assert.equal(x.requiresGrad, false);
  x.requiresGrad_();
  const h = x.mul(3);
  assert.equal(h.retainGrad(), h);
  const out = h.mul(h).sum();
  out.retainGrad();
  out.backward();
  assertClose(h.grad!, [6, 12]);
  assert.equal(out.grad!.item(), 1);
  assertClose(x.grad!, [18, 36]);
  const k = x.mul(2);
  k.sum().backward();
  assert.equal(k.grad, null, "non-leaf grads are not kept without retainGrad");
  assertThrowsWith(() => nb.ones([1]).retainGrad(), "retainGrad", "does not require grad");
});

test("gradients flow through data-dependent control flow (d2l's f(a))", () => {
  const f = (a: nb.Tensor) => {
    let b = a.mul(2);
    while (b.norm().item() < 1000) b = b.mul(2);
    return b.sum().item() > 0 ? b : b.mul(100);
  };
  for (const seed of [0, 1, 2]) {
    nb.manualSeed(seed);
    const a = nb.randn([], { requiresGrad: true });
    const d = f(a);
    d.backward();
    assertClose(a.grad!, d.div(a).detach(), { rtol: 1e-5 });
  }
});
