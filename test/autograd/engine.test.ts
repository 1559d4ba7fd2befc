// backward(): seeds, accumulation, retainGraph, freed saved tensors, broadcast reduction, checks.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose, assertThrowsWith, leaf } from "../helpers.js";

test("backward on a scalar fills the leaves' grads (d2l: y = 2 x.x gives 4x)", () => {
  const x = nb.arange(4, undefined, 1, { requiresGrad: true });
  const y = x.dot(x).mul(2);
  y.backward();
  assertClose(x.grad!, [0, 4, 8, 12]);
  assert.equal(x.grad!.dtype, "float32");
  assert.equal(x.grad!.requiresGrad, false, "grads are not part of a graph");
});

test("backward on a non-scalar needs a gradient argument", () => {
  const x = nb.tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x);
  assertThrowsWith(
    () => y.backward(),
    "backward",
    "grad can be implicitly created only for scalar outputs",
    "[3]",
  );
  y.backward(nb.tensor([1, 0.5, 0]));
  assertClose(x.grad!, [2, 2, 0]);
  const z = x.mul(2);
  assertThrowsWith(() => z.backward(nb.ones([2])), "backward", "gradient has shape [2]", "[3]");
  // A one-element non-0-d output is fine without a gradient, as in PyTorch.
  const w = nb.tensor([3], { requiresGrad: true });
  w.mul(w).backward();
  assertClose(w.grad!, [6]);
});

test("gradients accumulate into leaves across backward calls until zeroed", () => {
  const x = nb.tensor([1, 2], { requiresGrad: true });
  x.mul(3).sum().backward();
  x.mul(3).sum().backward();
  assertClose(x.grad!, [6, 6]);
  x.grad!.zero_();
  x.mul(x).sum().backward();
  assertClose(x.grad!, [2, 4]);
  // A leaf used twice in one graph gets both contributions.
  const a = nb.tensor([2], { requiresGrad: true });
  a.mul(a).add(a).sum().backward();
  assertClose(a.grad!, [5]);
});

test("backward twice needs retainGraph; saved tensors are freed otherwise", () => {
  const x = nb.tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward();
  assertThrowsWith(() => y.backward(), "backward", "second time", "retainGraph: true");
  const node = x.exp().gradFn as unknown as { ctx: { released: boolean } };
  assert.equal(node.ctx.released, false);
  const z = x.mul(x).sum();
  const mulNode = (z.gradFn as unknown as { edges: { node: { ctx: { released: boolean } } }[] })
    .edges[0].node;
  z.backward();
  assert.equal(mulNode.ctx.released, true, "saved tensors are dropped after backward");
  x.grad = null;
  const w = x.exp().sum();
  w.backward(null, { retainGraph: true });
  w.backward();
  assertClose(x.grad!, [2 * Math.E, 2 * Math.exp(2)], { rtol: 1e-6 });
});

test("backward on a tensor that does not require grad is an error", () => {
  assertThrowsWith(() => nb.ones([1]).backward(), "backward", "does not require grad");
  const x = nb.ones([1], { requiresGrad: true });
  const y = nb.noGrad(() => x.mul(2));
  assertThrowsWith(() => y.backward(), "does not require grad", "noGrad");
});

test("the engine sums broadcast gradients back to each input's shape", () => {
  const a = nb.ones([3, 1], { requiresGrad: true });
  const b = nb.ones([4], { requiresGrad: true });
  const c = nb.ones([], { requiresGrad: true });
  a.mul(b).add(c).sum().backward();
  assert.deepEqual(a.grad!.shape, [3, 1]);
  assertClose(a.grad!, [[4], [4], [4]]);
  assert.deepEqual(b.grad!.shape, [4]);
  assertClose(b.grad!, [3, 3, 3, 3]);
  assert.deepEqual(c.grad!.shape, []);
  assert.equal(c.grad!.item(), 12);
  const e = nb.ones([2, 1], { requiresGrad: true });
  e.expand(2, 5).sum().backward();
  assertClose(e.grad!, [[5], [5]]);
});

test("the engine checks each gradient's shape and dtype, naming the node", async () => {
  const fn = await import("../../src/autograd/function.js");
  const ops = await import("../../src/ops/util.js");
  const BadShape = fn.definePrimitive({
    name: "BadShape",
    forward: (_ctx, [x]) => ops.dense(x.mul(1)),
    backward: (g) => [nb.ones([7], { dtype: g.dtype })],
  });
  const BadDType = fn.definePrimitive({
    name: "BadDType",
    forward: (_ctx, [x]) => ops.dense(x.mul(1)),
    backward: (g) => [g.to("float64")],
  });
  const x = nb.ones([2, 3], { requiresGrad: true });
  assertThrowsWith(
    () => fn.apply(BadShape, [x], undefined).sum().backward(),
    "autograd: BadShapeBackward0 returned a gradient of shape [7] for input 0, whose shape is [2,3]",
  );
  assertThrowsWith(
    () => fn.apply(BadDType, [x], undefined).sum().backward(),
    "autograd: BadDTypeBackward0 returned a float64 gradient for input 0, whose dtype is float32",
  );
});

test("grads of different leaves never share storage (add hands out one gradient twice)", () => {
  const a = nb.ones([3], { requiresGrad: true });
  const b = nb.ones([3], { requiresGrad: true });
  const seed = nb.ones([3]);
  a.add(b).backward(seed);
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  assert.notEqual(a.grad!.storage, seed.storage);
  a.grad!.zero_();
  assertClose(b.grad!, [1, 1, 1]);
  assertClose(seed, [1, 1, 1]);
  // A leaf root's gradient is a copy of the seed, too.
  const c = nb.ones([2], { requiresGrad: true });
  const g = nb.tensor([5, 6]);
  c.backward(g);
  assert.notEqual(c.grad!.storage, g.storage);
  // Gradients of transposed uses come back contiguous.
  const d = nb.ones([2, 3], { requiresGrad: true });
  d.T.mul(nb.arange(6).reshape(3, 2)).sum().backward();
  assert.ok(d.grad!.isContiguous());
  assertClose(d.grad!, [
    [0, 2, 4],
    [1, 3, 5],
  ]);
});

test("a deep chain backpropagates without recursion limits", () => {
  const x = nb.tensor([1], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 20000; i++) y = y.add(1);
  y.sum().backward();
  assertClose(x.grad!, [1]);
});

test("non-contiguous leaves: transposed, sliced and expanded inputs get gradients of their shape", () => {
  nb.manualSeed(8);
  for (const layout of ["transposed", "sliced", "expanded"] as const) {
    const x = leaf([3, 2], layout);
    x.mul(nb.tensor([1, 2], { dtype: "float64" }))
      .sum()
      .backward();
    assert.deepEqual(x.grad!.shape, [3, 2], layout);
    assertClose(x.grad!, [
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
  }
  assertThrowsWith(
    () => nb.gradcheck((t) => t.exp(), [leaf([3, 2], "expanded")]),
    "gradcheck",
    "share memory",
  );
});

test("backward takes PyTorch's keyword form: backward(gradient?, options) or backward(options)", () => {
  // y.backward(retain_graph=True) twice: the gradients add up.
  const w = nb.tensor(2, { requiresGrad: true });
  const q = w.mul(w);
  q.backward({ retainGraph: true });
  q.backward();
  assert.equal(w.grad!.item(), 8);
  // The gradient as an option, and both arguments.
  const x = nb.tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x);
  y.backward({ gradient: nb.tensor([1, 0, 1]), retainGraph: true });
  assert.deepEqual(x.grad!.toArray(), [2, 0, 6]);
  y.backward(nb.tensor([0, 1, 0]), { retainGraph: true });
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  // createGraph as the only argument: the gradient can be differentiated again.
  const z = nb.tensor([2], { dtype: "float64", requiresGrad: true });
  z.pow(3).sum().backward({ createGraph: true });
  assert.ok(z.grad!.requiresGrad);
  const [d2] = nb.grad(z.grad!.sum(), [z]);
  assert.deepEqual(d2!.toArray(), [12]);

  assertThrowsWith(
    () => q.backward({ retain_graph: true } as never),
    "backward",
    "unknown option retain_graph",
    "retainGraph",
  );
  assertThrowsWith(() => q.backward(2 as never), "backward", "gradient must be a Tensor", "number");
  assertThrowsWith(() => q.backward({}, {}), "backward", "twice");
  assertThrowsWith(
    () => y.backward(nb.onesLike(y), { gradient: nb.onesLike(y) }),
    "backward",
    "twice",
  );
});

test("backward({ inputs }) accumulates only into the listed tensors, as PyTorch", () => {
  // PyTorch 1.13: h = a * b; y = (h * h).sum(); y.backward(inputs=[a]) -> a.grad [18, 64], b.grad None.
  const a = nb.tensor([1, 2], { requiresGrad: true });
  const b = nb.tensor([3, 4], { requiresGrad: true });
  const h = a.mul(b);
  const y = h.mul(h).sum();
  y.backward({ inputs: [a], retainGraph: true });
  assert.deepEqual(a.grad!.toArray(), [18, 64]);
  assert.equal(b.grad, null);
  y.backward(null, { inputs: a, retainGraph: true });
  assert.deepEqual(a.grad!.toArray(), [36, 128]);
  // A non-leaf input gets its gradient in .grad; the leaves behind it are left alone.
  const h2 = a.mul(2);
  h2.mul(b)
    .sum()
    .backward({ inputs: [h2] });
  assert.deepEqual(h2.grad!.toArray(), [3, 4]);
  assert.deepEqual(a.grad!.toArray(), [36, 128]);
  // An input the output does not depend on keeps a null gradient.
  const c = nb.tensor([1], { requiresGrad: true });
  y.backward({ inputs: [c, b] });
  assert.equal(c.grad, null);
  assert.deepEqual(b.grad!.toArray(), [6, 32]);
  assertThrowsWith(() => a.mul(2).sum().backward({ inputs: [] }), "backward", "inputs", "empty");
  assertThrowsWith(
    () =>
      a
        .mul(2)
        .sum()
        .backward({ inputs: [nb.tensor([1])] }),
    "backward: inputs[0] (shape [1]) does not require grad",
  );
});
