// Datasets for the CLI: the embedded Fashion-MNIST or MNIST, or a directory of IDX files, as
// DataLoaders of `[X, y]` batches (X float32 [N, 1, H, W] in [0, 1], y int32 [N]).
import { existsSync, statSync } from "node:fs";
import { DataLoader } from "../data/dataloader.js";
import { Subset } from "../data/dataset.js";
import {
  FASHION_MNIST_LABELS,
  FashionMNIST,
  MNIST,
  MNIST_LABELS,
  type MnistDataset,
} from "../data/vision.js";
import { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

/** What `--dataset` names: `fashion-mnist`, `mnist`, or a directory of IDX files. */
export interface DatasetChoice {
  /** `"fashion-mnist"`, `"mnist"` or the directory as given. */
  name: string;
  /** The directory of IDX files, when not embedded. */
  root?: string;
  /** Which class names (and torchvision layout) to use. */
  kind: "fashion-mnist" | "mnist";
}

/**
 * Parse `--dataset`: `fashion-mnist`, `mnist`, or an existing directory holding IDX files
 * (Fashion-MNIST's class names when the path mentions "fashion", else digits).
 * @example parseDataset("mnist"); // { name: "mnist", kind: "mnist" }
 */
export function parseDataset(value: string): DatasetChoice {
  const v = value.toLowerCase();
  if (v === "fashion-mnist" || v === "fashionmnist" || v === "fmnist")
    return { name: "fashion-mnist", kind: "fashion-mnist" };
  if (v === "mnist") return { name: "mnist", kind: "mnist" };
  if (existsSync(value) && statSync(value).isDirectory())
    return { name: value, root: value, kind: kindOf(value) };
  throw new Error(
    `--dataset: "${value}" is neither fashion-mnist, mnist nor an existing directory of IDX files`,
  );
}

/**
 * One split as a dataset (errors in the files name the file and what was expected).
 * @example openSplit(parseDataset("fashion-mnist"), "test", { resize: 224 }).length; // 10000
 */
export function openSplit(
  choice: DatasetChoice,
  split: "train" | "test",
  options: { resize?: number } = {},
): MnistDataset {
  const opts = { root: choice.root, train: split === "train", resize: options.resize };
  return choice.kind === "mnist" ? new MNIST(opts) : new FashionMNIST(opts);
}

/** Which kind of images a dataset name holds (no file access): `kindOf("data/FashionMNIST") === "fashion-mnist"`. */
export function kindOf(name: string): "fashion-mnist" | "mnist" {
  return /fashion|fmnist/i.test(name) ? "fashion-mnist" : "mnist";
}

/** Class names of a dataset kind, e.g. `classNames("fashion-mnist")[9] === "ankle boot"`. */
export function classNames(kind: "fashion-mnist" | "mnist"): readonly string[] {
  return kind === "mnist" ? MNIST_LABELS : FASHION_MNIST_LABELS;
}

/**
 * The indices `--limit n` keeps: n distinct examples drawn with their own generator (so the
 * global RNG stream, and thus a resumed run, is unaffected), in increasing order.
 * @example limitIndices(60000, 2000, 0).length; // 2000
 */
export function limitIndices(count: number, limit: number, seed: number): Int32Array {
  const n = Math.min(limit, count);
  const gen = new Generator(seed ^ 0x11717);
  const perm = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = gen.randint(i, count);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm.slice(0, n).sort();
}

/** Options of `makeLoaders`, e.g. `{ batchSize: 256, resize: 224, limit: 2000, seed: 0 }`. */
export interface LoaderOptions {
  batchSize: number;
  resize?: number;
  /** Use at most this many examples of each split (a fixed random subset). */
  limit?: number;
  /** Seed of the `--limit` subset. */
  seed?: number;
}

type Loader = DataLoader<[Tensor, number], [Tensor, Tensor]>;

function limited(ds: MnistDataset, limit: number | undefined, seed: number) {
  if (limit === undefined || limit >= ds.length) return ds;
  return new Subset(ds, limitIndices(ds.length, limit, seed));
}

/**
 * Train and test loaders (d2l's `load_data_fashion_mnist`): shuffled train batches drawn from
 * the default generator (so `nb.manualSeed` and a checkpoint's RNG state fix the order), test in order.
 * @example const { train, test } = makeLoaders(parseDataset("fashion-mnist"), { batchSize: 256 });
 */
export function makeLoaders(
  choice: DatasetChoice,
  options: LoaderOptions,
): { train: Loader; test: Loader; imageShape: [number, number, number] } {
  const seed = options.seed ?? 0;
  const trainDs = openSplit(choice, "train", options);
  const testDs = openSplit(choice, "test", options);
  return {
    train: new DataLoader(limited(trainDs, options.limit, seed), {
      batchSize: options.batchSize,
      shuffle: true,
    }) as Loader,
    test: makeTestLoader(choice, options, testDs),
    imageShape: trainDs.imageShape,
  };
}

/**
 * Only the test loader (for `nabla eval`).
 * @example const test = makeTestLoader(parseDataset("mnist"), { batchSize: 256 });
 */
export function makeTestLoader(
  choice: DatasetChoice,
  options: LoaderOptions,
  testDs: MnistDataset = openSplit(choice, "test", options),
): Loader {
  return new DataLoader(limited(testDs, options.limit, (options.seed ?? 0) + 1), {
    batchSize: options.batchSize,
  }) as Loader;
}
