// numWorkers is capped at the machine's cores with one warning per process. In a file of its own:
// the warning is once per process, and node's test runner gives each file its own process.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { after, test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";

const { DataLoader, TensorDataset, transforms: T } = nb.data;

const X = nb
  .arange(8 * 12, undefined, 1, { dtype: "float32" })
  .div(96)
  .reshape([8, 3, 2, 2]);
const y = nb.arange(8, undefined, 1, { dtype: "int32" });
const ds = new TensorDataset(X, y);
const cores = availableParallelism();
const loaders: nb.data.DataLoader<nb.Tensor[]>[] = [];
after(() => Promise.all(loaders.map((l) => l.close())));

function captureWarnings<R>(fn: () => R): [R, string[]] {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    return [fn(), warnings];
  } finally {
    console.warn = original;
  }
}

test("DataLoader: numWorkers up to the core count is kept as given, silently", () => {
  const [loader, warnings] = captureWarnings(() => new DataLoader(ds, { numWorkers: cores }));
  assert.equal(loader.numWorkers, cores);
  assert.deepEqual(warnings, []);
});

test("DataLoader: numWorkers above the core count is capped to the cores, with one warning per process", () => {
  const [first, warnings] = captureWarnings(() => new DataLoader(ds, { numWorkers: 1000 }));
  assert.equal(first.numWorkers, cores);
  assert.equal(warnings.length, 1);
  assert.equal(
    warnings[0],
    `DataLoader: numWorkers 1000 is more than the ${cores} cores of this machine; using ${cores} worker threads`,
  );
  const [second, again] = captureWarnings(() => new DataLoader(ds, { numWorkers: cores + 1 }));
  assert.equal(second.numWorkers, cores);
  assert.deepEqual(again, [], "the warning is printed once");
});

test("DataLoader: a capped loader runs its transform in the capped pool and gives the inline batches", () => {
  const opts = {
    batchSize: 3,
    shuffle: true,
    transform: new T.Compose([new T.RandomHorizontalFlip(), new T.Normalize(0.5, 0.25)]),
  };
  const [workers] = captureWarnings(
    () => new DataLoader(ds, { ...opts, generator: new nb.Generator(3), numWorkers: 1000 }),
  );
  loaders.push(workers);
  const inline = [...new DataLoader(ds, { ...opts, generator: new nb.Generator(3) })];
  const viaWorkers = [...workers];
  assert.equal(viaWorkers.length, inline.length);
  viaWorkers.forEach(([xb, yb], b) => {
    assert.deepEqual(Array.from(yb.data()), Array.from(inline[b][1].data()));
    assertClose(xb, inline[b][0], { atol: 0 });
  });
});
