// In-place ops: values, version counters, autograd history rebasing and their errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith } from "../helpers.js";

test("in-place ops write into the tensor (and its views) and bump the version", () => {
  const x = nb.tensor([1, 2, 3]);
  const v0 = x.storage.version;
  assert.equal(x.add_(1), x);
  assert.deepEqual(x.toArray(), [2, 3, 4]);
  x.sub_(nb.tensor([1, 1, 1]), 2);
  assert.deepEqual(x.toArray(), [0, 1, 2]);
  x.mul_(3).div_(2);
  assert.deepEqual(x.toArray(), [0, 1.5, 3]);
  x.clamp_(1, 2);
  assert.deepEqual(x.toArray(), [1, 1.5, 2]);
  assert.equal(x.storage.version, v0 + 5);
  x.zero_();
  assert.deepEqual(x.toArray(), [0, 0, 0]);
  x.fill_(7);
  assert.deepEqual(x.toArray(), [7, 7, 7]);
  x.copy_(nb.tensor([4, 5, 6], { dtype: "float64" }));
  assert.deepEqual(x.toArray(), [4, 5, 6]);
  x.copy_(nb.tensor(1));
  assert.deepEqual(x.toArray(), [1, 1, 1]);
  const m = nb.zeros([2, 3]);
  m.T.add_(nb.tensor([1, 2]));
  assert.deepEqual(m.toArray(), [
    [1, 1, 1],
    [2, 2, 2],
  ]);
  m.get(":, 1").mul_(10);
  assert.deepEqual(m.get(":, 1").toArray(), [10, 20]);
  const i = nb.tensor([1, 2], { dtype: "int32" });
  i.add_(1);
  assert.deepEqual(i.toArray(), [2, 3]);
  assertThrowsWith(() => i.mul_(1.5), "mul_", "float32", "int32");
  assertThrowsWith(() => nb.zeros([3]).add_(nb.ones([2, 3])), "add_", "[2,3]", "[3]");
});

test("normal_ and uniform_ fill from the seeded generator", () => {
  nb.manualSeed(11);
  const w = nb.zeros([2000]).normal_(1, 0.1);
  assert.ok(Math.abs(w.mean().item() - 1) < 0.01);
  assert.ok(Math.abs(w.std().item() - 0.1) < 0.01);
  const u = nb.zeros([2000], { dtype: "float64" }).uniform_(-1, 1);
  assert.equal(u.dtype, "float64");
  assert.ok(u.min().item() >= -1 && u.max().item() < 1);
  nb.manualSeed(11);
  assert.deepEqual(nb.zeros([2000]).normal_(1, 0.1).toArray(), w.toArray());
});

test("in-place on a leaf that requires grad is an error unless under noGrad (the sgd update)", () => {
  const w = nb.tensor([1, 2], { requiresGrad: true });
  assertThrowsWith(() => w.sub_(1), "sub_", "leaf tensor that requires grad", "noGrad");
  assertThrowsWith(() => w.zero_(), "zero_", "leaf tensor that requires grad");
  w.mul(w).sum().backward();
  nb.noGrad(() => w.sub_(w.grad!.mul(0.1)));
  assertClose(w, [0.8, 1.6]);
  assert.equal(w.isLeaf, true);
  assert.equal(w.requiresGrad, true);
  w.grad!.zero_();
  assert.deepEqual(w.grad!.toArray(), [0, 0]);
});

test("in-place on a non-leaf rebases its history; backward sees the new values", () => {
  const a = nb.tensor([1, 2, 3], { requiresGrad: true });
  const b = a.mul(2);
  b.mul_(a); // b = 2a * a
  assert.equal(b.gradFn?.name, "MulBackward0");
  b.add_(1);
  b.sum().backward();
  assertClose(a.grad!, [4, 8, 12]);
  // A plain tensor joins the graph when an operand requires grad.
  const w = nb.tensor([2, 3], { requiresGrad: true });
  const acc = nb.zeros([2]);
  acc.add_(w.mul(w));
  assert.ok(acc.requiresGrad);
  acc.sum().backward();
  assertClose(w.grad!, [4, 6]);
  // zero_/fill_ on a non-leaf keep it in the graph with a zero gradient to the old value.
  const c = nb.tensor([1, 2], { requiresGrad: true });
  const d = c.mul(3);
  d.fill_(5);
  assert.ok(d.requiresGrad);
  d.mul(c).sum().backward();
  assertClose(c.grad!, [5, 5]);
});

test("modifying a tensor saved for backward raises a version-counter error at backward", () => {
  const a = nb.tensor([1, 2, 3], { requiresGrad: true });
  const y = a.exp(); // exp saves its output
  y.add_(1);
  assertThrowsWith(
    () => y.sum().backward(),
    "backward",
    "saved for its gradient was modified by an in-place operation",
    "version 0 became 1",
  );
  const x = nb.tensor([1, 2]);
  const w = nb.tensor([3, 4], { requiresGrad: true });
  const z = w.mul(x); // mul saves x
  x.mul_(2);
  assertThrowsWith(() => z.sum().backward(), "mul", "modified by an in-place operation");
  // Modifying a tensor that no backward rule saved is fine.
  const p = nb.tensor([1, 2], { requiresGrad: true });
  const q = p.add(1);
  const r = q.mul(2); // mul saves q and the scalar 2
  const s = p.add(5);
  s.add_(1);
  r.sum().add(s.sum()).backward();
  assertClose(p.grad!, [3, 3]);
});

test("in-place changes that autograd cannot record on views are refused", () => {
  const a = nb.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const b = a.mul(1);
  assertThrowsWith(() => b.get(0).mul_(2), "mul_", "view");
  const base = nb.zeros([2, 2]);
  const w = nb.ones([2], { requiresGrad: true });
  assertThrowsWith(() => base.get(0).add_(w), "add_", "view");
});
