// Decoding PNG and JPEG into RGB as PIL's Image.open(f).convert("RGB") does, and refusing images
// that are too large from their header alone.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as nb from "nabla";
import { assertClose } from "../helpers.js";
import {
  chunk,
  encodeJpeg,
  encodePng,
  insertAfterHeader,
  jpegClaiming,
  palettePng,
  pngHeaderOnly,
  rgbImage,
  withAlpha,
} from "./image-files.js";

const { decodeImage, loadImage, readImageHeader, MAX_IMAGE_PIXELS } = nb.data;

const W = 5;
const H = 3;
// Pixel (x, y) of the test image: distinct values in every channel.
const rgb = rgbImage(W, H, (x, y) => [40 * x + y, 200 - 30 * y, 7 * x * y + 3]);

const dir = mkdtempSync(join(tmpdir(), "nabla-decode-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("readImageHeader: format and size of PNG and JPEG files, from the first bytes only", () => {
  const png = encodePng(
    W,
    H,
    withAlpha(rgb, () => 255),
  );
  assert.deepEqual(readImageHeader(png), { format: "png", width: W, height: H, bitDepth: 8 });
  assert.deepEqual(readImageHeader(png.subarray(0, 33)), readImageHeader(png));
  assert.deepEqual(readImageHeader(encodeJpeg(W, H, rgb)), { format: "jpeg", width: W, height: H });
  assert.throws(
    () => readImageHeader(Buffer.from("GIF89a....")),
    /not a PNG or JPEG file \(it starts with bytes 47 49 46 38 39 61 2e 2e\)/,
  );
  assert.throws(
    () => readImageHeader(new Uint8Array(0)),
    /not a PNG or JPEG file \(the file is empty\)/,
  );
  assert.throws(() => readImageHeader(png.subarray(0, 20)), /truncated or malformed PNG header/);
  assert.throws(
    () => readImageHeader(encodeJpeg(W, H, rgb).subarray(0, 30)),
    /truncated or malformed JPEG: no frame header/,
  );
});

test("decodeImage: RGB and RGBA PNGs give their RGB bytes exactly; alpha is dropped, not composited", () => {
  const opaque = decodeImage(
    encodePng(
      W,
      H,
      withAlpha(rgb, () => 255),
      { colorType: 2 },
    ),
  );
  assert.deepEqual([opaque.width, opaque.height, opaque.channels], [W, H, 3]);
  assert.deepEqual(Array.from(opaque.data), Array.from(rgb));
  // Fully transparent pixels keep their colour, as in PIL's convert("RGB").
  const rgba = decodeImage(
    encodePng(
      W,
      H,
      withAlpha(rgb, (i) => (i % 2 ? 0 : 128)),
    ),
  );
  assert.deepEqual(Array.from(rgba.data), Array.from(rgb));
});

test("decodeImage: grey, grey+alpha and palette PNGs become R = G = B and palette colours", () => {
  const grey = rgbImage(W, H, (x, y) => [17 * x + 50 * y, 17 * x + 50 * y, 17 * x + 50 * y]);
  const expected = Array.from(grey);
  for (const colorType of [0, 4] as const) {
    const png = encodePng(
      W,
      H,
      withAlpha(grey, () => 255),
      { colorType },
    );
    assert.deepEqual(Array.from(decodeImage(png).data), expected, `colour type ${colorType}`);
  }
  const palette = [
    [255, 0, 0],
    [0, 128, 255],
    [9, 8, 7],
  ];
  const indices = [0, 1, 2, 1, 0, 2];
  const decoded = decodeImage(palettePng(3, 2, palette, indices, [0, 255, 40]));
  assert.deepEqual(
    Array.from(decoded.data),
    indices.flatMap((k) => palette[k]),
  );
});

test("decodeImage: a tRNS colour keeps its RGB (pngjs alone would zero it); 16-bit samples keep their high byte", () => {
  // tRNS on an RGB image names one colour as transparent: here the colour of pixel (0, 0).
  const trns = Buffer.alloc(6);
  trns.writeUInt16BE(rgb[0], 0);
  trns.writeUInt16BE(rgb[1], 2);
  trns.writeUInt16BE(rgb[2], 4);
  const png = insertAfterHeader(
    encodePng(
      W,
      H,
      withAlpha(rgb, () => 255),
      { colorType: 2 },
    ),
    chunk("tRNS", trns),
  );
  assert.deepEqual(Array.from(decodeImage(png).data), Array.from(rgb));

  const wide = new Uint16Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) wide[4 * i + c] = rgb[3 * i + c] * 256 + ((i * 37 + c * 101) % 256);
    wide[4 * i + 3] = 65535;
  }
  const png16 = encodePng(W, H, new Uint8Array(wide.buffer), { colorType: 2, bitDepth: 16 });
  assert.equal(readImageHeader(png16).bitDepth, 16);
  assert.deepEqual(Array.from(decodeImage(png16).data), Array.from(rgb));
});

test("decodeImage: a JPEG decodes close to the pixels it was encoded from", () => {
  const w = 24;
  const h = 16;
  // A smooth image: JPEG's loss is small there.
  const smooth = rgbImage(w, h, (x, y) => [10 * x, 15 * y, 128 + 3 * x - 4 * y]);
  const decoded = decodeImage(encodeJpeg(w, h, smooth, 95));
  assert.deepEqual([decoded.width, decoded.height, decoded.channels], [w, h, 3]);
  let worst = 0;
  let sum = 0;
  smooth.forEach((v, i) => {
    const d = Math.abs(decoded.data[i] - v);
    worst = Math.max(worst, d);
    sum += d;
  });
  assert.ok(worst <= 8, `largest error ${worst} > 8 levels`);
  assert.ok(sum / smooth.length <= 2, `mean error ${sum / smooth.length} > 2 levels`);
});

test("decodeImage: images over maxPixels are refused from the header, before decoding", () => {
  // Only a header: decoding would fail differently, so the message shows nothing was decoded.
  assert.throws(
    () => decodeImage(pngHeaderOnly(100_000, 100_000)),
    /the image is 100000x100000 \(10,000,000,000 pixels\), more than maxPixels \(89,478,485\); pass a larger maxPixels/,
  );
  const bigJpeg = jpegClaiming(encodeJpeg(W, H, rgb), 60_000, 60_000);
  assert.throws(() => decodeImage(bigJpeg), /the image is 60000x60000 \(3,600,000,000 pixels\)/);
  assert.equal(MAX_IMAGE_PIXELS, 89_478_485);
  const png = encodePng(
    W,
    H,
    withAlpha(rgb, () => 255),
  );
  assert.throws(
    () => decodeImage(png, { maxPixels: W * H - 1 }),
    /5x3 \(15 pixels\), more than maxPixels \(14\)/,
  );
  assert.equal(decodeImage(png, { maxPixels: W * H }).width, W);
  assert.throws(
    () => decodeImage(png, { maxPixels: 0 }),
    /decodeImage: maxPixels must be positive, got 0/,
  );
});

test("loadImage: a float32 [3, H, W] tensor in [0, 1]; unreadable and corrupt files are named", () => {
  const path = join(dir, "image.png");
  writeFileSync(
    path,
    encodePng(
      W,
      H,
      withAlpha(rgb, () => 255),
    ),
  );
  const img = loadImage(path);
  assert.equal(img.dtype, "float32");
  assert.deepEqual(img.shape, [3, H, W]);
  // Channel c, row y, column x is byte c of pixel (x, y), over 255.
  const expected = [0, 1, 2].flatMap((c) =>
    Array.from({ length: W * H }, (_, i) => rgb[3 * i + c] / 255),
  );
  assertClose(img.flatten(), expected, { atol: 0 });

  const missing = join(dir, "missing.png");
  assert.throws(
    () => loadImage(missing),
    new RegExp(`loadImage: cannot read "${missing}": ENOENT`),
  );
  const truncatedPng = join(dir, "truncated.png");
  writeFileSync(
    truncatedPng,
    encodePng(
      W,
      H,
      withAlpha(rgb, () => 255),
    ).subarray(0, 50),
  );
  assert.throws(
    () => loadImage(truncatedPng),
    new RegExp(`loadImage: cannot decode "${truncatedPng}": `),
  );
  const truncatedJpeg = join(dir, "truncated.jpg");
  const jpeg = encodeJpeg(W, H, rgb);
  writeFileSync(truncatedJpeg, jpeg.subarray(0, jpeg.length - 40));
  assert.throws(
    () => loadImage(truncatedJpeg),
    new RegExp(`loadImage: cannot decode "${truncatedJpeg}": `),
  );
  const text = join(dir, "notes.jpg");
  writeFileSync(text, "not an image");
  assert.throws(
    () => loadImage(text),
    new RegExp(`loadImage: cannot decode "${text}": not a PNG or JPEG file`),
  );
});
