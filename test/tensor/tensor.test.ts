import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertThrowsWith } from "../helpers.js";

test("shape, dtype, ndim, numel, size and dim", () => {
  const x = nb.zeros([2, 3, 4]);
  assert.deepEqual(x.shape, [2, 3, 4]);
  assert.equal(x.dtype, "float32");
  assert.equal(x.ndim, 3);
  assert.equal(x.dim(), 3);
  assert.equal(x.numel(), 24);
  assert.deepEqual(x.size(), [2, 3, 4]);
  assert.equal(x.size(-1), 4);
  assertThrowsWith(() => x.size(3), "size", "dim 3 is out of range");
  assert.equal(nb.tensor(1).numel(), 1);
  assert.equal(nb.tensor(1).ndim, 0);
});

test("autograd properties: requiresGrad, grad, isLeaf, gradFn", () => {
  const x = nb.ones([2], { requiresGrad: true });
  assert.equal(x.requiresGrad, true);
  assert.equal(x.isLeaf, true);
  assert.equal(x.gradFn, null);
  assert.equal(x.grad, null);
  const y = x.mul(2);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn?.name, "MulBackward0");
  const z = nb.ones([2]).mul(2);
  assert.equal(z.requiresGrad, false);
  assert.equal(z.isLeaf, true);
  assert.equal(nb.ones([2]).requiresGrad_().requiresGrad, true);
  assertThrowsWith(() => {
    y.requiresGrad = false;
  }, "non-leaf");
});

test("integer and bool tensors never require grad", () => {
  assertThrowsWith(
    () => nb.tensor([1, 2], { dtype: "int32", requiresGrad: true }),
    "requiresGrad",
    "floating-point",
    "int32",
  );
  assertThrowsWith(() => nb.tensor([true]).requiresGrad_(), "bool");
  // Ops on a grad-requiring float tensor that return int or bool are not recorded.
  const x = nb.tensor([1, -2], { requiresGrad: true });
  assert.equal(x.gt(0).requiresGrad, false);
  assert.equal(x.argmax().requiresGrad, false);
  assert.equal(x.max(0).indices.requiresGrad, false);
  assert.equal(x.to("int32").requiresGrad, false);
});

test("item, toArray, tolist, data and dataAsync", async () => {
  const x = nb.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.equal(nb.tensor([5]).item(), 5);
  assert.equal(x.get(1, 0).item(), 3);
  assertThrowsWith(() => x.item(), "item", "one-element", "[2,2]");
  assert.deepEqual(x.toArray(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(x.tolist(), x.toArray());
  assert.equal(nb.tensor(2.5).toArray(), 2.5);
  const data = x.T.data();
  assert.ok(data instanceof Float32Array);
  assert.deepEqual(Array.from(data), [1, 3, 2, 4]);
  data[0] = 100; // a copy
  assert.equal(x.get(0, 0).item(), 1);
  assert.ok(nb.tensor([1], { dtype: "int32" }).data() instanceof Int32Array);
  assert.ok(nb.tensor([1], { dtype: "float64" }).data() instanceof Float64Array);
  assert.ok(nb.tensor([true]).data() instanceof Uint8Array);
  const asyncData = await x.dataAsync();
  assert.deepEqual(Array.from(asyncData), [1, 2, 3, 4]);
});

test("casts with to(dtype) and the shorthands", () => {
  const x = nb.tensor([1.7, -0.2, 0]);
  assert.deepEqual(x.to("int32").toArray(), [1, 0, 0]);
  assert.equal(x.to("float64").dtype, "float64");
  assert.deepEqual(x.bool().toArray(), [true, true, false]);
  assert.equal(x.double().dtype, "float64");
  assert.equal(x.int().dtype, "int32");
  assert.equal(x.int().float().dtype, "float32");
  assert.equal(x.to("float32"), x, "a cast to the same dtype returns the tensor itself");
  assertThrowsWith(() => x.to("float16"), "to: unknown dtype float16");
  // The gradient of a cast comes back in the input's dtype.
  const d = nb.tensor([1, 2], { dtype: "float64", requiresGrad: true });
  d.to("float32").mul(3).sum().backward();
  assert.equal(d.grad?.dtype, "float64");
  assert.deepEqual(d.grad?.toArray(), [3, 3]);
});

test("devices: cpu everywhere, tryGpu and tryAllGpus fall back honestly", () => {
  const x = nb.ones([2]);
  assert.equal(String(x.device), "cpu");
  assert.equal(x.device, nb.cpu);
  assert.equal(nb.tryGpu(), nb.cpu);
  assert.equal(nb.tryGpu(3), nb.cpu);
  assert.deepEqual(nb.tryAllGpus(), [nb.cpu]);
  assert.equal(x.to(nb.tryGpu()), x);
  assert.equal(x.to("cpu"), x);
  assert.equal(nb.device("cpu"), nb.cpu);
  assert.equal(nb.zeros([1], { device: nb.tryGpu() }).device, nb.cpu);
  assertThrowsWith(() => nb.device("cuda:0"), "device", 'no device "cuda:0"');
  assertThrowsWith(() => x.to("cuda"), 'no device "cuda"');
});

test("views share storage and the version counter", () => {
  const x = nb.arange(6).reshape(2, 3);
  const views = [
    x.T,
    x.get(0),
    x.reshape(3, 2),
    x.view(-1),
    x.unsqueeze(0),
    x.narrow(1, 1, 2),
    x.select(1, 0),
    x.expand(4, 2, 3),
    x.permute(1, 0),
    x.get(":, ::2"),
  ];
  for (const v of views) assert.equal(v.storage, x.storage);
  const before = x.storage.version;
  x.get(0).add_(1);
  assert.equal(x.storage.version, before + 1);
  assert.deepEqual(x.toArray(), [
    [1, 2, 3],
    [3, 4, 5],
  ]);
  // Ops that copy in PyTorch copy here too.
  assert.notEqual(x.clone().storage, x.storage);
  assert.notEqual(x.flip(0).storage, x.storage);
  assert.notEqual(x.T.contiguous().storage, x.storage);
  assert.equal(x.contiguous(), x);
  assert.ok(x.T.unsqueeze(0).storage === x.storage, "unsqueeze of a transposed tensor is a view");
  assert.notEqual(x.T.reshape(-1).storage, x.storage, "flattening a transpose must copy");
});
