// Bad dataset files through the CLI's data layer (`--dataset <dir>`): every error names the file
// and says what was expected.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { classNames, limitIndices, makeLoaders, parseDataset } from "../../src/cli/data.js";
import { encodeIdx } from "../../src/data/idx.js";
import { FashionMNIST, MNIST } from "../../src/data/vision.js";

const root = mkdtempSync(join(tmpdir(), "nabla-data-"));
after(() => rmSync(root, { recursive: true, force: true }));

const N_TRAIN = 12;
const N_TEST = 5;
const images = (n: number) => Uint8Array.from({ length: n * 28 * 28 }, (_, i) => i % 251);
const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);

/** A directory of valid IDX files; `mutate` may then break one of them. */
function dataset(name: string, mutate?: (dir: string) => void): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "train-images-idx3-ubyte"), encodeIdx(images(N_TRAIN), 28, 28));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx(labels(N_TRAIN)));
  writeFileSync(
    join(dir, "t10k-images-idx3-ubyte.gz"),
    gzipSync(encodeIdx(images(N_TEST), 28, 28)),
  );
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(encodeIdx(labels(N_TEST))));
  mutate?.(dir);
  return dir;
}

const load = (dir: string) => makeLoaders(parseDataset(dir), { batchSize: 4 });

test("a valid directory loads (raw and .gz files), with shuffled train and ordered test batches", () => {
  const { train, test: testLoader } = load(dataset("ok"));
  assert.equal(train.dataset.length, N_TRAIN);
  assert.equal(testLoader.dataset.length, N_TEST);
  const [X, y] = [...testLoader][0]!;
  assert.deepEqual(X.shape, [4, 1, 28, 28]);
  assert.deepEqual(Array.from(y.data()), [0, 1, 2, 3]);
  assert.equal(X.data()[1], Math.fround(1 / 255));
});

test("a bad IDX magic number names the file and the expected magic", () => {
  const dir = dataset("magic", (d) => {
    const bytes = encodeIdx(images(N_TRAIN), 28, 28);
    bytes[3] = 0x01; // 0x00000801 is a labels file
    writeFileSync(join(d, "train-images-idx3-ubyte"), bytes);
  });
  assert.throws(
    () => load(dir),
    (e: Error) =>
      e.message.includes(join(dir, "train-images-idx3-ubyte")) &&
      /bad magic number 0x00000801, expected 0x00000803/.test(e.message),
  );
});

test("a truncated file names the file and the expected size", () => {
  const dir = dataset("truncated", (d) => {
    const bytes = encodeIdx(images(N_TRAIN), 28, 28);
    writeFileSync(join(d, "train-images-idx3-ubyte"), bytes.subarray(0, bytes.length - 100));
  });
  assert.throws(
    () => load(dir),
    (e: Error) =>
      e.message.includes(join(dir, "train-images-idx3-ubyte")) &&
      /truncated file: header says 12 x 28 x 28 needs 9424 bytes, got 9324/.test(e.message),
  );
});

test("a truncated gzip file names the file", () => {
  const dir = dataset("truncated-gz", (d) => {
    const gz = gzipSync(encodeIdx(labels(N_TEST)));
    writeFileSync(join(d, "t10k-labels-idx1-ubyte.gz"), gz.subarray(0, gz.length - 6));
  });
  assert.throws(
    () => load(dir),
    (e: Error) => e.message.includes(join(dir, "t10k-labels-idx1-ubyte.gz")),
  );
});

test("a label/image count mismatch names both files and both counts", () => {
  const dir = dataset("mismatch", (d) => {
    writeFileSync(join(d, "train-labels-idx1-ubyte"), encodeIdx(labels(N_TRAIN - 2)));
  });
  assert.throws(
    () => load(dir),
    (e: Error) =>
      e.message.includes(join(dir, "train-images-idx3-ubyte")) &&
      e.message.includes(join(dir, "train-labels-idx1-ubyte")) &&
      /has 12 images but .* has 10 labels/.test(e.message),
  );
});

test("a missing file names the directory and the file names looked for", () => {
  const dir = dataset("missing", (d) => rmSync(join(d, "t10k-images-idx3-ubyte.gz")));
  assert.throws(() => load(dir), /no test images file in .*missing.*t10k-images-idx3-ubyte/);
  assert.throws(
    () => parseDataset(join(root, "nope")),
    /neither fashion-mnist, mnist nor an existing directory/,
  );
});

test("--limit picks a fixed, sorted subset that does not depend on the global RNG", () => {
  const a = limitIndices(60000, 2000, 0);
  assert.equal(a.length, 2000);
  assert.equal(new Set(a).size, 2000);
  assert.ok(a.every((v, i) => i === 0 || v > a[i - 1]!));
  assert.deepEqual(limitIndices(60000, 2000, 0), a);
  assert.notDeepEqual(limitIndices(60000, 2000, 1), a);
  assert.equal(limitIndices(10, 50, 0).length, 10);
});

test("class names are the datasets' own lists, not copies of them", () => {
  const fashion = new FashionMNIST({ train: false });
  assert.equal(classNames("fashion-mnist"), fashion.classes);
  assert.equal(classNames("fashion-mnist")[9], "ankle boot");
  const digits = new MNIST({ train: false });
  assert.equal(classNames("mnist"), digits.classes);
  assert.deepEqual(classNames("mnist"), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
});
