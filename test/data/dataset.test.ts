import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";

const { TensorDataset, Subset, ConcatDataset, randomSplit } = nb.data;

const X = nb.arange(24, undefined, 1, { dtype: "float32" }).reshape([6, 2, 2]);
const y = nb.arange(6, undefined, 1, { dtype: "int32" }).mul(10);

test("TensorDataset: get returns the i-th row of each tensor; negative indices count from the end", () => {
  const ds = new TensorDataset(X, y);
  assert.equal(ds.length, 6);
  const [x2, y2] = ds.get(2);
  assertClose(x2, [
    [8, 9],
    [10, 11],
  ]);
  assert.equal(y2.item(), 20);
  assert.equal(y2.dtype, "int32");
  assert.equal(ds.get(-1)[1].item(), 50);
  assert.throws(
    () => ds.get(6),
    /TensorDataset.get: index 6 is out of range for a dataset of length 6/,
  );
});

test("TensorDataset: getBatch gathers rows, equal to stacking get(i), keeping dtypes", () => {
  const ds = new TensorDataset(X, y);
  const idx = [4, 0, 4, 1];
  const [xb, yb] = ds.getBatch(idx);
  assert.deepEqual(xb.shape, [4, 2, 2]);
  assert.equal(yb.dtype, "int32");
  assertClose(xb, nb.stack(idx.map((i) => ds.get(i)[0])));
  assert.deepEqual(Array.from(yb.data()), [40, 0, 40, 10]);
  // A non-contiguous source is made contiguous once; the rows are still right.
  const t = nb.arange(12).reshape([3, 4]).transpose(0, 1); // [4, 3]
  const [rows] = new TensorDataset(t).getBatch([3, 1]);
  assertClose(rows, [
    [3, 7, 11],
    [1, 5, 9],
  ]);
});

test("TensorDataset: mismatched first dims are an error naming both shapes", () => {
  assert.throws(
    () => new TensorDataset(nb.zeros([3, 2]), nb.zeros([4])),
    /TensorDataset: size mismatch between tensors: tensor 0 is \[3, ?2\], tensor 1 is \[4\]/,
  );
  assert.throws(() => new TensorDataset(), /at least one tensor/);
});

test("Subset maps indices (and keeps the fast path); ConcatDataset chains datasets", () => {
  const ds = new TensorDataset(X, y);
  const sub = new Subset(ds, [5, 3]);
  assert.equal(sub.length, 2);
  assert.equal(sub.get(1)[1].item(), 30);
  const [, yb] = sub.getBatch!([1, 0]) as nb.Tensor[];
  assert.deepEqual(Array.from(yb.data()), [30, 50]);
  assert.throws(() => new Subset(ds, [6]), /Subset: index 6 is out of range/);

  const a = { length: 3, get: (i: number) => `a${i}` };
  const b = { length: 0, get: (i: number) => `b${i}` };
  const c = { length: 2, get: (i: number) => `c${i}` };
  const cat = new ConcatDataset([a, b, c]);
  assert.equal(cat.length, 5);
  assert.deepEqual(cat.cumulativeSizes, [3, 3, 5]);
  assert.deepEqual(
    Array.from({ length: 5 }, (_, i) => cat.get(i)),
    ["a0", "a1", "a2", "c0", "c1"],
  );
  assert.equal(cat.get(-1), "c1");
  assert.throws(
    () => cat.get(5),
    /ConcatDataset.get: index 5 is out of range for a dataset of length 5/,
  );
});

test("randomSplit: disjoint subsets covering the dataset, reproducible from the generator", () => {
  const ds = { length: 10, get: (i: number) => i };
  const [a, b] = randomSplit(ds, [7, 3], new nb.Generator(1));
  assert.equal(a.length, 7);
  assert.equal(b.length, 3);
  const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const [a2] = randomSplit(ds, [7, 3], new nb.Generator(1));
  assert.deepEqual(Array.from(a2.indices), Array.from(a.indices));
  const [a3] = randomSplit(ds, [7, 3], new nb.Generator(2));
  assert.notDeepEqual(Array.from(a3.indices), Array.from(a.indices));
  // The same permutation as nb.randperm with the same seed (PyTorch's randperm-based split).
  const perm = Array.from(nb.randperm(10, { generator: new nb.Generator(1) }).data());
  assert.deepEqual(Array.from(a.indices), perm.slice(0, 7));
});

test("randomSplit: fractions are floored and the remainder goes one each to the first subsets", () => {
  const ds = { length: 5, get: (i: number) => i };
  assert.deepEqual(
    randomSplit(ds, [0.5, 0.5]).map((s) => s.length),
    [3, 2],
  );
  assert.deepEqual(
    randomSplit(ds, [0.2, 0.2, 0.6]).map((s) => s.length),
    [1, 1, 3],
  );
  assert.throws(
    () => randomSplit(ds, [2, 2]),
    /randomSplit: sum of input lengths \(4\) does not equal the length of the dataset \(5\)/,
  );
  assert.throws(() => randomSplit(ds, [2.5, 2.5]), /integers or fractions summing to 1/);
});
