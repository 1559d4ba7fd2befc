import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import * as nb from "nabla";
import { encodeIdx } from "../../src/data/idx.js";
import { assertClose } from "../helpers.js";

const { FashionMNIST, MNIST, DataLoader, transforms: T } = nb.data;

// A tiny dataset of 5 images, 3x4 pixels: pixel p of image i is 10 * i + p.
const COUNT = 5;
const ROWS = 3;
const COLS = 4;
const pixels = Uint8Array.from({ length: COUNT * ROWS * COLS }, (_, k) => {
  const i = Math.floor(k / (ROWS * COLS));
  return 10 * i + (k % (ROWS * COLS));
});
const labels = Uint8Array.from([3, 1, 4, 1, 5]);

const root = mkdtempSync(join(tmpdir(), "nabla-vision-"));
after(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, "train-images-idx3-ubyte"), encodeIdx(pixels, ROWS, COLS));
writeFileSync(join(root, "train-labels-idx1-ubyte"), encodeIdx(labels));
// The test split gzip-compressed, under torchvision's layout <root>/FashionMNIST/raw.
const raw = join(root, "tv", "FashionMNIST", "raw");
mkdirSync(raw, { recursive: true });
writeFileSync(join(raw, "t10k-images-idx3-ubyte.gz"), gzipSync(encodeIdx(pixels, ROWS, COLS)));
writeFileSync(join(raw, "t10k-labels-idx1-ubyte.gz"), gzipSync(encodeIdx(labels)));

test("FashionMNIST({ root }): items are [float32 [1, H, W] in [0, 1], label] from the IDX files", () => {
  const ds = new FashionMNIST({ root, train: true });
  assert.equal(ds.length, COUNT);
  const [img, label] = ds.get(2);
  assert.deepEqual(img.shape, [1, ROWS, COLS]);
  assert.equal(img.dtype, "float32");
  assertClose(
    img.flatten(),
    Array.from({ length: 12 }, (_, p) => (20 + p) / 255),
  );
  assert.equal(label, 4);
  assert.deepEqual(ds.classes.slice(0, 2), ["t-shirt", "trouser"]);
  assert.throws(
    () => ds.get(5),
    /FashionMNIST.get: index 5 is out of range for a dataset of length 5/,
  );
});

test("FashionMNIST: getBatch equals the stacked items; labels are int32", () => {
  const ds = new FashionMNIST({ root: join(root, "tv"), train: false });
  const [X, y] = ds.getBatch([4, 0, 2]);
  assert.deepEqual(X.shape, [3, 1, ROWS, COLS]);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(Array.from(y.data()), [5, 3, 4]);
  assertClose(X, nb.stack([4, 0, 2].map((i) => ds.get(i)[0])), { atol: 0 });
  const viaLoader = [...new DataLoader(ds, { batchSize: 2 })];
  assert.deepEqual(
    viaLoader.map(([xb, yb]) => [xb.shape, Array.from(yb.data())]),
    [
      [
        [2, 1, ROWS, COLS],
        [3, 1],
      ],
      [
        [2, 1, ROWS, COLS],
        [4, 1],
      ],
      [[1, 1, ROWS, COLS], [5]],
    ],
  );
});

test("FashionMNIST: resize and transform apply to items and batches alike", () => {
  const ds = new FashionMNIST({ root, resize: 6, transform: new T.Normalize(0.5, 0.5) });
  const [X] = ds.getBatch([1, 3]);
  assert.deepEqual(X.shape, [2, 1, 6, 6]);
  const [img] = ds.get(3);
  assertClose(X.select(0, 1), img);
  const plain = new FashionMNIST({ root }).get(3)[0];
  const expected = new T.Normalize(0.5, 0.5).forward(T.resizeBatch(plain, [6, 6]));
  assertClose(img, expected);
});

test("FashionMNIST: a missing directory or file is an error naming it", () => {
  const missing = join(root, "nowhere");
  assert.throws(
    () => new FashionMNIST({ root: missing }),
    (e: Error) => e.message.includes(missing),
  );
  const empty = join(root, "empty");
  mkdirSync(empty);
  assert.throws(() => new MNIST({ root: empty, train: false }), /t10k-images-idx3-ubyte/);
});

test("MNIST (embedded npm data): the 10,000 test images; the loader batches them as float32 and int32", () => {
  const ds = new MNIST({ train: false });
  assert.equal(ds.length, 10000);
  assert.equal(ds.get(0)[1], 7);
  const loader = new DataLoader(ds, { batchSize: 256 });
  assert.equal(loader.length, 40);
  const [X, y] = loader[Symbol.iterator]().next().value!;
  assert.deepEqual(X.shape, [256, 1, 28, 28]);
  assert.equal(X.dtype, "float32");
  assert.equal(y.dtype, "int32");
  assert.ok(X.min().item() >= 0 && X.max().item() === 1);
  assert.deepEqual(Array.from(y.data()).slice(0, 5), [7, 2, 1, 0, 4]);
});

test("loadDataFashionMnist: shuffled train and ordered test loaders with d2l's batch counts", () => {
  const [train, test_] = nb.loadDataFashionMnist(256, 32);
  assert.equal(train.length, 235);
  assert.equal(test_.length, 40);
  const [X, y] = test_[Symbol.iterator]().next().value!;
  assert.deepEqual(X.shape, [256, 1, 32, 32]);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(nb.data.getFashionMnistLabels(Array.from(y.data(), Number).slice(0, 2)), [
    "t-shirt",
    "t-shirt",
  ]);
  assert.equal(nb.data.FASHION_MNIST_LABELS[9], "ankle boot");
});
