import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import {
  encodeIdx,
  findIdxFiles,
  loadIdxDataset,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
  readIdxPair,
} from "../../src/data/idx.js";

const dir = mkdtempSync(join(tmpdir(), "nabla-idx-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
// 3 images of 2x2, written by hand: magic 00000803, dims 3, 2, 2 (big-endian), then 12 pixels.
const IMAGES = hex("00000803 00000003 00000002 00000002  00 01 02 03  10 11 12 13  fd fe ff 00");
const LABELS = hex("00000801 00000003  07 02 01");
const PIXELS = new Uint8Array([0, 1, 2, 3, 0x10, 0x11, 0x12, 0x13, 0xfd, 0xfe, 0xff, 0]);

function put(name: string, bytes: Uint8Array, sub = ""): string {
  mkdirSync(join(dir, sub), { recursive: true });
  const path = join(dir, sub, name);
  writeFileSync(path, bytes);
  return path;
}

/** Assert that `fn` throws an idx error naming `path` and matching `re`. */
function throwsIdx(fn: () => unknown, path: string, re: RegExp) {
  assert.throws(fn, (e: Error) => {
    assert.ok(e.message.startsWith(`idx: ${path}: `), e.message);
    assert.match(e.message, re);
    return true;
  });
}

test("reads hand-built raw and gzip files; encodeIdx writes the same bytes", () => {
  assert.deepEqual(encodeIdx(PIXELS, 2, 2), IMAGES);
  assert.deepEqual(encodeIdx(new Uint8Array([7, 2, 1])), LABELS);
  for (const [suffix, enc] of [
    ["", (b: Uint8Array) => b],
    [".gz", (b: Uint8Array) => gzipSync(b)],
  ] as const) {
    const images = readIdxImages(put(`i${suffix}`, enc(IMAGES)));
    assert.deepEqual(images, { images: PIXELS, count: 3, rows: 2, cols: 2 });
    assert.equal(images.images.byteOffset, 0);
    assert.equal(images.images.buffer.byteLength, 12, "a standalone array, not a view of the file");
    assert.deepEqual(readIdxLabels(put(`l${suffix}`, enc(LABELS))), {
      labels: new Uint8Array([7, 2, 1]),
      count: 3,
    });
  }
  assert.deepEqual(parseIdxImages(gzipSync(IMAGES)).images, PIXELS);
  assert.deepEqual(parseIdxLabels(LABELS).labels, new Uint8Array([7, 2, 1]));
});

test("finds files by their standard names, raw or .gz, and loads a split", () => {
  put("train-images-idx3-ubyte.gz", gzipSync(IMAGES), "std");
  put("train-labels-idx1-ubyte", LABELS, "std");
  put("t10k-images-idx3-ubyte", IMAGES, "std");
  put("t10k-labels-idx1-ubyte.gz", gzipSync(LABELS), "std");
  const std = join(dir, "std");
  assert.deepEqual(findIdxFiles(std, "train"), {
    images: join(std, "train-images-idx3-ubyte.gz"),
    labels: join(std, "train-labels-idx1-ubyte"),
  });
  for (const split of ["train", "test"] as const) {
    assert.deepEqual(loadIdxDataset(std, split), {
      images: PIXELS,
      labels: new Uint8Array([7, 2, 1]),
      count: 3,
      rows: 2,
      cols: 2,
    });
  }
  // The dotted spelling some mirrors use is found too.
  put("t10k-images.idx3-ubyte", IMAGES, "dotted");
  put("t10k-labels.idx1-ubyte", LABELS, "dotted");
  assert.equal(loadIdxDataset(join(dir, "dotted"), "test").count, 3);
  assert.throws(
    () => findIdxFiles(join(dir, "dotted"), "train"),
    /idx: no train images file in .*dotted \(looked for train-images-idx3-ubyte, train-images-idx3-ubyte.gz/,
  );
});

test("bad magic number: names the file and prints expected and actual in hex", () => {
  const path = put("labels-as-images", LABELS);
  throwsIdx(
    () => readIdxImages(path),
    path,
    /bad magic number 0x00000801, expected 0x00000803 \(uint8 images, 3 dims\) \(this is a labels file\)/,
  );
  const gz = put("images-as-labels.gz", gzipSync(IMAGES));
  throwsIdx(
    () => readIdxLabels(gz),
    gz,
    /bad magic number 0x00000803, expected 0x00000801 .*\(this is an images file\)/,
  );
  const text = put("html", Buffer.from("<html>not found</html>"));
  throwsIdx(() => readIdxImages(text), text, /bad magic number 0x3c68746d, expected 0x00000803/);
  // float32 IDX (type byte 0x0d) is not uint8.
  const f32 = put("float", hex("00000d03 00000001 00000001 00000001 00000000"));
  throwsIdx(() => readIdxImages(f32), f32, /bad magic number 0x00000d03/);
});

test("truncated files: expected vs actual byte count", () => {
  const short = put("short", IMAGES.subarray(0, 20));
  throwsIdx(
    () => readIdxImages(short),
    short,
    /truncated file: header says 3 x 2 x 2 needs 28 bytes, got 20/,
  );
  const shortGz = put("short.gz", gzipSync(IMAGES.subarray(0, 27)));
  throwsIdx(
    () => readIdxImages(shortGz),
    shortGz,
    /truncated file: header says 3 x 2 x 2 needs 28 bytes, got 27/,
  );
  const header = put("header", IMAGES.subarray(0, 10));
  throwsIdx(
    () => readIdxImages(header),
    header,
    /truncated file: expected at least 16 bytes of header, got 10/,
  );
  const tiny = put("tiny", hex("0000"));
  throwsIdx(
    () => readIdxLabels(tiny),
    tiny,
    /truncated file: expected at least 8 bytes of header, got 2/,
  );
  const empty = put("empty", new Uint8Array(0));
  throwsIdx(() => readIdxLabels(empty), empty, /got 0/);
  const labels = put("labels-short", LABELS.subarray(0, 9));
  throwsIdx(
    () => readIdxLabels(labels),
    labels,
    /truncated file: header says 3 needs 11 bytes, got 9/,
  );
  const long = put("long", Uint8Array.of(...LABELS, 9));
  throwsIdx(
    () => readIdxLabels(long),
    long,
    /unexpected trailing data: header says 3 needs 11 bytes, got 12/,
  );
  // A gzip stream cut short is reported as corrupt gzip.
  const cut = put("cut.gz", gzipSync(IMAGES).subarray(0, 15));
  throwsIdx(() => readIdxImages(cut), cut, /corrupt gzip data/);
  assert.throws(
    () => parseIdxLabels(LABELS.subarray(0, 9)),
    /^Error: idx: <bytes>: truncated file/,
  );
});

test("readIdxPair checks image count == label count", () => {
  const images = put("pair-images", IMAGES);
  const labels = put("pair-labels", encodeIdx(new Uint8Array([1, 2])));
  assert.throws(
    () => readIdxPair(images, labels),
    (e: Error) => {
      assert.equal(e.message, `idx: ${images} has 3 images but ${labels} has 2 labels`);
      return true;
    },
  );
  assert.throws(
    () => encodeIdx(new Uint8Array(5), 2, 2),
    /5 bytes is not a whole number of 2x2 images/,
  );
});
