// torchvision's ImageFolder: one subfolder of `root` per class, its images (searched recursively)
// the class's samples. Classes and files are sorted as torchvision sorts them (Python's string
// order, by code point), so a folder gives the same class indices and sample order in both.
// Images are decoded when an item is asked for, not when the dataset is built.
import { readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../tensor/tensor.js";
import { checkIndex, type Dataset } from "./dataset.js";
import { readImageFile } from "./image-decode.js";
import type { Transform, TransformFn } from "./transform-utils.js";

/** The file endings `ImageFolder` reads by default (the formats nabla decodes). Example: `IMG_EXTENSIONS.includes(".png")`. */
export const IMG_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png"];

/** Options of `ImageFolder`. Example: `{ transform: new T.Compose([new T.Resize(256), new T.CenterCrop(224)]) }`. */
export interface ImageFolderOptions<Target = number> {
  /** Applied to each image, a float32 [3, H, W] RGB tensor in [0, 1]. */
  transform?: Transform<any> | TransformFn<any>;
  /** Applied to each class index. */
  targetTransform?: (target: number) => Target;
  /** File endings that count as images, compared case-insensitively (default `IMG_EXTENSIONS`). */
  extensions?: readonly string[];
  /** Decides which files are images instead of `extensions` (give one or the other). */
  isValidFile?: (path: string) => boolean;
  /** Reads one file (default: PNG or JPEG to a float32 [3, H, W] RGB tensor). */
  loader?: (path: string) => Tensor;
  /** Accept class folders without images (default false: an error, as in torchvision). */
  allowEmpty?: boolean;
  /** The default loader refuses images of more pixels than this (default `MAX_IMAGE_PIXELS`). */
  maxPixels?: number;
}

/**
 * A folder of images, one subfolder per class, as torchvision's `datasets.ImageFolder`: items are
 * [image, class index], the image a float32 [3, H, W] RGB tensor in [0, 1] before `transform`.
 * Example: `const ds = new nb.data.ImageFolder("hotdog/train", { transform }); ds.classes` is `["hotdog", "not-hotdog"]`.
 */
export class ImageFolder<Target = number> implements Dataset<[Tensor, Target]> {
  readonly root: string;
  /** The class names: the subfolders of `root`, sorted. */
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  /** [path, class index] for every image, by class, then path. */
  readonly samples: readonly (readonly [string, number])[];
  /** The class index of every sample. */
  readonly targets: readonly number[];
  readonly extensions: readonly string[] | null;
  readonly transform: Transform<any> | TransformFn<any> | undefined;
  readonly targetTransform: ((target: number) => Target) | undefined;
  readonly loader: (path: string) => Tensor;

  constructor(root: string, options: ImageFolderOptions<Target> = {}) {
    if (options.extensions !== undefined && options.isValidFile !== undefined)
      throw new Error("ImageFolder: give extensions or isValidFile, not both");
    this.root = root;
    this.extensions =
      options.isValidFile === undefined
        ? (options.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase())
        : null;
    const extensions = this.extensions;
    const isValid =
      options.isValidFile ??
      ((path: string) => extensions!.some((e) => path.toLowerCase().endsWith(e)));
    this.classes = findClasses(root);
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = makeSamples(
      root,
      this.classes,
      isValid,
      options.allowEmpty ?? false,
      extensions,
    );
    this.targets = this.samples.map(([, target]) => target);
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    const maxPixels = options.maxPixels;
    this.loader = options.loader ?? ((path) => readImageFile("ImageFolder", path, { maxPixels }));
  }

  /** torchvision's alias of `samples`. */
  get imgs(): readonly (readonly [string, number])[] {
    return this.samples;
  }

  get length(): number {
    return this.samples.length;
  }

  /** Sample i, decoded now: [transform(image), targetTransform(class index)]. Example: `ds.get(0)`. */
  get(i: number): [Tensor, Target] {
    const [path, target] = this.samples[checkIndex("ImageFolder.get", i, this.length)];
    const image = this.loader(path);
    const t = this.transform;
    return [
      t === undefined ? image : typeof t === "function" ? t(image) : t.forward(image),
      this.targetTransform ? this.targetTransform(target) : (target as Target),
    ];
  }
}

/** Python's `sorted` order for strings: by code point (JS's `<` compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory(); // follows symlinks, as os.scandir's is_dir()
  } catch {
    return false; // a broken link is not a folder
  }
};

/** The subfolders of `root`, sorted: torchvision's `find_classes`. */
function findClasses(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (e) {
    throw new Error(`ImageFolder: cannot list the folder "${root}": ${(e as Error).message}`, {
      cause: e,
    });
  }
  const classes = names.filter((n) => isDirectory(join(root, n))).sort(byCodePoint);
  if (classes.length === 0)
    throw new Error(`ImageFolder: couldn't find any class folder in "${root}"`);
  return classes;
}

/** Every folder under `dir` (itself included), following links once each, sorted by path as `sorted(os.walk(dir))`. */
function walk(dir: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const seen = new Set<string>();
  const visit = (path: string) => {
    const real = realpathSync(path);
    if (seen.has(real)) return; // a link back up the tree; os.walk would loop forever
    seen.add(real);
    const files: string[] = [];
    const folders: string[] = [];
    for (const name of readdirSync(path))
      (isDirectory(join(path, name)) ? folders : files).push(name);
    out.push([path, files.sort(byCodePoint)]);
    for (const f of folders) visit(join(path, f));
  };
  visit(dir);
  return out.sort((a, b) => byCodePoint(a[0], b[0]));
}

/** torchvision's `make_dataset`: [path, class index] of every valid file, class by class. */
function makeSamples(
  root: string,
  classes: readonly string[],
  isValid: (path: string) => boolean,
  allowEmpty: boolean,
  extensions: readonly string[] | null,
): [string, number][] {
  const samples: [string, number][] = [];
  const empty: string[] = [];
  classes.forEach((name, index) => {
    const before = samples.length;
    for (const [folder, files] of walk(join(root, name)))
      for (const file of files) {
        const path = join(folder, file);
        if (isValid(path)) samples.push([path, index]);
      }
    if (samples.length === before) empty.push(name);
  });
  if (empty.length > 0 && !allowEmpty) {
    const supported = extensions ? ` Supported extensions are: ${extensions.join(", ")}` : "";
    throw new Error(
      `ImageFolder: found no valid file for the class${empty.length > 1 ? "es" : ""} ${empty.join(", ")} in "${root}".${supported}`,
    );
  }
  return samples;
}
