// CIFAR-10 from the "binary version" of the dataset that the user has downloaded:
// data_batch_1.bin ... data_batch_5.bin (training) and test_batch.bin, each a run of 3073-byte
// records (1 label byte, then the 32x32 red, green and blue planes, row by row), and
// batches.meta.txt with the class names. Items are torchvision's after ToTensor:
// [image float32 [3, 32, 32] in [0, 1], label].
//
// torchvision reads the "python version" (pickled batches). Reading a pickle safely means
// interpreting its opcodes without running any of the code it names; nabla does not do that, and
// asks for the binary version, which holds the same images and labels.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { applyPerSample } from "./batch-transform.js";
import { type Collated, defaultCollate } from "./collate.js";
import { type BatchedDataset, checkIndex } from "./dataset.js";
import { allocUninitialized, type Transform, type TransformFn } from "./transform-utils.js";

/** The ten CIFAR-10 classes in label order (the lines of batches.meta.txt). Example: `CIFAR10_CLASSES[3] === "cat"`. */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
const TEST_FILES = ["test_batch.bin"];
const FOLDER = "cifar-10-batches-bin";

/** Options of `CIFAR10`. Example: `{ root: "data", train: false, transform: new T.Normalize(...) }`. */
export interface CIFAR10Options<Target = number> {
  /** The folder with the .bin batches, or the folder holding the extracted `cifar-10-batches-bin`. */
  root: string;
  /** The 50,000 training images (default true) or the 10,000 test images. */
  train?: boolean;
  /** Applied to each image, a float32 [3, 32, 32] tensor in [0, 1], on this thread. */
  transform?: Transform<any> | TransformFn<any>;
  /** Applied to each label (a number 0-9). */
  targetTransform?: (target: number) => Target;
}

/**
 * CIFAR-10 read from its binary batches, as torchvision's `datasets.CIFAR10` (without download).
 * Example: `const train = new nb.data.CIFAR10({ root: "data", train: true }); const [img, label] = train.get(0);`
 */
export class CIFAR10<Target = number> implements BatchedDataset<
  [Tensor, Target],
  [Tensor, Collated<Target>]
> {
  readonly train: boolean;
  /** The folder the batches were read from. */
  readonly folder: string;
  /** The pixels, `length` records of 3072 bytes: the R, G and B planes of 32x32 (CHW order). */
  readonly data: Uint8Array;
  /** The label of each image, 0-9. */
  readonly targets: number[];
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  readonly transform: Transform<any> | TransformFn<any> | undefined;
  readonly targetTransform: ((target: number) => Target) | undefined;

  constructor(options: CIFAR10Options<Target>) {
    if (typeof options?.root !== "string")
      throw new TypeError("CIFAR10: options.root must be the folder that holds the .bin batches");
    this.train = options.train ?? true;
    const names = this.train ? TRAIN_FILES : TEST_FILES;
    this.folder = findFolder(options.root, names);
    const { data, targets } = readBatches(names.map((n) => join(this.folder, n)));
    this.data = data;
    this.targets = targets;
    this.classes = readClasses(join(this.folder, "batches.meta.txt"));
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
  }

  get length(): number {
    return this.targets.length;
  }

  /** Sample i: [image float32 [3, 32, 32] in [0, 1] (transformed), label]. Example: `ds.get(0)`. */
  get(i: number): [Tensor, Target] {
    const k = checkIndex("CIFAR10.get", i, this.length);
    const image = this.#images([k]);
    const target = this.targets[k];
    return [
      new Tensor(image.storage, image.shape.slice(1)),
      this.targetTransform ? this.targetTransform(target) : (target as Target),
    ];
  }

  /**
   * Samples `indices` as [images float32 [N, 3, 32, 32], labels int32 [N]] (the DataLoader's fast
   * path; labels go through `targetTransform` and `defaultCollate` when there is one).
   * Example: `const [X, y] = ds.getBatch([0, 1, 2]);`
   */
  getBatch(indices: ArrayLike<number>): [Tensor, Collated<Target>] {
    const rows = Int32Array.from(indices, (i) => checkIndex("CIFAR10.getBatch", i, this.length));
    const labels = Array.from(rows, (r) => this.targets[r]);
    const targets = this.targetTransform
      ? defaultCollate(labels.map((label) => this.targetTransform!(label)))
      : (Tensor.fromArray(Int32Array.from(labels), [rows.length]) as Collated<Target>);
    return [this.#images(rows), targets];
  }

  /** Rows `rows` as one [N, 3, 32, 32] float32 tensor, transformed per sample. */
  #images(rows: Int32Array | number[]): Tensor {
    const out = allocUninitialized("float32", rows.length * PIXELS) as Float32Array;
    for (let k = 0; k < rows.length; k++) {
      const from = rows[k] * PIXELS;
      const to = k * PIXELS;
      for (let j = 0; j < PIXELS; j++) out[to + j] = UNIT[this.data[from + j]];
    }
    const x = Tensor.fromArray(out, [rows.length, 3, SIDE, SIDE]);
    return this.transform ? applyPerSample(x, this.transform) : x;
  }
}

/** [0, 255] -> [0, 1] as float32, the values of torchvision's ToTensor. */
const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** `root` itself when it has the split's batches, else `root/cifar-10-batches-bin`. */
function findFolder(root: string, names: readonly string[]): string {
  const has = (dir: string) => names.some((n) => existsSync(join(dir, n)));
  const extracted = join(root, FOLDER);
  if (has(root)) return root;
  if (has(extracted)) return extracted;
  const python = ["cifar-10-batches-py", "."].map((d) => join(root, d, "data_batch_1"));
  const hint = python.some((p) => existsSync(p))
    ? " (found the python version's pickled batches: nabla reads the binary version, cifar-10-binary.tar.gz, which holds the same images)"
    : "";
  throw new Error(`CIFAR10: cannot find ${names.join(", ")} in "${root}" or "${extracted}"${hint}`);
}

function readBatches(paths: readonly string[]): { data: Uint8Array; targets: number[] } {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(
      `CIFAR10: missing batch file${missing.length > 1 ? "s" : ""} ${missing.map((p) => `"${p}"`).join(", ")}`,
    );
  let total = 0;
  for (const p of paths) {
    const size = statSync(p).size;
    if (size === 0 || size % RECORD !== 0)
      throw new Error(
        `CIFAR10: "${p}" is ${size} bytes, not a whole number of ${RECORD}-byte records (1 label byte + ${PIXELS} pixel bytes)${size === 0 ? "" : `: ${size % RECORD} bytes left over after ${Math.floor(size / RECORD)} records`}`,
      );
    total += size / RECORD;
  }
  const data = new Uint8Array(total * PIXELS);
  const targets = new Array<number>(total);
  let n = 0;
  for (const p of paths) {
    const bytes = readFileSync(p);
    for (let at = 0; at < bytes.length; at += RECORD, n++) {
      const label = bytes[at];
      if (label > 9)
        throw new Error(
          `CIFAR10: "${p}" record ${at / RECORD} has label ${label}; CIFAR-10 labels are 0-9 (is this a CIFAR-100 file?)`,
        );
      targets[n] = label;
      data.set(bytes.subarray(at + 1, at + RECORD), n * PIXELS);
    }
  }
  return { data, targets };
}

/** The class names of batches.meta.txt (blank lines dropped); the standard list if it is absent. */
function readClasses(path: string): readonly string[] {
  if (!existsSync(path)) return CIFAR10_CLASSES;
  const names = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (names.length !== 10)
    throw new Error(
      `CIFAR10: "${path}" names ${names.length} classes, expected 10 (one per line): ${JSON.stringify(names.slice(0, 12))}`,
    );
  return names;
}
