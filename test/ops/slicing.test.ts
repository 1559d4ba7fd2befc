// The indexing API: x.get(...) reads (views for basic indices), x.set(index, value) writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertThrowsWith } from "../helpers.js";

const x = () => nb.arange(12).reshape(3, 4); // [[0..3],[4..7],[8..11]]

test("integers, negative integers and slices with steps (X[1:3, ::2], X[-1])", () => {
  assert.deepEqual(x().get("1:3, ::2").toArray(), [
    [4, 6],
    [8, 10],
  ]);
  assert.deepEqual(x().get("1:3", "::2").toArray(), [
    [4, 6],
    [8, 10],
  ]);
  assert.deepEqual(x().get(-1).toArray(), [8, 9, 10, 11]);
  assert.equal(x().get(-1, -2).item(), 10);
  assert.equal(x().get("-1, -2").item(), 10);
  assert.deepEqual(x().get(":, -1").toArray(), [3, 7, 11]);
  assert.deepEqual(x().get(":-1, 1:").toArray(), [
    [1, 2, 3],
    [5, 6, 7],
  ]);
  assert.deepEqual(x().get("::2, ::3").toArray(), [
    [0, 3],
    [8, 11],
  ]);
  assert.deepEqual(x().get(nb.sliceOf(null, null, 2)).shape, [2, 4]);
  assert.deepEqual(x().get({ start: 1 }, { stop: -1, step: 2 }).toArray(), [
    [4, 6],
    [8, 10],
  ]);
  // Out-of-range slice bounds clamp, as in Python.
  assert.deepEqual(x().get("5:").shape, [0, 4]);
  assert.deepEqual(x().get("-10:1").shape, [1, 4]);
  assert.deepEqual(x().get("2:1").shape, [0, 4]);
  // Basic indexing gives views.
  const t = x();
  assert.equal(t.get("1:, ::2").storage, t.storage);
  assert.equal(t.get(0).storage, t.storage);
});

test("new axes (null / None) and the ellipsis", () => {
  assert.deepEqual(x().get(null).shape, [1, 3, 4]);
  assert.deepEqual(x().get("...", null).shape, [3, 4, 1]);
  assert.deepEqual(x().get(":, None, :").shape, [3, 1, 4]);
  assert.deepEqual(x().get("None, 1").toArray(), [[4, 5, 6, 7]]);
  const y = nb.arange(24).reshape(2, 3, 4);
  assert.deepEqual(y.get("..., 0").toArray(), [
    [0, 4, 8],
    [12, 16, 20],
  ]);
  assert.deepEqual(y.get(1, "...").shape, [3, 4]);
  assert.deepEqual(y.get("0, ..., 1").toArray(), [1, 5, 9]);
  assert.deepEqual(y.get("...").shape, [2, 3, 4]);
  assert.deepEqual(y.get(null, "...", null).shape, [1, 2, 3, 4, 1]);
});

test("integer arrays, int32 tensors and bool masks select copies", () => {
  assert.deepEqual(x().get([2, 0]).toArray(), [
    [8, 9, 10, 11],
    [0, 1, 2, 3],
  ]);
  assert.deepEqual(x().get(":", [-1, 0]).toArray(), [
    [3, 0],
    [7, 4],
    [11, 8],
  ]);
  assert.deepEqual(
    x()
      .get(nb.tensor([1, 1], { dtype: "int32" }), 0)
      .toArray(),
    [4, 4],
  );
  const t = x();
  assert.deepEqual(t.get(t.gt(8)).toArray(), [9, 10, 11]);
  assert.deepEqual(t.get(nb.tensor([true, false, true])).toArray(), [
    [0, 1, 2, 3],
    [8, 9, 10, 11],
  ]);
  assert.notEqual(t.get([0]).storage, t.storage);
});

test("set writes in place with broadcasting: slices, negative indices, masks", () => {
  const t = x();
  t.set("0:2, :", 12);
  assert.deepEqual(t.get(":2").toArray(), [
    [12, 12, 12, 12],
    [12, 12, 12, 12],
  ]);
  t.set(-1, -1, 42);
  assert.equal(t.get(2, 3).item(), 42);
  assert.equal(t.get(2).sum().item(), 8 + 9 + 10 + 42);
  t.set(":, 0", nb.tensor([7, 8, 9]));
  assert.deepEqual(t.get(":, 0").toArray(), [7, 8, 9]);
  t.set("::2, 1:3", nb.tensor([-1, -2]));
  assert.deepEqual(t.get(2).toArray(), [9, -1, -2, 42]);
  const u = x();
  u.set(u.lt(3), 0);
  assert.deepEqual(u.get(0).toArray(), [0, 0, 0, 3]);
  const v = x();
  const before = v.storage.version;
  v.set(1, 0);
  assert.equal(v.storage.version, before + 1);
  assert.deepEqual(v.get(1).toArray(), [0, 0, 0, 0]);
  const i = nb.zeros([3], { dtype: "int32" });
  i.set(1, 5);
  assert.deepEqual(i.toArray(), [0, 5, 0]);
});

test("one argument means the same to get and set: [0, 1] is rows 0 and 1, (0, 1) one element", () => {
  // PyTorch: X[[0, 1]] is rows 0 and 1 for reading and for writing; X[0, 1] is one element.
  const t = x();
  assert.deepEqual(t.get([0, 1]).toArray(), [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
  ]);
  t.set([0, 1], 42);
  assert.deepEqual(t.toArray(), [
    [42, 42, 42, 42],
    [42, 42, 42, 42],
    [8, 9, 10, 11],
  ]);
  const u = x();
  assert.equal(u.get(0, 1).item(), 1);
  u.set(0, 1, 42);
  assert.deepEqual(u.toArray(), [
    [0, 42, 2, 3],
    [4, 5, 6, 7],
    [8, 9, 10, 11],
  ]);
  // A lone list holding a slice string is a list of indices, for get and set alike: X[:, 0].
  const v = x();
  assert.deepEqual(v.get([":", 0]).toArray(), [0, 4, 8]);
  v.set([":", 0], -1);
  assert.deepEqual(v.get(":", 0).toArray(), [-1, -1, -1]);
  // A list of booleans is a mask.
  assert.deepEqual(x().get([false, true, false]).toArray(), [[4, 5, 6, 7]]);
});

test("indexing errors name the problem", () => {
  assertThrowsWith(() => x().get(3), "index 3 is out of range for dim 0 of size 3");
  assertThrowsWith(() => x().get(":, -5"), "index -5", "dim 1", "size 4");
  assertThrowsWith(() => x().get(0, 0, 0), "too many indices (3)", "2 dims");
  assertThrowsWith(() => x().get("...", "..."), "at most one '...'");
  assertThrowsWith(() => x().get("::-1"), "step must be a positive integer");
  assertThrowsWith(() => x().get("1:2:3:4"), "too many colons");
  assertThrowsWith(() => x().get("a"), "cannot parse", '"a"');
  assertThrowsWith(() => x().get(1.5), "index", "1.5");
  assertThrowsWith(() => x().get([5]), "out of bounds", "5");
  assertThrowsWith(() => x().get(nb.tensor([true, false])), "mask of shape [2]", "[3,4]");
  assertThrowsWith(() => x().set("0", nb.ones([3])), "set", "[3]", "[4]");
  assertThrowsWith(() => x().set(1), "set", "indices and then the value");
  const w = nb.ones([2], { requiresGrad: true });
  assertThrowsWith(() => w.set(0, 3), "set", "requires grad", "noGrad");
  nb.noGrad(() => w.set(0, 3));
  assert.deepEqual(w.toArray(), [3, 1]);
});
