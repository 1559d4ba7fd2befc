// Decoding PNG (pngjs) and JPEG (jpeg-js) files into RGB, as torchvision's default loader does
// with PIL: `Image.open(f).convert("RGB")`. The dimensions are read from the file's header first,
// so that a huge image is refused before any pixel buffer is allocated: a folder of images may
// hold anything.
//
// What PIL's convert("RGB") does, and so what this does: grey becomes R = G = B, alpha is dropped
// (not composited), a palette is looked up, and transparency (tRNS) is ignored. 16-bit samples
// keep their high byte, as PIL reads 16-bit RGB PNGs. EXIF orientation is not applied (PIL's open
// does not apply it either).
import { readFileSync } from "node:fs";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Tensor } from "../tensor/tensor.js";
import type { ImageLike } from "./transform-utils.js";

/**
 * PIL's `Image.MAX_IMAGE_PIXELS` (a 1 GiB RGBA image): the default cap on width * height.
 * Example: `nb.data.loadImage("big.png", { maxPixels: 4 * nb.data.MAX_IMAGE_PIXELS })`.
 */
export const MAX_IMAGE_PIXELS = 89_478_485;

/** Options of `decodeImage` and `loadImage`. Example: `{ maxPixels: 1e8 }`. */
export interface DecodeImageOptions {
  /** Refuse images of more pixels than this, read from the header (default `MAX_IMAGE_PIXELS`). */
  maxPixels?: number;
}

/** What a file's header says. Example: `{ format: "png", width: 640, height: 480 }`. */
export interface ImageHeader {
  format: "png" | "jpeg";
  width: number;
  height: number;
  /** PNG only: bits per sample (1, 2, 4, 8 or 16). */
  bitDepth?: number;
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * The format and size of a PNG or JPEG file from its first bytes, without decoding it.
 * Example: `nb.data.readImageHeader(readFileSync("cat.jpg"))` is `{ format: "jpeg", width: 500, height: 375 }`.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return pngHeader(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegHeader(bytes);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0"));
  throw new Error(
    `not a PNG or JPEG file (${bytes.length === 0 ? "the file is empty" : `it starts with bytes ${head.join(" ")}`})`,
  );
}

function be32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function be16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function pngHeader(bytes: Uint8Array): ImageHeader {
  // Signature, then the IHDR chunk: length 13, "IHDR", width, height, bit depth, colour type...
  const isIhdr = String.fromCharCode(...bytes.subarray(12, 16)) === "IHDR";
  if (bytes.length < 33 || !isIhdr || be32(bytes, 8) !== 13)
    throw new Error("truncated or malformed PNG header (no IHDR chunk)");
  const width = be32(bytes, 16);
  const height = be32(bytes, 20);
  if (width === 0 || height === 0) throw new Error(`PNG header gives a ${width}x${height} image`);
  return { format: "png", width, height, bitDepth: bytes[24] };
}

// Start-of-frame markers: 0xC0-0xCF except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (m: number) =>
  m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegHeader(bytes: Uint8Array): ImageHeader {
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) throw new Error(`malformed JPEG: no marker at byte ${at}`);
    while (bytes[at] === 0xff) at++; // fill bytes
    const marker = bytes[at++];
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or a scan before any frame
    if (at + 2 > bytes.length) break;
    const length = be16(bytes, at);
    if (isStartOfFrame(marker)) {
      if (at + 7 > bytes.length) break;
      const height = be16(bytes, at + 3);
      const width = be16(bytes, at + 5);
      if (width === 0 || height === 0)
        throw new Error(
          `JPEG frame header gives a ${width}x${height} image (a height set later by a DNL marker is not supported)`,
        );
      return { format: "jpeg", width, height };
    }
    if (length < 2) throw new Error(`malformed JPEG: segment length ${length} at byte ${at}`);
    at += length;
  }
  throw new Error("truncated or malformed JPEG: no frame header (SOF) before the image data");
}

function checkSize(header: ImageHeader, maxPixels: number): void {
  const pixels = header.width * header.height;
  if (pixels > maxPixels)
    throw new Error(
      `the image is ${header.width}x${header.height} (${pixels.toLocaleString("en-US")} pixels), more than maxPixels (${maxPixels.toLocaleString("en-US")}); pass a larger maxPixels to decode it`,
    );
}

/**
 * Decodes PNG or JPEG bytes into 8-bit RGB (interleaved, `channels: 3`), as PIL's
 * `Image.open(f).convert("RGB")`; refuses images over `maxPixels` before decoding.
 * Example: `const { data, width, height } = nb.data.decodeImage(readFileSync("cat.png"));`.
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): ImageLike {
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (!(maxPixels > 0))
    throw new RangeError(`decodeImage: maxPixels must be positive, got ${maxPixels}`);
  const header = readImageHeader(bytes);
  checkSize(header, maxPixels);
  return header.format === "png" ? decodePng(bytes, header) : decodeJpeg(bytes, maxPixels);
}

function decodePng(bytes: Uint8Array, header: ImageHeader): ImageLike {
  const sixteen = header.bitDepth === 16;
  // pngjs sets every pixel of the tRNS colour to (0, 0, 0, 0); PIL's convert("RGB") keeps its
  // colour. A palette's colours do not depend on tRNS either, so the chunk is dropped before decoding.
  const png = PNG.sync.read(withoutChunk(bytes, "tRNS"), { skipRescale: sixteen });
  const { width, height } = png;
  const rgba = png.data as unknown as ArrayLike<number>;
  const rgb = new Uint8Array(width * height * 3);
  const shift = sixteen ? 8 : 0;
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = rgba[i] >> shift;
    rgb[j + 1] = rgba[i + 1] >> shift;
    rgb[j + 2] = rgba[i + 2] >> shift;
  }
  return { data: rgb, width, height, channels: 3 };
}

/** The PNG without its chunks of `type` (their length, type, data and CRC). */
function withoutChunk(bytes: Uint8Array, type: string): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Buffer[] = [buffer.subarray(0, 8)];
  let at = 8;
  let found = false;
  while (at + 12 <= buffer.length) {
    const end = at + 12 + buffer.readUInt32BE(at);
    const chunkType = buffer.toString("latin1", at + 4, at + 8);
    if (chunkType === type) found = true;
    else kept.push(buffer.subarray(at, end));
    at = end;
    if (chunkType === "IEND") break;
  }
  if (!found) return buffer;
  if (at < buffer.length) kept.push(buffer.subarray(at));
  return Buffer.concat(kept);
}

function decodeJpeg(bytes: Uint8Array, maxPixels: number): ImageLike {
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    // A truncated or damaged file is an error, as in PIL (jpeg-js would fill the gap silently).
    tolerantDecoding: false,
    maxResolutionInMP: maxPixels / 1e6,
    // jpeg-js counts its coefficient buffers too: about 16 bytes per pixel at worst.
    maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 16) / 2 ** 20)),
  });
  return { data: image.data, width: image.width, height: image.height, channels: 3 };
}

/** [0, 255] -> [0, 1] as float32, the values of torchvision's ToTensor. */
const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Interleaved 8-bit RGB as a float32 [3, H, W] tensor in [0, 1] (what ToTensor makes of it).
 * Example: `rgbToTensor(nb.data.decodeImage(bytes))`.
 */
export function rgbToTensor(image: ImageLike): Tensor {
  const { data, width, height } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = UNIT[data[j]];
    out[plane + i] = UNIT[data[j + 1]];
    out[2 * plane + i] = UNIT[data[j + 2]];
  }
  return Tensor.fromArray(out, [3, height, width]);
}

/**
 * Reads a PNG or JPEG file as a float32 [3, H, W] RGB tensor in [0, 1] (torchvision's
 * `ToTensor()(pil_loader(path))`); errors name the file. Example: `const img = nb.data.loadImage("cat.jpg");`.
 */
export function loadImage(path: string, options: DecodeImageOptions = {}): Tensor {
  return readImageFile("loadImage", path, options);
}

/** `loadImage` with errors that name the operation `op` (e.g. "ImageFolder.get(3)"). */
export function readImageFile(op: string, path: string, options: DecodeImageOptions): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${op}: cannot read "${path}": ${(e as Error).message}`, { cause: e });
  }
  try {
    return rgbToTensor(decodeImage(bytes, options));
  } catch (e) {
    throw new Error(`${op}: cannot decode "${path}": ${(e as Error).message}`, { cause: e });
  }
}
