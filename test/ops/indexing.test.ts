// gather, scatter, scatterAdd, indexSelect, maskedFill and oneHot: values and errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertThrowsWith } from "../helpers.js";

const i32 = (v: nb.NestedArray) => nb.tensor(v as number[], { dtype: "int32" });

test("gather picks along a dim (y_hat[range(n), y] the d2l way)", () => {
  const yHat = nb.tensor([
    [0.1, 0.3, 0.6],
    [0.3, 0.2, 0.5],
  ]);
  const y = i32([0, 2]);
  assert.deepEqual(yHat.gather(1, y.unsqueeze(1)).squeeze(1).toArray(), [0.10000000149011612, 0.5]);
  const x = nb.arange(6).reshape(2, 3);
  assert.deepEqual(x.gather(0, i32([[1, 0, 1]])).toArray(), [[3, 1, 5]]);
  assert.deepEqual(x.T.gather(1, i32([[1], [0], [1]])).toArray(), [[3], [1], [5]]);
  assert.deepEqual(x.gather(1, i32([[2, 2]])).toArray(), [[2, 2]], "a smaller index is allowed");
});

test("scatter and scatterAdd write along a dim (out of place)", () => {
  const base = nb.zeros([2, 3]);
  const idx = i32([
    [2, 0],
    [1, 1],
  ]);
  const src = nb.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(base.scatterAdd(1, idx, src).toArray(), [
    [2, 0, 1],
    [0, 7, 0],
  ]);
  assert.deepEqual(base.toArray(), [
    [0, 0, 0],
    [0, 0, 0],
  ]);
  const sc = base.scatter(1, idx, src).toArray() as number[][];
  assert.deepEqual(sc[0], [2, 0, 1]);
  assert.ok(sc[1][1] === 3 || sc[1][1] === 4, "duplicate indices keep one of the values");
  assert.deepEqual(
    nb
      .zeros([3])
      .scatter(0, i32([2]), 5)
      .toArray(),
    [0, 0, 5],
  );
  assert.deepEqual(
    nb
      .ones([3])
      .T.scatterAdd(0, i32([0, 0]), nb.tensor([1, 1]))
      .toArray(),
    [3, 1, 1],
  );
});

test("indexSelect reads an index view in place: a batch of a permutation, a strided index", () => {
  const x = nb.arange(0, 12).reshape([6, 2]);
  const perm = i32([5, 3, 0, -2, 1, 2]);
  // narrow: a contiguous view at an offset into perm's storage
  assert.deepEqual(x.indexSelect(0, perm.narrow(0, 2, 3)).toArray(), [
    [0, 1],
    [8, 9],
    [2, 3],
  ]);
  // every other entry: not contiguous, read through a dense copy
  const strided = perm.reshape([3, 2]).select(1, 0);
  assert.deepEqual(strided.toArray(), [5, 0, 1]);
  assert.deepEqual(x.indexSelect(0, strided).toArray(), [
    [10, 11],
    [0, 1],
    [2, 3],
  ]);
  // the selection keeps its own copy of the index: changing perm later changes nothing
  const y = nb.arange(0, 6).requiresGrad_();
  const picked = y.indexSelect(0, perm.narrow(0, 0, 2));
  perm.fill_(0);
  picked.sum().backward();
  assert.deepEqual(y.grad!.toArray(), [0, 0, 0, 1, 0, 1]);
});

test("indexSelect with repeats and negative indices; maskedFill; oneHot", () => {
  const x = nb.arange(6).reshape(2, 3);
  assert.deepEqual(x.indexSelect(1, [2, 0, 2]).toArray(), [
    [2, 0, 2],
    [5, 3, 5],
  ]);
  assert.deepEqual(x.indexSelect(0, i32([-1])).toArray(), [[3, 4, 5]]);
  assert.deepEqual(x.maskedFill(x.gt(3), -1).toArray(), [
    [0, 1, 2],
    [3, -1, -1],
  ]);
  assert.deepEqual(x.maskedFill(nb.tensor([true, false, true]), 9).toArray(), [
    [9, 1, 9],
    [9, 4, 9],
  ]);
  const oh = nb.oneHot(i32([0, 2, 1]), 4);
  assert.equal(oh.dtype, "int32");
  assert.deepEqual(oh.toArray(), [
    [1, 0, 0, 0],
    [0, 0, 1, 0],
    [0, 1, 0, 0],
  ]);
  assert.deepEqual(nb.oneHot(i32([[1], [0]])).shape, [2, 1, 2]);
});

test("indexing-op errors name the op, the index and the size", () => {
  const x = nb.zeros([2, 3]);
  assertThrowsWith(
    () => x.gather(1, i32([[3]])),
    "gather",
    "index 3 is out of bounds for dim 1 with size 3",
  );
  assertThrowsWith(() => x.gather(1, nb.tensor([[0]])), "gather", "int32", "float32");
  assertThrowsWith(() => x.gather(1, i32([0])), "gather", "as many dims");
  assertThrowsWith(() => x.gather(2, i32([[0]])), "gather", "dim 2");
  assertThrowsWith(
    () => x.scatterAdd(0, i32([[2, 0, 0]]), nb.ones([1, 3])),
    "scatterAdd",
    "index 2",
    "size 2",
  );
  assertThrowsWith(
    () => x.scatter(0, i32([[0, 0]]), nb.ones([1, 2])),
    "scatter",
    "must match the input",
  );
  assertThrowsWith(
    () => x.scatterAdd(0, i32([[0, 0, 0]]), nb.ones([2, 3])),
    "scatterAdd",
    "src [2,3]",
  );
  assertThrowsWith(() => x.indexSelect(1, [3]), "indexSelect", "index 3", "size 3");
  assertThrowsWith(() => x.indexSelect(0, i32([[0]])), "indexSelect", "1-D");
  assertThrowsWith(() => x.maskedFill(x, 1), "maskedFill", "bool");
  assertThrowsWith(() => nb.oneHot(i32([3]), 3), "oneHot", "class 3", "3 classes");
  assertThrowsWith(() => nb.oneHot(nb.tensor([1])), "oneHot", "int32");
});
