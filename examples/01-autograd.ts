// d2l 2.5 "Automatic Differentiation": gradients of y = 2 x.x, detach, and control flow.
import assert from "node:assert/strict";
import * as nb from "nabla";

/** Runs the chapter's examples, asserting what the book shows. Example: `await main()`. */
export function main(log: (...args: unknown[]) => void = console.log): void {
  nb.manualSeed(0);
  const x = nb.arange(4, undefined, 1, { requiresGrad: true });
  log(x.toString());
  const y = x.dot(x).mul(2);
  log(y.toString());
  y.backward();
  log(x.grad!.toString());
  assert.deepEqual(x.grad!.toArray(), x.mul(4).detach().toArray());

  // The gradient of another function: zero the old gradient first.
  x.grad!.zero_();
  const s = x.sum();
  s.backward();
  log(x.grad!.toString());
  assert.deepEqual(x.grad!.toArray(), [1, 1, 1, 1]);

  // Backward of a non-scalar: sum first (equivalently pass ones as the gradient).
  x.grad!.zero_();
  const yy = x.mul(x);
  yy.backward(nb.onesLike(yy));
  log(x.grad!.toString());
  assert.deepEqual(x.grad!.toArray(), [0, 2, 4, 6]);

  // Detaching: u is a constant, so d(u * x)/dx = u.
  x.grad!.zero_();
  const y2 = x.mul(x);
  const u = y2.detach();
  const z = u.mul(x);
  z.sum().backward();
  log(x.grad!.eq(u).toString());
  assert.deepEqual(x.grad!.toArray(), u.toArray());
  x.grad!.zero_();
  y2.sum().backward();
  assert.deepEqual(x.grad!.toArray(), x.mul(2).detach().toArray());

  // Python control flow: f is piecewise linear in a, so the gradient is d / a.
  const f = (a: nb.Tensor): nb.Tensor => {
    let b = a.mul(2);
    while (b.norm().item() < 1000) b = b.mul(2);
    return b.sum().item() > 0 ? b : b.mul(100);
  };
  const a = nb.randn([], { requiresGrad: true });
  const d = f(a);
  d.backward();
  const ratio = d.div(a).detach();
  log(a.grad!.eq(ratio).toString());
  assert.ok(Math.abs(a.grad!.item() - ratio.item()) <= 1e-6 * Math.abs(ratio.item()));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
