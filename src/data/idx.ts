// Reader for the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed), over plain typed arrays.
//
// An IDX file is a big-endian header: two zero bytes, a type byte (0x08 = uint8), the number of
// dims, then one u32 per dim; then the data. Images are 0x00000803 [count, rows, cols], labels
// 0x00000801 [count]. Gzip files are recognised by their magic bytes 1f 8b, not by their name.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** Magic number of a uint8 IDX file with 3 dims (images), e.g. `readIdxImages` checks it. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of a uint8 IDX file with 1 dim (labels), e.g. `readIdxLabels` checks it. */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Images read from an IDX file: `count * rows * cols` bytes, row-major, e.g. `images[i * rows * cols]`. */
export interface IdxImages {
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Labels read from an IDX file, one byte per example, e.g. `labels[0] === 5`. */
export interface IdxLabels {
  labels: Uint8Array;
  count: number;
}

/** A split with matching images and labels, e.g. `{ images, labels, count: 60000, rows: 28, cols: 28 }`. */
export interface IdxDataset extends IdxImages {
  labels: Uint8Array;
}

/** Which split of a dataset, e.g. `"train"` or `"test"`. */
export type Split = "train" | "test";

const IMAGES = "uint8 images, 3 dims";
const LABELS = "uint8 labels, 1 dim";
const hex32 = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

function fail(name: string, problem: string): never {
  throw new Error(`idx: ${name}: ${problem}`);
}

function decompress(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    fail(name, `corrupt gzip data (${(e as Error).message})`);
  }
}

/**
 * Check the magic number and the size of an IDX file whose first bytes are `head` and whose
 * (uncompressed) length is `total`; returns the dims.
 */
function parseHeader(
  head: Uint8Array,
  total: number,
  name: string,
  magic: number,
  what: string,
): number[] {
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (total < 4)
    fail(name, `truncated file: expected at least ${headerBytes} bytes of header, got ${total}`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const actual = view.getUint32(0, false);
  if (actual !== magic) {
    const hint =
      actual === IDX_LABELS_MAGIC
        ? " (this is a labels file)"
        : actual === IDX_IMAGES_MAGIC
          ? " (this is an images file)"
          : "";
    fail(name, `bad magic number ${hex32(actual)}, expected ${hex32(magic)} (${what})${hint}`);
  }
  if (total < headerBytes)
    fail(name, `truncated file: expected at least ${headerBytes} bytes of header, got ${total}`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  const shape = dims.join(" x ");
  if (total < expected)
    fail(name, `truncated file: header says ${shape} needs ${expected} bytes, got ${total}`);
  if (total > expected)
    fail(
      name,
      `unexpected trailing data: header says ${shape} needs ${expected} bytes, got ${total}`,
    );
  return dims;
}

/** Parse in-memory IDX bytes (raw or gzip) into dims and a standalone copy of the data. */
function parseIdx(
  bytes: Uint8Array,
  name: string,
  magic: number,
  what: string,
): { dims: number[]; data: Uint8Array } {
  const raw = decompress(bytes, name);
  const dims = parseHeader(raw, raw.length, name, magic, what);
  const data = new Uint8Array(raw.length - 4 - 4 * dims.length);
  data.set(raw.subarray(4 + 4 * dims.length));
  return { dims, data };
}

/** Read an IDX file; a raw file is read straight into its final array (no second copy). */
function readIdx(path: string, magic: number, what: string): { dims: number[]; data: Uint8Array } {
  const fd = openSync(path, "r");
  try {
    const total = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(total, 4 + 4 * (magic & 0xff)));
    readFully(fd, head, 0);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)
      return parseIdx(readFileSync(fd), path, magic, what);
    const dims = parseHeader(head, total, path, magic, what);
    const data = new Uint8Array(total - head.length);
    readFully(fd, data, head.length);
    return { dims, data };
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let at = 0; at < into.length;) {
    const n = readSync(fd, into, at, into.length - at, position + at);
    if (n === 0) throw new Error(`idx: file shrank while being read`);
    at += n;
  }
}

/**
 * Parse IDX image bytes (raw or gzip); `name` is used in error messages.
 * @example const { images, count, rows, cols } = parseIdxImages(readFileSync(path), path);
 */
export function parseIdxImages(bytes: Uint8Array, name = "<bytes>"): IdxImages {
  const { dims, data } = parseIdx(bytes, name, IDX_IMAGES_MAGIC, IMAGES);
  return { images: data, count: dims[0]!, rows: dims[1]!, cols: dims[2]! };
}

/**
 * Parse IDX label bytes (raw or gzip); `name` is used in error messages.
 * @example const { labels, count } = parseIdxLabels(readFileSync(path), path);
 */
export function parseIdxLabels(bytes: Uint8Array, name = "<bytes>"): IdxLabels {
  const { dims, data } = parseIdx(bytes, name, IDX_LABELS_MAGIC, LABELS);
  return { labels: data, count: dims[0]! };
}

/**
 * Read an IDX images file such as `train-images-idx3-ubyte` or `train-images-idx3-ubyte.gz`.
 * @example const { images, count } = readIdxImages("data/t10k-images-idx3-ubyte.gz"); // count === 10000
 */
export function readIdxImages(path: string): IdxImages {
  const { dims, data } = readIdx(path, IDX_IMAGES_MAGIC, IMAGES);
  return { images: data, count: dims[0]!, rows: dims[1]!, cols: dims[2]! };
}

/**
 * Read an IDX labels file such as `train-labels-idx1-ubyte` or `train-labels-idx1-ubyte.gz`.
 * @example const { labels } = readIdxLabels("data/t10k-labels-idx1-ubyte"); // labels[0] === 7 for MNIST
 */
export function readIdxLabels(path: string): IdxLabels {
  const { dims, data } = readIdx(path, IDX_LABELS_MAGIC, LABELS);
  return { labels: data, count: dims[0]! };
}

/**
 * Read an images file and its labels file, checking that they hold the same number of examples.
 * @example const ds = readIdxPair("train-images-idx3-ubyte", "train-labels-idx1-ubyte"); // ds.count === 60000
 */
export function readIdxPair(imagesPath: string, labelsPath: string): IdxDataset {
  const { images, count, rows, cols } = readIdxImages(imagesPath);
  const { labels, count: labelCount } = readIdxLabels(labelsPath);
  if (labelCount !== count) {
    throw new Error(
      `idx: ${imagesPath} has ${count} images but ${labelsPath} has ${labelCount} labels`,
    );
  }
  return { images, labels, count, rows, cols };
}

const PREFIX: Record<Split, string> = { train: "train", test: "t10k" };

/**
 * Find a split's files by their standard names in `dir` (`train-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`...;
 * also the `train-images.idx3-ubyte` spelling of some mirrors).
 * @example const { images, labels } = findIdxFiles("data/FashionMNIST/raw", "test");
 */
export function findIdxFiles(dir: string, split: Split): { images: string; labels: string } {
  const find = (kind: "images" | "labels", dims: 1 | 3) => {
    const names = [`-${kind}-idx${dims}-ubyte`, `-${kind}.idx${dims}-ubyte`].flatMap((n) => [
      `${PREFIX[split]}${n}`,
      `${PREFIX[split]}${n}.gz`,
    ]);
    for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
    throw new Error(`idx: no ${split} ${kind} file in ${dir} (looked for ${names.join(", ")})`);
  };
  return { images: find("images", 3), labels: find("labels", 1) };
}

/**
 * Load one split of an MNIST-style dataset from a directory of IDX files (raw or gzip).
 * @example const { images, labels, count } = loadIdxDataset("data/mnist", "train");
 */
export function loadIdxDataset(dir: string, split: Split): IdxDataset {
  const { images, labels } = findIdxFiles(dir, split);
  return readIdxPair(images, labels);
}

/**
 * Encode images (or labels, when `rows`/`cols` are omitted) as uncompressed IDX bytes.
 * @example writeFileSync("t10k-labels-idx1-ubyte", encodeIdx(new Uint8Array([7, 2, 1])));
 */
export function encodeIdx(data: Uint8Array, rows?: number, cols?: number): Uint8Array {
  const images = rows !== undefined && cols !== undefined;
  const headerBytes = images ? 16 : 8;
  const count = images ? data.length / (rows * cols) : data.length;
  if (!Number.isInteger(count)) {
    throw new Error(
      `idx: encodeIdx: ${data.length} bytes is not a whole number of ${rows}x${cols} images`,
    );
  }
  const out = new Uint8Array(headerBytes + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, images ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC, false);
  view.setUint32(4, count, false);
  if (images) {
    view.setUint32(8, rows, false);
    view.setUint32(12, cols, false);
  }
  out.set(data, headerBytes);
  return out;
}
