// `nabla predict <checkpoint> <image.png>`: decode a PNG (pngjs), make it grayscale, resize it to
// the model's input and print the most probable classes.
import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
import { noGrad } from "../autograd/grad-mode.js";
import { resizeBatch } from "../data/transforms.js";
import { Tensor } from "../tensor/tensor.js";
import { classNames, kindOf } from "./data.js";
import { modelFromCheckpoint } from "./train-command.js";

/** Options of `nabla predict`, e.g. `{ top: 5, invert: false }`. */
export interface PredictCliOptions {
  top?: number;
  invert?: boolean;
  /** The architecture of a plain state dict (one without `nabla train`'s run configuration). */
  model?: string;
}

/** A grayscale image with values in [0, 1], row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * The most pixels `predict` decodes: 50 megapixels (a 8660 x 5773 photo), 200 MB as RGBA while
 * decoding. A 20000 x 20000 image would take 3 GB, for a model that sees 28 x 28 pixels.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The width and height of a PNG from its header (the IHDR chunk that must come first), without
 * decoding anything; undefined if the bytes do not start as a PNG does.
 * @example pngSize(readFileSync("shoe.png")); // { width: 56, height: 56 }
 */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decode PNG bytes into grayscale in [0, 1] (ITU-R 601 luma; transparent pixels become black,
 * the background of Fashion-MNIST and MNIST). Images of more than `MAX_IMAGE_PIXELS` pixels are
 * refused from their header, before any decoding.
 * @example const img = decodePngGray(readFileSync("shoe.png")); // { width, height, data }
 */
export function decodePngGray(bytes: Uint8Array, name = "<png>"): GrayImage {
  const size = pngSize(bytes);
  if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
    const n = (size.width * size.height).toLocaleString("en-US");
    throw new Error(
      `predict: ${name}: the image is ${size.width}x${size.height} (${n} pixels), more than the ${MAX_IMAGE_PIXELS.toLocaleString("en-US")} that predict decodes; scale it down first`,
    );
  }
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`predict: ${name}: not a readable PNG image (${(e as Error).message})`, {
      cause: e,
    });
  }
  const { width, height, data } = png;
  const out = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = data[4 * i]!;
    const g = data[4 * i + 1]!;
    const b = data[4 * i + 2]!;
    const a = data[4 * i + 3]! / 255;
    out[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * a;
  }
  return { width, height, data: out };
}

/**
 * Resize to side x side: whole-factor box averaging first when shrinking a lot (bilinear alone
 * would skip pixels and alias), then bilinear to the exact size.
 * @example toModelInput(img, 28).shape; // [1, 1, 28, 28]
 */
export function toModelInput(img: GrayImage, side: number): Tensor {
  let { width, height, data } = img;
  const factor = Math.floor(Math.min(width / side, height / side));
  if (factor >= 2) {
    const w = Math.floor(width / factor);
    const h = Math.floor(height / factor);
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++)
          for (let dx = 0; dx < factor; dx++)
            s += data[(y * factor + dy) * width + x * factor + dx]!;
        out[y * w + x] = s / (factor * factor);
      }
    }
    width = w;
    height = h;
    data = out;
  }
  return resizeBatch(Tensor.fromArray(data, [1, 1, height, width]), [side, side]);
}

/**
 * Classify an image; prints and returns the top classes, most probable first.
 * @example await runPredict("runs/lenet/checkpoint.safetensors", "boot.png", { top: 5 });
 */
export async function runPredict(
  checkpoint: string,
  imagePath: string,
  options: PredictCliOptions,
  log: (line: string) => void = (l) => console.log(l),
): Promise<{ label: string; index: number; probability: number }[]> {
  const img = decodePngGray(readFileSync(imagePath), imagePath);
  const { net, config } = modelFromCheckpoint(checkpoint, options.model);
  if (options.invert) for (let i = 0; i < img.data.length; i++) img.data[i] = 1 - img.data[i]!;
  const side = config.resize ?? 28;
  const x = toModelInput(img, side);
  const logits: Tensor = noGrad(() => net.forward(x));
  const probs = logits.softmax(1).reshape(-1).data();
  const labels = classNames(kindOf(config.dataset));
  const ranked = Array.from(probs, (p, index) => ({
    index,
    label: labels[index] ?? String(index),
    probability: p,
  })).sort((a, b) => b.probability - a.probability);
  const top = ranked.slice(0, options.top ?? 5);
  const width = Math.max(...top.map((t) => t.label.length));
  log(`${imagePath} (${img.width}x${img.height} -> ${side}x${side}), ${config.model}:`);
  top.forEach((t, i) => log(`  ${i + 1}. ${t.label.padEnd(width)}  ${t.probability.toFixed(3)}`));
  return top;
}
