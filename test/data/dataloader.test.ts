import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";

const { DataLoader, TensorDataset, defaultCollate, transforms: T } = nb.data;

const N = 50;
const X = nb
  .arange(N * 12, undefined, 1, { dtype: "float32" })
  .div(N * 12)
  .reshape([N, 3, 2, 2]);
const y = nb.arange(N, undefined, 1, { dtype: "int32" });
const ds = new TensorDataset(X, y);
/** The same data without getBatch, so the loader goes through get(i) + collation. */
const slow: nb.data.Dataset<[nb.Tensor, number]> = {
  length: N,
  get: (i) => [ds.get(i)[0], i],
};

const labels = (batches: nb.Tensor[][]) => batches.map((b) => Array.from(b[1].data()));
const flat = (batches: nb.Tensor[][]) => labels(batches).flat();

test("DataLoader: length and batch sizes, with and without dropLast", () => {
  const keep = new DataLoader(ds, { batchSize: 16 });
  assert.equal(keep.length, 4);
  assert.deepEqual(
    [...keep].map(([xb]) => xb.shape[0]),
    [16, 16, 16, 2],
  );
  const drop = new DataLoader(ds, { batchSize: 16, dropLast: true });
  assert.equal(drop.length, 3);
  assert.deepEqual(
    [...drop].map(([xb]) => xb.shape[0]),
    [16, 16, 16],
  );
  assert.equal(new DataLoader(ds).length, N, "batchSize defaults to 1");
  assert.deepEqual(
    flat([...keep]),
    Array.from({ length: N }, (_, i) => i),
    "in order without shuffle",
  );
});

test("DataLoader: the getBatch fast path gives the same batches as get(i) + default collation", () => {
  const fast = [...new DataLoader(ds, { batchSize: 7 })];
  const viaGet = [...new DataLoader(slow, { batchSize: 7 })];
  assert.equal(fast.length, viaGet.length);
  fast.forEach(([xf, yf], b) => {
    const [xs, ys] = viaGet[b];
    assert.deepEqual(xf.shape, xs.shape);
    assertClose(xf, xs, { atol: 0 });
    assert.equal(yf.dtype, "int32");
    assert.equal(ys.dtype, "int32", "integer labels collate to int32");
    assert.deepEqual(Array.from(yf.data()), Array.from(ys.data()));
  });
});

test("DataLoader: shuffling is a permutation per epoch, reproducible from the generator", () => {
  const a = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new nb.Generator(5) });
  const b = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new nb.Generator(5) });
  const a1 = flat([...a]);
  const a2 = flat([...a]);
  assert.deepEqual(
    a1.slice().sort((p, q) => p - q),
    Array.from({ length: N }, (_, i) => i),
  );
  assert.notDeepEqual(a1, a2, "a fresh order each epoch");
  assert.deepEqual([flat([...b]), flat([...b])], [a1, a2], "same seed, same epochs");
  // Images travel with their labels.
  for (const [xb, yb] of new DataLoader(ds, { batchSize: 8, shuffle: true })) {
    assertClose(xb, nb.indexSelect(X, 0, yb), { atol: 0 });
  }
});

test("DataLoader: async iteration yields the same batches as sync iteration", async () => {
  const opts = { batchSize: 6, shuffle: true };
  const syncLoader = new DataLoader(ds, { ...opts, generator: new nb.Generator(9) });
  const asyncLoader = new DataLoader(ds, { ...opts, generator: new nb.Generator(9) });
  for (let epoch = 0; epoch < 2; epoch++) {
    const s = [...syncLoader];
    const a: nb.Tensor[][] = [];
    for await (const batch of asyncLoader) a.push(batch);
    assert.deepEqual(labels(a), labels(s));
    a.forEach(([xb], i) => assertClose(xb, s[i][0], { atol: 0 }));
  }
});

test("DataLoader: breaking out of an epoch leaves the next one whole", async () => {
  const loader = new DataLoader(ds, { batchSize: 10 });
  for (const _ of loader) break;
  for await (const _ of loader) break;
  assert.equal([...loader].length, 5);
  let n = 0;
  for await (const [xb] of loader) n += xb.shape[0];
  assert.equal(n, N);
});

test("DataLoader: option conflicts are errors, as in PyTorch", () => {
  const sampler = new nb.data.SequentialSampler(ds);
  const batchSampler = new nb.data.BatchSampler(sampler, 4, false);
  assert.throws(
    () => new DataLoader(ds, { batchSampler, batchSize: 4 }),
    /batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast/,
  );
  assert.throws(
    () => new DataLoader(ds, { sampler, shuffle: true }),
    /sampler option is mutually exclusive with shuffle/,
  );
  const viaBatchSampler = new DataLoader(ds, { batchSampler });
  assert.equal(viaBatchSampler.length, 13);
  assert.deepEqual(Array.from([...viaBatchSampler][1][1].data()), [4, 5, 6, 7]);
  assert.throws(
    () => new DataLoader(ds, { numWorkers: -1 }),
    /numWorkers must be a non-negative integer, got -1/,
  );
});

test("defaultCollate: structure, shapes and dtypes", () => {
  const samples = [
    {
      image: nb.ones([2, 3]),
      label: 3,
      weight: 0.5,
      flag: true,
      name: "a",
      pair: [1, nb.zeros([1])],
    },
    {
      image: nb.zeros([2, 3]),
      label: 7,
      weight: 1,
      flag: false,
      name: "b",
      pair: [2, nb.ones([1])],
    },
  ];
  const batch = defaultCollate(samples);
  assert.deepEqual(batch.image.shape, [2, 2, 3]);
  assert.equal(batch.image.dtype, "float32");
  assert.equal(batch.label.dtype, "int32");
  assert.deepEqual(Array.from(batch.label.data()), [3, 7]);
  assert.equal(batch.weight.dtype, "float32");
  assertClose(batch.weight, [0.5, 1]);
  assert.equal(batch.flag.dtype, "bool");
  assert.deepEqual(batch.name, ["a", "b"]);
  assert.equal(batch.pair[0].dtype, "int32");
  assert.deepEqual(batch.pair[1].shape, [2, 1]);
  // Typed arrays become tensors; mixed dtypes promote.
  const t = defaultCollate([new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
  assert.equal(t.dtype, "int32");
  assert.deepEqual(t.shape, [2, 2]);
  const mixed = defaultCollate([nb.ones([2], { dtype: "int32" }), nb.ones([2])]);
  assert.equal(mixed.dtype, "float32");
});

test("defaultCollate: unequal shapes name the sample and both shapes", () => {
  assert.throws(
    () =>
      defaultCollate([
        [nb.zeros([2, 2]), 0],
        [nb.zeros([2, 3]), 1],
      ]),
    /sample\[0\] of sample 1 has shape \[2, ?3\] but sample\[0\] of sample 0 has \[2, ?2\]/,
  );
  assert.throws(() => defaultCollate([]), /cannot collate an empty batch/);
});

test("DataLoader: a collateFn replaces the default collation", () => {
  const loader = new DataLoader(slow, {
    batchSize: 4,
    collateFn: (samples) => samples.map(([, label]) => label),
  });
  const first = [...loader][0];
  assert.deepEqual(first, [0, 1, 2, 3]);
});

const augment = new T.Compose([
  new T.RandomCrop(2, { padding: 1 }),
  new T.RandomHorizontalFlip(),
  new T.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }),
]);

test("DataLoader transform: same batches through the fast path and through get(i), seeded", () => {
  const opts = { batchSize: 8, shuffle: true, transform: augment };
  const fast = [...new DataLoader(ds, { ...opts, generator: new nb.Generator(3) })];
  const viaGet = [...new DataLoader(slow, { ...opts, generator: new nb.Generator(3) })];
  fast.forEach(([xb, yb], b) => {
    assert.deepEqual(Array.from(yb.data()), Array.from(viaGet[b][1].data()));
    assertClose(xb, viaGet[b][0], { atol: 0 });
  });
  const again = [...new DataLoader(ds, { ...opts, generator: new nb.Generator(3) })];
  assertClose(again[0][0], fast[0][0], { atol: 0 });
  // The transform did something: not all images equal their source.
  const src = nb.indexSelect(X, 0, fast[0][1]);
  assert.ok(fast[0][0].sub(src).abs().max().item() > 0.01);
});

const pools: nb.data.DataLoader<nb.Tensor[]>[] = [];
after(async () => {
  for (const p of pools) await p.close();
});

test("DataLoader workers: identical batches to inline transforms, sync and async", async () => {
  const opts = { batchSize: 8, shuffle: true, transform: augment };
  const inline = new DataLoader(ds, { ...opts, generator: new nb.Generator(11) });
  const workers = new DataLoader(ds, { ...opts, generator: new nb.Generator(11), numWorkers: 2 });
  pools.push(workers);
  const expected = [[...inline], [...inline]];
  const viaSync = [...workers];
  const viaAsync: nb.Tensor[][] = [];
  for await (const batch of workers) viaAsync.push(batch);
  for (const [got, want] of [
    [viaSync, expected[0]],
    [viaAsync, expected[1]],
  ]) {
    assert.equal(got.length, want.length);
    got.forEach(([xb, yb], b) => {
      assert.deepEqual(Array.from(yb.data()), Array.from(want[b][1].data()));
      assertClose(xb, want[b][0], { atol: 0 });
    });
  }
});

test("DataLoader workers: an epoch left early and two interleaved epochs still get their own batches", () => {
  const opts = { batchSize: 8, transform: augment, generator: new nb.Generator(21) };
  const inline = new DataLoader(ds, opts);
  const workers = new DataLoader(ds, { ...opts, generator: new nb.Generator(21), numWorkers: 2 });
  pools.push(workers);
  // Epoch 1 is abandoned after one batch, with batches still in flight in the workers.
  const [firstInline] = inline;
  const [firstWorkers] = workers;
  assertClose(firstWorkers[0], firstInline[0], { atol: 0 });
  // Epochs 2 and 3 run interleaved.
  const [i2, i3] = [inline[Symbol.iterator](), inline[Symbol.iterator]()];
  const [w2, w3] = [workers[Symbol.iterator](), workers[Symbol.iterator]()];
  for (let b = 0; b < workers.length; b++) {
    assertClose(w3.next().value![0], i3.next().value![0], { atol: 0 });
    assertClose(w2.next().value![0], i2.next().value![0], { atol: 0 });
  }
  assert.equal(w2.next().done, true);
});

test("DataLoader workers: a failing transform reports the worker's error; functions are refused", () => {
  const bad = new DataLoader(ds, {
    batchSize: 8,
    transform: new T.Normalize([0.5, 0.5], [1, 1]),
    numWorkers: 1,
  });
  pools.push(bad);
  assert.throws(
    () => [...bad],
    /DataLoader worker 0: Normalize: mean has 2 values but the image \[3, ?2, ?2\] has 3 channels$/,
  );
  assert.throws(
    () => new DataLoader(ds, { transform: (x) => x, numWorkers: 1 }),
    /can only rebuild built-in transforms/,
  );
  assert.throws(
    () => new DataLoader(ds, { transform: new T.Compose([(x: nb.Tensor) => x]), numWorkers: 1 }),
    /Compose: transform 0 .* has no toSpec\(\) and cannot be sent to a worker thread/,
  );
});
