// Views and shape ops: values, shapes, shared storage, and their errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertThrowsWith } from "../helpers.js";

const m = () => nb.arange(6).reshape(2, 3); // [[0,1,2],[3,4,5]]

test("reshape and view infer -1 and share storage", () => {
  const x = nb.arange(12);
  assert.deepEqual(x.reshape(3, -1).shape, [3, 4]);
  assert.deepEqual(x.reshape([2, 2, -1]).shape, [2, 2, 3]);
  assert.deepEqual(x.view(-1, 6).get(1).toArray(), [6, 7, 8, 9, 10, 11]);
  assert.equal(x.view(4, 3).storage, x.storage);
  assert.deepEqual(nb.tensor(5).reshape(1, 1).shape, [1, 1]);
  assert.deepEqual(nb.ones([1, 1]).reshape([]).shape, []);
  assert.deepEqual(nb.reshape(x, [12]), x);
  assertThrowsWith(() => x.reshape(5, -1), "reshape", "[5,-1]", "size 12");
  assertThrowsWith(() => x.reshape(-1, -1), "reshape", "only one dimension can be -1");
  assertThrowsWith(() => x.reshape(3, 5), "reshape", "[3,5]", "size 12");
  assertThrowsWith(() => m().T.view(-1), "view", "[3,2]", "without a copy");
  // A transposed tensor can still be viewed when the memory allows it.
  assert.deepEqual(m().T.view(3, 1, 2).shape, [3, 1, 2]);
});

test("flatten, unflatten, squeeze and unsqueeze", () => {
  const x = nb.zeros([2, 1, 3, 1]);
  assert.deepEqual(x.flatten().shape, [6]);
  assert.deepEqual(x.flatten(1).shape, [2, 3]);
  assert.deepEqual(x.flatten(1, 2).shape, [2, 3, 1]);
  assert.deepEqual(nb.tensor(1).flatten().shape, [1]);
  assert.deepEqual(x.squeeze().shape, [2, 3]);
  assert.deepEqual(x.squeeze(1).shape, [2, 3, 1]);
  assert.deepEqual(x.squeeze(-1).shape, [2, 1, 3]);
  assert.deepEqual(x.squeeze(0).shape, [2, 1, 3, 1], "squeezing a non-1 dim is a no-op");
  assert.deepEqual(x.squeeze([1, 3]).shape, [2, 3]);
  assert.deepEqual(x.unsqueeze(0).shape, [1, 2, 1, 3, 1]);
  assert.deepEqual(x.unsqueeze(-1).shape, [2, 1, 3, 1, 1]);
  assert.deepEqual(nb.zeros([6]).unflatten(0, [2, 3]).shape, [2, 3]);
  assertThrowsWith(() => x.flatten(2, 1), "flatten", "startDim");
});

test("transpose, permute, T, mT, t() and contiguous", () => {
  const x = m();
  assert.deepEqual(x.T.toArray(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
  assert.deepEqual(x.t().toArray(), x.T.toArray());
  assert.deepEqual(x.transpose(0, 1).toArray(), x.T.toArray());
  assert.equal(x.T.isContiguous(), false);
  assert.equal(x.T.contiguous().isContiguous(), true);
  const y = nb.arange(24).reshape(2, 3, 4);
  assert.deepEqual(y.permute(2, 0, 1).shape, [4, 2, 3]);
  assert.equal(y.permute([2, 0, 1]).get(3, 1, 2).item(), y.get(1, 2, 3).item());
  assert.deepEqual(y.T.shape, [4, 3, 2]);
  assert.deepEqual(y.mT.shape, [2, 4, 3]);
  assert.equal(y.mT.get(1, 3, 2).item(), y.get(1, 2, 3).item());
  assertThrowsWith(() => y.permute(0, 1), "permute", "2 dims", "3 dims");
  assertThrowsWith(() => y.permute(0, 1, 1), "permute", "repeat");
  assertThrowsWith(() => y.t(), "t:", "<= 2 dims");
  assertThrowsWith(() => nb.ones([3]).mT, "mT", ">= 2 dims");
});

test("expand, expandAs and broadcastTo make 0-stride views", () => {
  const x = nb.tensor([[1], [2]]);
  const e = x.expand(2, 3);
  assert.deepEqual(e.toArray(), [
    [1, 1, 1],
    [2, 2, 2],
  ]);
  assert.equal(e.storage, x.storage);
  assert.deepEqual(e.strides, [1, 0]);
  assert.deepEqual(x.expand(4, -1, 3).shape, [4, 2, 3]);
  assert.deepEqual(x.expandAs(nb.zeros([5, 2, 2])).shape, [5, 2, 2]);
  assert.deepEqual(x.broadcastTo([2, 2]).shape, [2, 2]);
  assert.deepEqual(nb.broadcastShapes([3, 1], [4], [2, 1, 1]), [2, 3, 4]);
  assertThrowsWith(() => x.expand(3, 3), "expand", "[2,1]", "[3,3]");
  assertThrowsWith(() => x.expand(3), "expand", "fewer dims");
  assertThrowsWith(() => nb.broadcastShapes([2], [3]), "broadcast", "[2]", "[3]");
});

test("narrow and select are views; out-of-range starts and indices are errors", () => {
  const x = nb.arange(12).reshape(3, 4);
  assert.deepEqual(x.narrow(1, 1, 2).toArray(), [
    [1, 2],
    [5, 6],
    [9, 10],
  ]);
  assert.deepEqual(x.narrow(0, -1, 1).toArray(), [[8, 9, 10, 11]]);
  assert.deepEqual(x.select(1, -1).toArray(), [3, 7, 11]);
  assert.equal(x.select(0, 1).storage, x.storage);
  assertThrowsWith(() => x.narrow(0, 2, 2), "narrow", "out of range");
  assertThrowsWith(() => x.select(0, 3), "select", "index 3", "size 3");
  assertThrowsWith(() => x.select(2, 0), "select", "dim 2");
});

test("cat and stack along any dim, with dtype promotion", () => {
  const a = m();
  const b = nb.tensor([[6, 7, 8]]);
  assert.deepEqual(nb.cat([a, b]).toArray(), [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
  ]);
  assert.deepEqual(nb.cat([a, a.mul(10)], -1).toArray(), [
    [0, 1, 2, 0, 10, 20],
    [3, 4, 5, 30, 40, 50],
  ]);
  assert.deepEqual(nb.cat([a.T, a.T], 1).shape, [3, 4]);
  assert.equal(nb.cat([a, a.to("float64")]).dtype, "float64");
  assert.deepEqual(nb.stack([a, a]).shape, [2, 2, 3]);
  assert.deepEqual(nb.stack([a, a], 2).shape, [2, 3, 2]);
  assert.deepEqual(nb.stack([a, a], -1).get(1, 2).toArray(), [5, 5]);
  assertThrowsWith(
    () => nb.cat([nb.ones([2, 3]), nb.ones([2, 4])], 0),
    "cat",
    "sizes of tensors must match except in dim 0",
    "[2,4]",
    "[2,3]",
  );
  assertThrowsWith(() => nb.cat([nb.ones([2, 3]), nb.ones([3])]), "cat", "tensor 1 has 1 dims");
  assertThrowsWith(() => nb.cat([]), "cat", "non-empty");
  assertThrowsWith(
    () => nb.stack([nb.ones([2]), nb.ones([3])]),
    "stack",
    "same shape",
    "[3]",
    "[2]",
  );
});

test("split and chunk give views of the requested sizes", () => {
  const x = nb.arange(10);
  assert.deepEqual(
    x.split(4).map((t) => t.toArray()),
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ],
  );
  assert.deepEqual(
    x.split([2, 8]).map((t) => t.shape),
    [[2], [8]],
  );
  assert.deepEqual(
    x.chunk(3).map((t) => t.shape[0]),
    [4, 4, 2],
  );
  assert.deepEqual(
    nb
      .arange(6)
      .reshape(2, 3)
      .chunk(3, 1)
      .map((t) => t.toArray()),
    [
      [[0], [3]],
      [[1], [4]],
      [[2], [5]],
    ],
  );
  assert.equal(x.split(4)[1].storage, x.storage);
  assertThrowsWith(() => x.split([2, 3]), "split", "sum to 5", "size 10");
  assertThrowsWith(() => x.chunk(0), "chunk", "positive");
});

test("repeat, tile, flip and pad", () => {
  const x = nb.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(x.repeat(1, 2).toArray(), [
    [1, 2, 1, 2],
    [3, 4, 3, 4],
  ]);
  assert.deepEqual(nb.tensor([1, 2]).repeat(2, 2).toArray(), [
    [1, 2, 1, 2],
    [1, 2, 1, 2],
  ]);
  assert.deepEqual(x.tile([2]).toArray(), [
    [1, 2, 1, 2],
    [3, 4, 3, 4],
  ]);
  assert.deepEqual(x.flip(0).toArray(), [
    [3, 4],
    [1, 2],
  ]);
  assert.deepEqual(x.flip([0, 1]).toArray(), [
    [4, 3],
    [2, 1],
  ]);
  assert.deepEqual(x.T.flip(-1).toArray(), [
    [3, 1],
    [4, 2],
  ]);
  assert.deepEqual(nb.pad(x, [1, 0]).toArray(), [
    [0, 1, 2],
    [0, 3, 4],
  ]);
  assert.deepEqual(nb.pad(nb.tensor([1]), [2, 1], 9).toArray(), [9, 9, 1, 9]);
  assert.deepEqual(nb.pad(x, [0, 1, 1, 0]).toArray(), [
    [0, 0, 0],
    [1, 2, 0],
    [3, 4, 0],
  ]);
  assertThrowsWith(() => x.repeat(2), "repeat", "1 repeats", "2 dims");
  assertThrowsWith(() => nb.pad(x, [1]), "pad", "pairs");
});
