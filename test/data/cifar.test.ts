// CIFAR10 from the binary batches: record layout, splits, the two folder layouts, classes,
// batching through the DataLoader with transforms, and errors that name the file.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";
import { cifarBatch, cifarPixel } from "./cifar-files.js";

const { CIFAR10, CIFAR10_CLASSES, DataLoader, transforms: T } = nb.data;

const base = mkdtempSync(join(tmpdir(), "nabla-cifar-"));
after(() => rmSync(base, { recursive: true, force: true }));

// torchvision's layout: root/cifar-10-batches-bin/*.bin, batches of 2, 1, 1, 1 and 3 images.
const root = join(base, "data");
const folder = join(root, "cifar-10-batches-bin");
mkdirSync(folder, { recursive: true });
const trainLabels = [[3, 8], [0], [9], [1], [5, 5, 2]];
let first = 0;
trainLabels.forEach((labels, k) => {
  writeFileSync(join(folder, `data_batch_${k + 1}.bin`), cifarBatch(first, labels));
  first += labels.length;
});
writeFileSync(join(folder, "test_batch.bin"), cifarBatch(100, [7, 6]));
writeFileSync(join(folder, "batches.meta.txt"), CIFAR10_CLASSES.join("\n") + "\n\n");

test("CIFAR10: items are [float32 [3, 32, 32] in [0, 1] with the file's planes, label], in file order", () => {
  const train = new CIFAR10({ root });
  assert.equal(train.folder, folder);
  assert.equal(train.length, 8);
  assert.deepEqual(train.targets, [3, 8, 0, 9, 1, 5, 5, 2]);
  const [img, label] = train.get(4); // the first image of data_batch_4
  assert.equal(label, 1);
  assert.equal(img.dtype, "float32");
  assert.deepEqual(img.shape, [3, 32, 32]);
  assertClose(
    img.flatten(),
    Array.from({ length: 3072 }, (_, j) => cifarPixel(4, j) / 255),
    { atol: 0 },
  );
  // Channel 1 (green), row 2, column 5 is pixel byte 1024 + 2 * 32 + 5.
  assert.equal(img.get(1, 2, 5).item(), Math.fround(cifarPixel(4, 1024 + 69) / 255));
  assert.throws(
    () => train.get(8),
    /CIFAR10.get: index 8 is out of range for a dataset of length 8/,
  );

  const testSplit = new CIFAR10({ root: folder, train: false }); // the folder itself also works
  assert.equal(testSplit.folder, folder);
  assert.deepEqual(testSplit.targets, [7, 6]);
  assertClose(
    testSplit.get(1)[0].flatten(),
    Array.from({ length: 3072 }, (_, j) => cifarPixel(101, j) / 255),
    {
      atol: 0,
    },
  );
});

test("CIFAR10: classes from batches.meta.txt (the standard list without it), classToIdx", () => {
  const train = new CIFAR10({ root });
  assert.deepEqual(train.classes, CIFAR10_CLASSES);
  assert.equal(train.classes[train.get(0)[1]], "cat");
  assert.equal(train.classToIdx.truck, 9);
  const renamed = join(base, "renamed");
  mkdirSync(renamed);
  writeFileSync(join(renamed, "test_batch.bin"), cifarBatch(0, [1]));
  writeFileSync(join(renamed, "batches.meta.txt"), "a\r\nb\r\nc\nd\ne\nf\ng\nh\ni\nj\n");
  assert.deepEqual(new CIFAR10({ root: renamed, train: false }).classes.slice(0, 3), [
    "a",
    "b",
    "c",
  ]);
  writeFileSync(join(renamed, "batches.meta.txt"), "a\nb\n");
  assert.throws(
    () => new CIFAR10({ root: renamed, train: false }),
    /CIFAR10: ".*batches.meta.txt" names 2 classes, expected 10/,
  );
});

test("CIFAR10: getBatch equals the stacked items; the DataLoader batches it with transforms", () => {
  const train = new CIFAR10({ root });
  const [X, y] = train.getBatch([7, 0, 4]);
  assert.deepEqual(X.shape, [3, 3, 32, 32]);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(Array.from(y.data()), [2, 3, 1]);
  assertClose(X, nb.stack([7, 0, 4].map((i) => train.get(i)[0])), { atol: 0 });

  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.2435, 0.2616];
  const augmented = new CIFAR10({
    root,
    transform: new T.Compose([
      new T.RandomCrop(32, { padding: 4 }),
      new T.RandomHorizontalFlip(),
      new T.Resize(40),
      new T.Normalize(mean, std),
    ]),
  });
  const batches = [...new DataLoader(augmented, { batchSize: 3, shuffle: true })];
  assert.deepEqual(
    batches.map(([xb, yb]) => [xb.shape, yb.shape]),
    [
      [[3, 3, 40, 40], [3]],
      [[3, 3, 40, 40], [3]],
      [[2, 3, 40, 40], [2]],
    ],
  );
  // Normalize alone: (x - mean[c]) / std[c] of the raw image.
  const normalized = new CIFAR10({ root, transform: new T.Normalize(mean, std) });
  const raw = train.get(2)[0].toArray() as number[][][];
  assertClose(
    normalized.get(2)[0],
    raw.map((plane, c) => plane.map((row) => row.map((v) => (v - mean[c]) / std[c]))),
    { atol: 1e-6 },
  );
  // The loader's own transform in a worker thread gives the inline batches.
  const opts = {
    batchSize: 4,
    transform: new T.RandomResizedCrop(16),
    generator: new nb.Generator(2),
  };
  const inline = [...new DataLoader(train, opts)];
  const workers = new DataLoader(train, { ...opts, generator: new nb.Generator(2), numWorkers: 1 });
  after(() => workers.close());
  [...workers].forEach(([xb, yb], b) => {
    assertClose(xb, inline[b][0], { atol: 0 });
    assert.deepEqual(Array.from(yb.data()), Array.from(inline[b][1].data()));
  });
});

test("CIFAR10: targetTransform applies to get and getBatch labels", () => {
  const ds = new CIFAR10({ root, targetTransform: (t) => t === 5 });
  assert.equal(ds.get(5)[1], true);
  const [, isDog] = ds.getBatch([5, 0]);
  assert.equal(isDog.dtype, "bool");
  assert.deepEqual(Array.from(isDog.data()), [1, 0]);
});

test("CIFAR10: missing files, sizes that are not whole records and bad labels are named", () => {
  const empty = join(base, "empty");
  mkdirSync(empty);
  assert.throws(
    () => new CIFAR10({ root: empty }),
    /CIFAR10: cannot find data_batch_1.bin, .*data_batch_5.bin in ".*empty" or ".*empty\/cifar-10-batches-bin"$/,
  );
  const partial = join(base, "partial");
  mkdirSync(partial);
  writeFileSync(join(partial, "data_batch_1.bin"), cifarBatch(0, [1]));
  writeFileSync(join(partial, "data_batch_2.bin"), cifarBatch(0, [1]));
  assert.throws(
    () => new CIFAR10({ root: partial }),
    /CIFAR10: missing batch files ".*partial\/data_batch_3.bin", ".*data_batch_4.bin", ".*data_batch_5.bin"/,
  );
  const broken = join(base, "broken");
  mkdirSync(broken);
  writeFileSync(
    join(broken, "test_batch.bin"),
    Buffer.concat([cifarBatch(0, [1, 2]), Buffer.alloc(5)]),
  );
  assert.throws(
    () => new CIFAR10({ root: broken, train: false }),
    /CIFAR10: ".*broken\/test_batch.bin" is 6151 bytes, not a whole number of 3073-byte records \(1 label byte \+ 3072 pixel bytes\): 5 bytes left over after 2 records/,
  );
  writeFileSync(join(broken, "test_batch.bin"), Buffer.alloc(0));
  assert.throws(
    () => new CIFAR10({ root: broken, train: false }),
    /CIFAR10: ".*test_batch.bin" is 0 bytes, not a whole number of 3073-byte records \(1 label byte \+ 3072 pixel bytes\)$/,
  );
  writeFileSync(join(broken, "test_batch.bin"), cifarBatch(0, [4, 12]));
  assert.throws(
    () => new CIFAR10({ root: broken, train: false }),
    /CIFAR10: ".*test_batch.bin" record 1 has label 12; CIFAR-10 labels are 0-9/,
  );
  const python = join(base, "python");
  mkdirSync(join(python, "cifar-10-batches-py"), { recursive: true });
  writeFileSync(join(python, "cifar-10-batches-py", "data_batch_1"), "pickle");
  assert.throws(
    () => new CIFAR10({ root: python }),
    /found the python version's pickled batches: nabla reads the binary version/,
  );
  assert.throws(() => new CIFAR10(undefined as never), /CIFAR10: options.root must be the folder/);
});
