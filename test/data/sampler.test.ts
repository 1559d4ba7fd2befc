import assert from "node:assert/strict";
import { test } from "node:test";
import * as nb from "nabla";

const { SequentialSampler, RandomSampler, BatchSampler } = nb.data;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (a: readonly number[]) => a.slice().sort((p, q) => p - q);

test("SequentialSampler yields 0..n-1", () => {
  const s = new SequentialSampler({ length: 4 });
  assert.equal(s.length, 4);
  assert.deepEqual([...s], [0, 1, 2, 3]);
  assert.deepEqual([...new SequentialSampler({ length: 0 })], []);
});

test("RandomSampler: each epoch is a permutation, fixed by the seed, different across epochs", () => {
  const n = 1000;
  const s = new RandomSampler({ length: n }, { generator: new nb.Generator(42) });
  const epochs = [[...s], [...s], [...s]];
  for (const e of epochs) assert.deepEqual(sorted(e), range(n));
  assert.notDeepEqual(epochs[0], epochs[1]);
  assert.notDeepEqual(epochs[1], epochs[2]);
  assert.notDeepEqual(epochs[0], range(n));

  const again = new RandomSampler({ length: n }, { generator: new nb.Generator(42) });
  assert.deepEqual([[...again], [...again], [...again]], epochs);
  const other = new RandomSampler({ length: n }, { generator: new nb.Generator(43) });
  assert.notDeepEqual([...other], epochs[0]);
});

test("RandomSampler without a generator follows nb.manualSeed", () => {
  const s = new RandomSampler({ length: 50 });
  nb.manualSeed(7);
  const a = [...s];
  nb.manualSeed(7);
  assert.deepEqual([...s], a);
});

test("RandomSampler with replacement draws numSamples indices in range", () => {
  const s = new RandomSampler(
    { length: 5 },
    { replacement: true, numSamples: 200, generator: new nb.Generator(0) },
  );
  const draws = [...s];
  assert.equal(s.length, 200);
  assert.equal(draws.length, 200);
  assert.ok(draws.every((i) => Number.isInteger(i) && i >= 0 && i < 5));
  assert.equal(new Set(draws).size, 5, "200 draws of 5 values hit all of them");
  assert.throws(
    () => new RandomSampler({ length: 5 }, { numSamples: 6 }),
    /numSamples \(6\) cannot exceed the dataset length \(5\) without replacement/,
  );
});

test("BatchSampler: batch sizes, lengths and dropLast", () => {
  const seq = new SequentialSampler({ length: 10 });
  const keep = new BatchSampler(seq, 4, false);
  assert.equal(keep.length, 3);
  assert.deepEqual(
    [...keep],
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ],
  );
  const drop = new BatchSampler(seq, 4, true);
  assert.equal(drop.length, 2);
  assert.deepEqual(
    [...drop],
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ],
  );
  const exact = new BatchSampler(new SequentialSampler({ length: 8 }), 4, true);
  assert.equal(exact.length, 2);
  assert.equal([...exact].length, 2);
  assert.throws(
    () => new BatchSampler(seq, 0, false),
    /batchSize should be a positive integer, got 0/,
  );
});
