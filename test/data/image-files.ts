// Small PNG and JPEG files for the image tests, made with the same libraries nabla decodes with
// (pngjs, jpeg-js), plus PNG chunks written by hand for what pngjs cannot encode (palettes, tRNS).
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { deflateSync } from "node:zlib";

/** Interleaved RGB bytes of a w x h image whose pixel (x, y) is `fn(x, y)`. */
export function rgbImage(w: number, h: number, fn: (x: number, y: number) => number[]): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(fn(x, y), 3 * (y * w + x));
  return out;
}

/** RGB bytes with an alpha channel added. */
export function withAlpha(rgb: Uint8Array, alpha: (i: number) => number): Buffer {
  const n = rgb.length / 3;
  const out = Buffer.alloc(4 * n);
  for (let i = 0; i < n; i++) {
    out.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    out[4 * i + 3] = alpha(i);
  }
  return out;
}

/** A PNG of the RGBA bytes `rgba`; `colorType` 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA. */
export function encodePng(
  w: number,
  h: number,
  rgba: Uint8Array,
  options: { colorType?: 0 | 2 | 4 | 6; bitDepth?: 8 | 16 } = {},
): Buffer {
  const data =
    options.bitDepth === 16
      ? Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength)
      : Buffer.from(rgba);
  return PNG.sync.write({ width: w, height: h, data } as PNG, {
    colorType: options.colorType ?? 6,
    bitDepth: options.bitDepth ?? 8,
  });
}

/** A baseline JPEG of the RGB bytes `rgb` (jpeg-js writes 4:4:4, no chroma subsampling). */
export function encodeJpeg(w: number, h: number, rgb: Uint8Array, quality = 95): Buffer {
  return jpeg.encode({ width: w, height: h, data: withAlpha(rgb, () => 255) }, quality).data;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** One PNG chunk: length, type, data, CRC. */
export function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** `png` with `extra` chunks inserted right after IHDR. */
export function insertAfterHeader(png: Buffer, ...extra: Buffer[]): Buffer {
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...extra, png.subarray(ihdrEnd)]);
}

/** A palette PNG (colour type 3, 8 bits) of the given colour indices; optionally a tRNS chunk. */
export function palettePng(
  w: number,
  h: number,
  palette: number[][],
  indices: number[],
  alphas?: number[],
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const rows = Buffer.alloc(h * (w + 1)); // filter byte 0 (none) before each row
  for (let y = 0; y < h; y++) rows.set(indices.slice(y * w, (y + 1) * w), y * (w + 1) + 1);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("PLTE", Uint8Array.from(palette.flat())),
    ...(alphas ? [chunk("tRNS", Uint8Array.from(alphas))] : []),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** A PNG that is only a signature and an IHDR chunk claiming w x h (no pixel data at all). */
export function pngHeaderOnly(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr)]);
}

/** `jpegBytes` with its frame header (SOF0) rewritten to claim w x h. */
export function jpegClaiming(jpegBytes: Buffer, w: number, h: number): Buffer {
  const out = Buffer.from(jpegBytes);
  const sof = out.indexOf(Buffer.from([0xff, 0xc0]));
  out.writeUInt16BE(h, sof + 5);
  out.writeUInt16BE(w, sof + 7);
  return out;
}
